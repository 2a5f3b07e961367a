"""One error body for every failure: ``{"error": {"code", "message", "details"}}``.

HTTPException, request validation errors and unhandled exceptions all pass through here. The
body also keeps FastAPI's ``detail`` field, which clients written before this shape still read.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid_request", 429: "rate_limited", 500: "internal_error", 503: "unavailable",
}


def error_code(status_code: int) -> str:
    if status_code in _CODES:
        return _CODES[status_code]
    try:
        return HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def error_response(
    status_code: int, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "error": {"code": error_code(status_code), "message": message, "details": details},
        "detail": message,
    }
    return JSONResponse(body, status_code=status_code, headers=headers)


def _message(problem: dict[str, Any]) -> str:
    """Return a validation message without the "Value error, " prefix pydantic adds to the
    text of a ValueError raised in a validator."""
    message = str(problem.get("msg", ""))
    return message.removeprefix("Value error, ")


def add_error_bodies(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = error.detail if isinstance(error.detail, str) else HTTPStatus(
            error.status_code
        ).phrase
        details = None if isinstance(error.detail, str) else error.detail
        return error_response(error.status_code, message, details, error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for problem in error.errors():
            entry = {
                "field": ".".join(str(p) for p in problem.get("loc", ())),
                "message": _message(problem),
            }
            # A parameter that a route and one of its dependencies both declare is checked, and
            # reported, twice.
            if entry not in problems:
                problems.append(entry)
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return error_response(422, f"invalid request: {summary}", problems)

    @app.exception_handler(Exception)
    async def unhandled(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error: the request failed and was logged")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": HTTPStatus(code).phrase}
    for code in (401, 403, 404, 422, 429)
}

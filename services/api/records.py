"""Records kept around each request: audit events and the responses to idempotency keys.

Both run as one middleware after authorization has named the caller, so every route, including
one added later, is audited and honours ``Idempotency-Key`` without code of its own.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import FastAPI, HTTPException, Request, Response
from sqlalchemy import delete
from sqlmodel import col

from services.api.auth import Security
from services.api.errors import error_response
from services.api.models import IdempotentResponse
from services.ingest.models import utcnow
from shared.db import session_scope

log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]

_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sign-in and invitations are recorded by their handlers, which know the user. A deleted tenant
# keeps no audit log, so its deletion is only logged.
_NOT_RECORDED_HERE = frozenset({"/v1/auth/token", "/v1/invitations/accept", "/v1/tenant"})
_KEY_MAX_LENGTH = 200
_KEPT_FOR = timedelta(hours=24)
_MAX_KEPT_BYTES = 1024 * 1024


def add_audit_and_idempotency(app: FastAPI) -> None:
    @app.middleware("http")
    async def record(request: Request, call_next: Handler) -> Response:
        key = request.headers.get("idempotency-key")
        if key is not None and request.method == "POST":
            response = await _idempotent(request, call_next, key)
        else:
            response = await call_next(request)
        _audit(request, response)
        return response


def _audit(request: Request, response: Response) -> None:
    principal = getattr(request.state, "principal", None)
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if principal is None or path is None or path in _NOT_RECORDED_HERE:
        return
    exported = path.endswith("/export") or request.query_params.get("format") == "csv"
    if request.method not in _CHANGES and not exported:
        return
    security: Security = request.app.state.security
    security.audit.record(
        principal.tenant_id, principal.actor, f"{request.method} {path}",
        target=request.url.path, succeeded=response.status_code < 400,
        status_code=response.status_code,
    )


async def _idempotent(request: Request, call_next: Handler, key: str) -> Response:
    """Run a POST once per (tenant, key): a repeat returns the first response unchanged."""
    if not 1 <= len(key) <= _KEY_MAX_LENGTH:
        return error_response(
            422, f"invalid Idempotency-Key: use 1 to {_KEY_MAX_LENGTH} characters"
        )
    security: Security = request.app.state.security
    try:
        tenant_id = security.principal(request).tenant_id
    except HTTPException:
        return await call_next(request)  # the route returns the 401 itself
    digest = _request_digest(request, await request.body())
    engine = security.directory.engine

    with session_scope(engine) as session:
        kept = session.get(IdempotentResponse, (tenant_id, key))
    if kept is not None:
        if kept.request_hash != digest:
            return error_response(
                422,
                f"Idempotency-Key {key!r} was already used with a different request: use a new "
                "key for a new request",
            )
        log.info("replayed the response for idempotency key %r of tenant %s", key, tenant_id)
        return Response(
            kept.body, kept.status_code, media_type=kept.media_type,
            headers={"Idempotent-Replayed": "true"},
        )

    response = await call_next(request)
    body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    media_type = response.headers.get("content-type", "application/json")
    # NOTE: two requests with the same new key at the same moment both run; the last to finish
    # is kept. The upload routes are safe under this because a photo's id is its content hash.
    if response.status_code < 500 and len(body) <= _MAX_KEPT_BYTES:
        _keep(engine, tenant_id, key, request, digest, response.status_code, media_type, body)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body, response.status_code, headers=headers)


def _request_digest(request: Request, body: bytes) -> str:
    # A multipart body carries a random boundary, so a client that sends the same files again
    # sends different bytes; the boundary is taken out before hashing.
    content_type = request.headers.get("content-type", "")
    _, _, boundary = content_type.partition("boundary=")
    if boundary:
        body = body.replace(boundary.strip('"').encode(), b"")
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), request.url.query.encode()):
        digest.update(part + b"\0")
    digest.update(body)
    return digest.hexdigest()


def _keep(
    engine: object, tenant_id: str, key: str, request: Request, digest: str, status_code: int,
    media_type: str, body: bytes,
) -> None:
    record = IdempotentResponse(
        tenant_id=tenant_id, key=key, route=request.url.path, request_hash=digest,
        status_code=status_code, media_type=media_type, body=body.decode("utf-8", "replace"),
    )
    with session_scope(engine) as session:  # type: ignore[arg-type]
        session.execute(
            delete(IdempotentResponse).where(
                col(IdempotentResponse.tenant_id) == tenant_id,
                col(IdempotentResponse.created_at) < utcnow() - _KEPT_FOR,
            )
        )
        session.merge(record)
        session.commit()

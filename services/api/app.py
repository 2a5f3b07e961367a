"""The public FastAPI app: authentication, health, metrics and the services' routers."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.api.admin import router as admin_router
from services.api.tenants import ApiKeyAuthenticator, TenantDirectory
from shared.metrics import HTTP_REQUESTS, HTTP_SECONDS

log = logging.getLogger(__name__)

HealthCheck = Callable[[], dict[str, object]]


def create_app(
    *,
    directory: TenantDirectory,
    admin_token: str,
    routers: Iterable[APIRouter],
    health_checks: dict[str, HealthCheck],
    lifespan: Callable[[FastAPI], object] | None = None,
) -> FastAPI:
    app = FastAPI(
        title="Datafantasi API",
        version="1",
        description="Photo-archive search and the other Datafantasi capabilities, per tenant. "
        "Send the tenant's API key in the X-API-Key header.",
        lifespan=lifespan,  # type: ignore[arg-type]
    )
    app.state.tenants = directory
    app.state.admin_token = admin_token
    app.state.authenticator = ApiKeyAuthenticator(directory)
    app.include_router(admin_router)
    for router in routers:
        app.include_router(router)
    add_health(app, health_checks)
    add_metrics(app)
    _add_error_bodies(app)
    return app


def add_health(app: FastAPI, checks: dict[str, HealthCheck]) -> None:
    @app.get("/health", tags=["operations"])
    def health() -> JSONResponse:
        parts = {name: check() for name, check in checks.items()}
        ready = all(bool(part.get("ready", True)) for part in parts.values())
        body = {"status": "ready" if ready else "degraded", "services": parts}
        return JSONResponse(body, status_code=200 if ready else 503)


def add_metrics(app: FastAPI) -> None:
    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.middleware("http")
    async def count_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        HTTP_SECONDS.labels(request.method, path).observe(time.perf_counter() - started)
        return response


def _add_error_bodies(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in error.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return JSONResponse(
            {"detail": f"invalid request: {summary}", "errors": problems}, status_code=422
        )

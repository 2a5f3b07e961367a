"""The public FastAPI app: authentication, health, metrics and the services' routers."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.api.accounts import router as accounts_router
from services.api.admin import operator_router
from services.api.admin import router as admin_router
from services.api.audit import AuditLog
from services.api.auth import Security, authorize
from services.api.docs_page import docs_routes
from services.api.erasure_api import router as erasure_router
from services.api.errors import ERROR_RESPONSES, add_error_bodies
from services.api.openapi_nulls import keep_example_nulls
from services.api.ratelimit import MemoryRateLimiter, RedisRateLimiter
from services.api.records import add_audit_and_idempotency
from services.api.tenants import TenantDirectory
from services.api.tokens import TokenIssuer, signing_key
from services.api.users import UserDirectory
from services.api.web import web_routes
from shared.metrics import HTTP_REQUESTS, HTTP_SECONDS
from shared.openapi_examples import response_examples
from shared.settings import ApiSettings, Settings

log = logging.getLogger(__name__)

HealthCheck = Callable[[], dict[str, object]]


def create_app(
    *,
    directory: TenantDirectory,
    admin_token: str,
    routers: Iterable[APIRouter],
    health_checks: dict[str, HealthCheck],
    lifespan: Callable[[FastAPI], object] | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """Build the app; without ``settings`` (tests) tokens are signed with a random key."""
    app = FastAPI(
        title="Datafantasi API",
        version="1",
        description="Photo-archive search and the other Datafantasi capabilities, per tenant. "
        "Send a partner API key in the X-API-Key header, or a user's access token from "
        "POST /v1/auth/token in Authorization: Bearer. Lists are paginated with limit and "
        "cursor and carry a next link; errors have the body "
        '{"error": {"code", "message", "details"}}.',
        lifespan=lifespan,  # type: ignore[arg-type]
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(authorize)],
        responses=ERROR_RESPONSES,
    )
    security = build_security(directory, settings)
    app.state.tenants = directory
    app.state.admin_token = admin_token
    app.state.security = security
    app.state.authenticator = lambda request: security.principal(request).tenant_id
    app.include_router(operator_router)
    app.include_router(admin_router)
    app.include_router(accounts_router)
    app.include_router(erasure_router)
    for router in routers:
        app.include_router(router)
    add_health(app, health_checks)
    add_metrics(app)
    add_audit_and_idempotency(app)
    add_error_bodies(app)
    keep_example_nulls(app)
    app.router.routes.extend(docs_routes(app))
    app.router.routes.extend(web_routes())
    return app


def build_security(directory: TenantDirectory, settings: Settings | None) -> Security:
    engine = directory.engine
    api = settings.api if settings else ApiSettings()
    key = signing_key(api.token_signing_key, settings.data_dir) if settings else (
        secrets.token_urlsafe(48)
    )
    if settings and api.rate_limit_backend == "redis":
        limiter: MemoryRateLimiter | RedisRateLimiter = RedisRateLimiter(settings.redis.url)
    else:
        limiter = MemoryRateLimiter()
    return Security(
        directory=directory,
        users=UserDirectory(engine, timedelta(seconds=api.invitation_ttl_s)),
        tokens=TokenIssuer(
            key, issuer=api.token_issuer, audience=api.token_issuer, ttl_s=api.token_ttl_s,
            max_session_s=api.session_max_s,
        ),
        limiter=limiter,
        audit=AuditLog(engine),
        requests_per_minute=api.requests_per_minute,
        sign_ins_per_minute=api.sign_ins_per_minute,
    )


_PHOTO_MODEL = "xlm-roberta-base-ViT-B-32__laion5b_s13b_b90k"
_HEALTH_EXAMPLE = {
    "status": "ready",
    "services": {
        "embedding": {
            "ready": True, "model": _PHOTO_MODEL, "dim": 512, "reason": None,
            "random_weights": False, "device": "cpu", "load_seconds": 4.2,
        },
        "search": {
            "ready": True, "model": _PHOTO_MODEL,
            "collections": [{"name": f"photos-{_PHOTO_MODEL}", "model": _PHOTO_MODEL,
                             "dim": 512, "points": 1840}],
        },
        "bus": {"ready": True, "lag": 0},
    },
}


def add_health(app: FastAPI, checks: dict[str, HealthCheck]) -> None:
    # The parts depend on the deployment, so the body has an example, not a model.
    @app.get(
        "/health", tags=["operations"],
        responses=response_examples({"application/json": _HEALTH_EXAMPLE}),
    )
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

"""The tenant of a request, resolved once by the API's authentication and passed to handlers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer

# Declared so that the OpenAPI document lists both credentials as security schemes and /docs
# offers an "Authorize" box. The API's authentication reads the headers itself.
API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A partner API key (df_...)."
)
BEARER = HTTPBearer(
    auto_error=False, description="A user's access token from POST /v1/auth/token."
)


def current_principal(
    request: Request,
    _key: Annotated[str | None, Depends(API_KEY_HEADER)] = None,
    _token: Annotated[Any, Depends(BEARER)] = None,
) -> Any:
    """Return the caller (``services.api.access.Principal``) that the API authorized.

    In the API service the app-wide authorization dependency has already authenticated the
    caller and checked the route's action; it raises 401 or 403 otherwise, so a handler that
    takes ``TenantId`` never runs for a caller without access. Apps built for one service's
    tests set ``app.state.authenticator`` instead, a callable returning the tenant id.
    """
    principal = getattr(request.state, "principal", None)
    if principal is None:
        security = getattr(request.app.state, "security", None)
        if security is not None:
            principal = security.principal(request)
        else:
            return _TenantOnly(request.app.state.authenticator(request))
    return principal


class _TenantOnly:
    """The caller in a service's own test app, where only the tenant is known."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id


def current_tenant(principal: Annotated[Any, Depends(current_principal)]) -> str:
    return principal.tenant_id


TenantId = Annotated[str, Depends(current_tenant)]

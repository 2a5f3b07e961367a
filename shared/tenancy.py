"""The tenant of a request, resolved once by the API's authentication and passed to handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

# Declared so that the OpenAPI document lists the key as a security scheme and /docs offers an
# "Authorize" box. The authenticator reads the header itself.
API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The tenant's API key (df_...)."
)


def current_tenant(
    request: Request, _key: Annotated[str | None, Depends(API_KEY_HEADER)] = None
) -> str:
    """Return the tenant id that the app's authenticator found for this request.

    The authenticator (set by the API service on ``app.state.authenticator``) raises 401 for a
    missing or invalid key, so a handler that takes ``TenantId`` never runs unauthenticated.
    """
    return request.app.state.authenticator(request)


TenantId = Annotated[str, Depends(current_tenant)]

"""The tenant of a request, resolved once by the API's authentication and passed to handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


def current_tenant(request: Request) -> str:
    """Return the tenant id that the app's authenticator found for this request.

    The authenticator (set by the API service on ``app.state.authenticator``) raises 401 for a
    missing or invalid key, so a handler that takes ``TenantId`` never runs unauthenticated.
    """
    return request.app.state.authenticator(request)


TenantId = Annotated[str, Depends(current_tenant)]

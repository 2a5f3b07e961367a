"""Authentication and authorization of every request, in one app-wide dependency.

``authorize`` runs before each route's own dependencies. It looks up what the route requires
(``services.api.access``), resolves the caller from ``X-API-Key`` or ``Authorization: Bearer``
(an API key or a user's access token), applies the caller's rate limit, and stores the caller
on ``request.state.principal``, where ``shared.tenancy.TenantId`` reads the tenant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import HTTPException, Request, status

from services.api.access import (
    ROLE_ACTIONS,
    Action,
    Operator,
    Principal,
    Public,
    Role,
    required_for,
)
from services.api.audit import AuditLog
from services.api.ratelimit import RateLimiter
from services.api.tenants import TenantDirectory
from services.api.tokens import InvalidToken, TokenIssuer
from services.api.users import UserDirectory

log = logging.getLogger(__name__)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass
class Security:
    """The parts that authenticate, limit and record requests, built once per app."""

    directory: TenantDirectory
    users: UserDirectory
    tokens: TokenIssuer
    limiter: RateLimiter
    audit: AuditLog
    requests_per_minute: int = 600
    sign_ins_per_minute: int = 10

    def principal(self, request: Request) -> Principal:
        """Return the caller of ``request``; raises 401 for missing or invalid credentials."""
        presented = request.headers.get("x-api-key", "").strip()
        if not presented:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer":
                presented = token.strip()
        if not presented:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing credentials: send an API key in X-API-Key or a token in "
                "Authorization: Bearer",
                headers=_CHALLENGE,
            )
        if presented.count(".") == 2:
            return self._user_principal(presented)
        return self._key_principal(presented)

    def limit(self, subject: str, limit: int) -> None:
        """Count one request of ``subject``; raises 429 with Retry-After past ``limit``."""
        decision = self.limiter.hit(subject, limit)
        if not decision.allowed:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"rate limit of {limit} requests per minute exceeded: retry in "
                f"{decision.retry_after_s} s",
                headers={"Retry-After": str(decision.retry_after_s)},
            )

    def _user_principal(self, token: str) -> Principal:
        try:
            claims = self.tokens.verify(token)
        except InvalidToken as error:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error), _CHALLENGE) from None
        # The role is read now, not from the token, so a demoted or removed user loses access
        # at once rather than when the token expires.
        user = self.users.get(claims.tenant_id, claims.user_id)
        if user is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "invalid token: the user no longer exists",
                _CHALLENGE,
            )
        role = Role(user.role)
        return Principal(
            tenant_id=user.tenant_id, actions=ROLE_ACTIONS[role], user_id=user.user_id, role=role
        )

    def _key_principal(self, presented: str) -> Principal:
        result = self.directory.authenticate_key(presented)
        if result is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "invalid or revoked API key", _CHALLENGE
            )
        key, first_use_this_minute = result
        if first_use_this_minute:
            self.audit.record(key.tenant_id, f"key:{key.key_id}", "key.used")
        actions = frozenset(Action(a) for a in key.actions.split())
        return Principal(tenant_id=key.tenant_id, actions=actions, key_id=key.key_id)


def authorize(request: Request) -> None:
    """Reject the request unless its caller may use the route; the app runs this on every route."""
    # The request's own path, not the route's template: the rules match on prefixes, which both
    # share, and a template lacks the prefix of an include_router(prefix=...).
    need = required_for(request.method, request.url.path)
    if need is Public or need is Operator:
        return
    security: Security = request.app.state.security
    principal = security.principal(request)
    security.limit(principal.actor, security.requests_per_minute)
    request.state.principal = principal
    if not principal.allows(need):
        what = f"the action {need.value!r}" if isinstance(need, Action) else "a read action"
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"{_describe(principal)} lacks {what}, which this needs"
        )


def _describe(principal: Principal) -> str:
    if principal.user_id:
        return f"the {principal.role.value if principal.role else ''} role".replace("  ", " ")
    return f"API key {principal.key_id!r}"

"""Who may do what: actions, the actions of each role, and the action each route requires.

Every route of the app is mapped to what it requires here and nowhere else. The app's one
authorization dependency (``services.api.auth.authorize``) looks each request up, so a handler
never checks permissions itself, and a route added later is covered without being edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    PHOTOS_READ = "photos:read"
    PHOTOS_WRITE = "photos:write"
    ANALYTICS_READ = "analytics:read"
    ANALYTICS_WRITE = "analytics:write"
    AUDIENCE_READ = "audience:read"
    AUDIENCE_WRITE = "audience:write"
    ADMIN = "admin"


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


READ_ACTIONS = frozenset(a for a in Action if a.value.endswith(":read"))
WRITE_ACTIONS = frozenset(a for a in Action if a.value.endswith(":write"))

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.EDITOR: READ_ACTIONS | WRITE_ACTIONS,
    Role.VIEWER: READ_ACTIONS,
}


class Public:
    """Marker of a route that needs no credentials (health, sign-in, redeeming an invitation)."""


class Operator:
    """Marker of a route that checks the operator token itself."""


class AnyPrincipal:
    """Marker of a route open to every signed-in user or key of the tenant (``/v1/me``)."""


class AnyRead:
    """Marker of a route that any read action allows (jobs, which any service can start)."""


Requirement = Action | type[Public] | type[Operator] | type[AnyPrincipal] | type[AnyRead]


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a user signed in with a token, or a partner API key."""

    tenant_id: str
    actions: frozenset[Action]
    user_id: str | None = None
    key_id: str | None = None
    role: Role | None = None

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}" if self.user_id else f"key:{self.key_id}"

    def allows(self, requirement: Requirement) -> bool:
        if requirement is AnyPrincipal:
            return True
        if requirement is AnyRead:
            return bool(self.actions & READ_ACTIONS)
        return requirement in self.actions


# (HTTP methods or None for all, path pattern, requirement); the first match wins. The patterns
# match on path prefixes, which a request's path and its route's template share.
_READ = ("GET", "HEAD")
_RULES: tuple[tuple[tuple[str, ...] | None, str, Requirement], ...] = (
    (None, r"^/health$|^/metrics$|^/openapi\.json$|^/docs|^/redoc", Public),
    (None, r"^/(v1/)?admin/", Operator),
    (("POST",), r"^/v1/auth/token$", Public),
    (("POST",), r"^/v1/auth/refresh$", AnyPrincipal),
    (("POST",), r"^/v1/invitations/accept$", Public),
    (None, r"^/v1/me$", AnyPrincipal),
    (_READ, r"^/v1/tenant$", AnyPrincipal),
    (None, r"^/v1/(tenant|keys|users|invitations|audit-log|datasets)(/|$)", Action.ADMIN),
    (_READ, r"^/v1/jobs(/|$)", AnyRead),
    # Searching by an example photo posts the photo but changes nothing.
    (("POST",), r"^/v1/search/similar$", Action.PHOTOS_READ),
    (_READ, r"^/v1/(uploads|assets|search|models|photo-groups)(/|$)", Action.PHOTOS_READ),
    (None, r"^/v1/(uploads|assets|search|models|photo-groups)(/|$)", Action.PHOTOS_WRITE),
    (_READ, r"^/v1/analytics(/|$)", Action.ANALYTICS_READ),
    (None, r"^/v1/analytics(/|$)", Action.ANALYTICS_WRITE),
    (_READ, r"^/v1/audience(/|$)", Action.AUDIENCE_READ),
    (None, r"^/v1/audience(/|$)", Action.AUDIENCE_WRITE),
)
_COMPILED = tuple((methods, re.compile(pattern), need) for methods, pattern, need in _RULES)


def required_for(method: str, path: str) -> Requirement:
    """Return what a route requires; a route no rule names requires ``admin`` (deny by default)."""
    for methods, pattern, need in _COMPILED:
        if (methods is None or method in methods) and pattern.search(path):
            return need
    return Action.ADMIN


def parse_actions(values: list[str] | None) -> frozenset[Action]:
    """Turn requested action names into actions, all of them for None; raises ValueError for an
    unknown name or an empty list."""
    if values is None:
        return frozenset(Action)
    if not values:
        raise ValueError("empty actions: name at least one action, or leave actions out for all")
    actions = set()
    for value in values:
        try:
            actions.add(Action(value))
        except ValueError:
            allowed = ", ".join(a.value for a in Action)
            raise ValueError(f"unknown action {value!r}: use one of {allowed}") from None
    return frozenset(actions)

"""Attack every route of the embedded app as another tenant and with broken credentials.

The routes are read from ``app.routes``, so a route added later is attacked without a change
here. An attempt succeeds, and the test fails, when:

- a request without valid credentials gets anything but 401;
- a valid caller that lacks the route's action gets anything but 401 or 403;
- the attacker's valid key or token, used with the victim's ids, gets a 2xx on a route that
  takes one of the victim's object ids;
- any response shows a string of the victim's data that the request did not itself contain;
- afterwards the victim's stores hold anything other than what they held before.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import pytest
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient

from datafantasi.embedded import EmbeddedStack
from services.api.access import (
    WRITE_ACTIONS,
    Action,
    AnyPrincipal,
    AnyRead,
    Operator,
    Public,
    required_for,
)
from services.api.erasure import StoreCounts, TenantEraser
from tests.attack.conftest import SUMMARY
from tests.attack.tenants import (
    PASSWORD,
    SeededTenant,
    create_tenant,
    seed_analytics,
    seed_audience,
    seed_photos,
    wait_for_job,
)
from tests.support import make_settings

# Path parameters that name an object a tenant owns; a 2xx for another tenant's id is a breach.
OWNED_PARAMETERS = frozenset({
    "asset_id", "upload_id", "member_id", "handle", "import_id", "run_id", "community_id",
    "key_id", "user_id", "job_id", "group_id",
})
# Credentials of the victim's own tenant that lack the action the route requires.
NARROW = frozenset({"key without the action", "viewer without the action"})
# Values for parameters that are not ids, so that a request reaches the handler.
PLAIN_VALUES = {
    "kind": "members", "figure": "attendance", "dataset": "audience", "q": "sofa",
    "text": "sofa", "influencers": "hyggehanne,haveliv_henrik", "format": "json",
}


@dataclass
class Attempt:
    method: str
    path: str
    url: str
    credential: str
    status: int
    problem: str = ""


@dataclass
class Tally:
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def breaches(self) -> list[Attempt]:
        return [a for a in self.attempts if a.problem]


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory,
          model_store: tuple[Path, str]) -> Iterator[tuple[TestClient, SeededTenant, SeededTenant]]:
    data = tmp_path_factory.mktemp("attack")
    stack = EmbeddedStack(make_settings(data, model_store))
    with TestClient(stack.create_app()) as http:
        victim = create_tenant(http, "victim-co")
        attacker = create_tenant(http, "attacker-co")
        seed_photos(http, victim, [(200, 40, 40), (40, 200, 40)])
        seed_photos(http, attacker, [(40, 40, 200)])
        seed_analytics(http, victim)
        seed_audience(http, victim)
        wait_for_job(http, victim, victim.ids["job_id"])
        assert stack.wait_idle(60)
        yield http, victim, attacker


def _routes(http: TestClient) -> list[tuple[str, RouteContext]]:
    """Return (method, route) for every API route, those of included routers too."""
    routes = []
    for route in iter_route_contexts(http.app.routes):  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute):
            methods = sorted(route.methods or ())
            routes += [(method, route) for method in methods if method != "HEAD"]
    return routes


def _url(route: RouteContext, ids: dict[str, str]) -> tuple[str, dict[str, str]]:
    path = route.path
    # A deletion's confirm repeats the object it deletes: the last path parameter, or the tenant.
    confirm = ids.get("confirm", "victim-co")
    for param in route.dependant.path_params:
        confirm = ids.get(param.name) or PLAIN_VALUES.get(param.name, "1")
        path = path.replace("{" + param.name + "}", confirm)
    query = {}
    for param in route.dependant.query_params:
        if param.name == "confirm":
            query["confirm"] = confirm
        elif param.field_info.is_required():
            query[param.name] = ids.get(param.name) or PLAIN_VALUES.get(param.name, "1")
    return path, query


def _expired_token(http: TestClient, victim: SeededTenant) -> str:
    tokens = http.app.state.security.tokens  # type: ignore[attr-defined]
    claims = jwt.decode(victim.token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 60
    return jwt.encode(claims, tokens._key, algorithm="HS256", headers={"kid": tokens.key_id})


def _broken_credentials(
    http: TestClient, victim: SeededTenant, attacker: SeededTenant, revoked_key: str
) -> dict[str, dict[str, str]]:
    """Credentials that must never be accepted, by name."""
    claims = jwt.decode(attacker.token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(attacker.token)["kid"]
    as_victim = {**claims, "tid": victim.tenant_id, "sub": victim.owner_id}
    forged = jwt.encode(as_victim, "a-guessed-signing-key-of-32-bytes!", algorithm="HS256",
                        headers={"kid": kid})
    unsigned = jwt.encode(as_victim, None, algorithm="none", headers={"kid": kid})
    head, payload, signature = victim.token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    tampered_key = victim.key[:-1] + ("A" if victim.key[-1] != "A" else "B")
    return {
        "none": {},
        "garbage key": {"X-API-Key": "df_0000000000000000_not-a-secret"},
        "tampered key": {"X-API-Key": tampered_key},
        "revoked key": {"X-API-Key": revoked_key},
        "tampered token": {"Authorization": f"Bearer {head}.{payload}.{flipped}"},
        "expired token": {"Authorization": f"Bearer {_expired_token(http, victim)}"},
        "forged token": {"Authorization": f"Bearer {forged}"},
        "unsigned token": {"Authorization": f"Bearer {unsigned}"},
        "victim key as operator token": {"X-Admin-Token": victim.key},
    }


def _leaks(response_text: str, sent: str, victim: SeededTenant) -> list[str]:
    return sorted(m for m in victim.markers if m in response_text and m not in sent)


def _held(eraser: TenantEraser, victim: SeededTenant) -> StoreCounts:
    counts = eraser.inventory(victim.tenant_id)
    counts.database.pop("audit_events", None)
    return counts


def _viewer_token(http: TestClient, tenant: SeededTenant) -> dict[str, str]:
    """Invite a viewer into ``tenant`` and return the viewer's bearer header."""
    invited = http.post("/v1/invitations", json={"email": f"viewer@{tenant.tenant_id}.dk",
                                                 "role": "viewer"}, headers=tenant.token_headers)
    assert invited.status_code == 201, invited.text
    accepted = http.post("/v1/invitations/accept", json={
        "token": invited.json()["token"], "name": "Viewer", "password": PASSWORD,
    })
    assert accepted.status_code == 201, accepted.text
    return {"Authorization": f"Bearer {accepted.json()['access_token']}"}


def _scoped_key(http: TestClient, tenant: SeededTenant, actions: list[str]) -> str:
    response = http.post("/v1/keys", json={"name": "narrow", "actions": actions},
                         headers=tenant.key_headers)
    assert response.status_code == 201, response.text
    return response.json()["api_key"]


def test_no_attack_on_any_route_succeeds(
    arena: tuple[TestClient, SeededTenant, SeededTenant],
) -> None:
    http, victim, attacker = arena
    state = http.app.state  # type: ignore[attr-defined]
    eraser = TenantEraser(state.tenants.engine, state.objects, state.search)
    spare = _scoped_key(http, victim, ["photos:read"])
    revoked = http.delete(f"/v1/keys/{spare.split('_')[1]}", headers=victim.key_headers)
    assert revoked.status_code == 204
    broken = _broken_credentials(http, victim, attacker, spare)
    narrow_key = {"X-API-Key": _scoped_key(http, victim, ["audience:read"])}
    viewer = _viewer_token(http, victim)
    # The victim's own narrow key is among the attempts, and its refusals are audited.
    before = _held(eraser, victim)
    assert before.vectors >= 2
    assert before.objects >= 4
    attacker_valid = {
        "attacker key": attacker.key_headers, "attacker token": attacker.token_headers
    }

    tally = Tally()
    sent = ""
    routes = _routes(http)
    for method, route in routes:
        need = required_for(method, route.path)
        if need is Public:
            continue
        path, query = _url(route, victim.ids)
        # Ids the attacker sent may come back, in its own audit log for one.
        sent += path + str(query)
        attempts: dict[str, dict[str, str]] = dict(broken)
        if need is not Operator:
            attempts |= attacker_valid
            if isinstance(need, Action) and need is not Action.AUDIENCE_READ:
                attempts["key without the action"] = narrow_key
            if need is Action.ADMIN or need in WRITE_ACTIONS:
                attempts["viewer without the action"] = viewer
        for name, headers in attempts.items():
            response = http.request(method, path, params=query, headers=headers, json={})
            attempt = Attempt(method, route.path, path, name, response.status_code)
            tally.attempts.append(attempt)
            leaked = _leaks(response.text, sent, victim)
            if leaked:
                attempt.problem = f"response shows the victim's {leaked}"
            elif name in broken and response.status_code != 401:
                attempt.problem = f"accepted: {response.status_code} instead of 401"
            elif name in NARROW and response.status_code not in (401, 403):
                attempt.problem = f"allowed without the action: {response.status_code}"
            elif name in attacker_valid and response.is_success and (
                OWNED_PARAMETERS & {p.name for p in route.dependant.path_params}
            ):
                attempt.problem = f"reached the victim's object: {response.status_code}"

    after = _held(eraser, victim)
    still_works = http.get("/v1/me", headers=victim.key_headers).status_code
    attacked_routes = {(a.method, a.path) for a in tally.attempts}
    SUMMARY.append(
        f"attack suite: {len(tally.attempts)} attempts on {len(attacked_routes)} routes "
        f"(of {len(routes)}), {len(tally.breaches)} succeeded"
    )
    for breach in tally.breaches:
        SUMMARY.append(
            f"  BREACH {breach.method} {breach.url} with {breach.credential}: {breach.problem}"
        )
    assert tally.breaches == []
    assert after == before, "an attack changed the victim's data"
    assert still_works == 200
    assert len(attacked_routes) >= 40


def test_every_route_has_a_requirement() -> None:
    """Routes are attacked by what access.py requires of them; none may fall through to nothing."""
    kinds = (Action, type(Public), type(Operator), type(AnyPrincipal), type(AnyRead))
    assert isinstance(required_for("GET", "/v1/not-yet-written"), kinds)
    assert required_for("GET", "/v1/not-yet-written") is Action.ADMIN

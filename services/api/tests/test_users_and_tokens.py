from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, field_validator

from services.api.access import Role
from services.api.app import create_app
from services.api.tenants import TenantDirectory
from services.api.tokens import InvalidToken, TokenIssuer
from services.api.users import InvitationInvalid, UserDirectory
from shared.db import create_tables, make_engine
from shared.tenancy import TenantId

ADMIN = {"X-Admin-Token": "operator-token"}
PASSWORD = "korrekt-hest-batteri"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    photos = APIRouter()

    @photos.get("/v1/assets")
    def read(tenant_id: TenantId) -> dict[str, str]:
        return {"tenant_id": tenant_id}

    @photos.post("/v1/uploads")
    def write(tenant_id: TenantId) -> dict[str, str]:
        return {"tenant_id": tenant_id}

    app = create_app(
        directory=TenantDirectory(engine), admin_token="operator-token", routers=[photos],
        health_checks={},
    )
    return TestClient(app)


def _tenant(client: TestClient, tenant_id: str, email: str) -> dict:
    response = client.post(
        "/admin/tenants",
        json={"name": tenant_id, "tenant_id": tenant_id, "owner_email": email,
              "owner_name": "Ejer", "owner_password": PASSWORD},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _sign_in(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_owner_signs_in_and_reads_me(client: TestClient) -> None:
    created = _tenant(client, "tenant-a", "Ejer@A.dk")
    headers = _sign_in(client, "ejer@a.dk")
    me = client.get("/v1/me", headers=headers).json()
    assert me["user_id"] == created["owner_user_id"]
    assert me["email"] == "ejer@a.dk"
    assert me["role"] == "owner"
    assert me["tenant_id"] == "tenant-a"
    assert me["tenant_name"] == "tenant-a"
    assert me["language"] == "da"


def test_patch_me_stores_language(client: TestClient) -> None:
    _tenant(client, "tenant-a", "ejer@a.dk")
    headers = _sign_in(client, "ejer@a.dk")
    assert client.patch("/v1/me", json={"language": "en"}, headers=headers).status_code == 200
    assert client.get("/v1/me", headers=headers).json()["language"] == "en"
    bad = client.patch("/v1/me", json={"language": "sv"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_request"


def test_wrong_password_is_401_and_audited(client: TestClient) -> None:
    _tenant(client, "tenant-a", "ejer@a.dk")
    wrong = {"email": "ejer@a.dk", "password": "forkert-1234"}
    response = client.post("/v1/auth/token", json=wrong)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    headers = _sign_in(client, "ejer@a.dk")
    events = client.get("/v1/audit-log", headers=headers).json()["items"]
    sign_ins = [(e["action"], e["outcome"]) for e in events if e["action"] == "sign_in"]
    assert sign_ins == [("sign_in", "succeeded"), ("sign_in", "failed")]


def test_invited_viewer_reads_but_cannot_write(client: TestClient) -> None:
    _tenant(client, "tenant-a", "ejer@a.dk")
    owner = _sign_in(client, "ejer@a.dk")
    invited = client.post(
        "/v1/invitations", json={"email": "se@a.dk", "role": "viewer"}, headers=owner
    )
    assert invited.status_code == 201, invited.text
    token = invited.json()["token"]
    accepted = client.post(
        "/v1/invitations/accept", json={"token": token, "name": "Se", "password": PASSWORD}
    )
    assert accepted.status_code == 201, accepted.text
    again = client.post(
        "/v1/invitations/accept", json={"token": token, "name": "Se", "password": PASSWORD}
    )
    assert again.status_code == 404
    viewer = _sign_in(client, "se@a.dk")
    assert client.get("/v1/assets", headers=viewer).json() == {"tenant_id": "tenant-a"}
    denied = client.post("/v1/uploads", headers=viewer)
    assert denied.status_code == 403
    assert "photos:write" in denied.json()["error"]["message"]
    assert client.get("/v1/keys", headers=viewer).status_code == 403


def test_invitation_reveals_no_other_tenants_users(client: TestClient) -> None:
    _tenant(client, "tenant-a", "ejer@a.dk")
    _tenant(client, "tenant-b", "ejer@b.dk")
    owner_b = _sign_in(client, "ejer@b.dk")

    foreign = client.post(
        "/v1/invitations", json={"email": "ejer@a.dk", "role": "viewer"}, headers=owner_b
    )
    unknown = client.post(
        "/v1/invitations", json={"email": "ny@b.dk", "role": "viewer"}, headers=owner_b
    )
    own = client.post(
        "/v1/invitations", json={"email": "ejer@b.dk", "role": "viewer"}, headers=owner_b
    )

    assert foreign.status_code == 201, foreign.text
    assert unknown.status_code == 201, unknown.text
    assert own.status_code == 409
    accept = {"token": foreign.json()["token"], "name": "A", "password": PASSWORD}
    clash = client.post("/v1/invitations/accept", json=accept)
    assert clash.status_code == 409
    assert "ejer@a.dk" in clash.json()["error"]["message"]
    assert client.get("/v1/me", headers=_sign_in(client, "ejer@a.dk")).json()["tenant_id"] == (
        "tenant-a"
    )


def test_tampered_and_expired_tokens_are_401(client: TestClient) -> None:
    _tenant(client, "tenant-a", "ejer@a.dk")
    headers = _sign_in(client, "ejer@a.dk")
    token = headers["Authorization"].split()[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "tid": "tenant-b"}, "guessed-key", algorithm="HS256",
                        headers={"kid": jwt.get_unverified_header(token)["kid"]})
    expired_claims = {**claims, "exp": int(time.time()) - 10}
    unsigned = jwt.encode(expired_claims, None, algorithm="none")
    for bad in (forged, unsigned, token[:-2] + "xx"):
        response = client.get("/v1/assets", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, bad


def test_refresh_renews_a_users_token(client: TestClient) -> None:
    created = _tenant(client, "tenant-a", "ejer@a.dk")
    headers = _sign_in(client, "ejer@a.dk")
    first = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})

    refreshed = client.post("/v1/auth/refresh", headers=headers)
    by_key = client.post("/v1/auth/refresh", headers={"X-API-Key": created["api_key"]})
    anonymous = client.post("/v1/auth/refresh")

    assert refreshed.status_code == 200, refreshed.text
    token = refreshed.json()["access_token"]
    second = jwt.decode(token, options={"verify_signature": False})
    assert second["jti"] != first["jti"]
    assert second["auth_time"] == first["auth_time"]
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "ejer@a.dk"
    assert by_key.status_code == 403
    assert anonymous.status_code == 401


def test_refresh_ends_at_max_session_age() -> None:
    issuer = TokenIssuer("k" * 48, issuer="df", audience="df", ttl_s=900, max_session_s=3600)
    fresh = issuer.verify(issuer.issue("user-1", "tenant-a"))
    old = issuer.verify(issuer.issue("user-1", "tenant-a", signed_in_at=int(time.time()) - 3601))

    renewed = issuer.verify(issuer.refresh(fresh))

    assert renewed.signed_in_at == fresh.signed_in_at
    assert renewed.user_id == "user-1"
    with pytest.raises(InvalidToken, match="more than 1 h ago"):
        issuer.refresh(old)


def test_garbage_token_message_hides_decoder_detail(client: TestClient) -> None:
    garbage = "__8.e30.c2ln"  # the header decodes to bytes that are not UTF-8
    response = client.get("/v1/assets", headers={"Authorization": f"Bearer {garbage}"})

    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert message == "invalid or expired access token; sign in again"


class _Colour(BaseModel):
    colour: str

    @field_validator("colour")
    @classmethod
    def _known(cls, colour: str) -> str:
        if colour != "blue":
            raise ValueError(f"invalid colour {colour!r}: use 'blue'")
        return colour


def test_validation_message_drops_value_error_prefix(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    router = APIRouter()

    @router.post("/colours")
    def paint(body: _Colour) -> dict[str, str]:
        return {"colour": body.colour}

    app = create_app(
        directory=TenantDirectory(engine), admin_token="operator-token", routers=[router],
        health_checks={},
    )
    client = TestClient(app)
    _tenant(client, "tenant-a", "ejer@a.dk")
    owner = _sign_in(client, "ejer@a.dk")
    response = client.post("/colours", json={"colour": "red"}, headers=owner)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"][0]["message"] == "invalid colour 'red': use 'blue'"
    assert "Value error" not in error["message"]


def test_scoped_key_is_limited_to_its_actions(client: TestClient) -> None:
    key = _tenant(client, "tenant-a", "ejer@a.dk")["api_key"]
    created = client.post(
        "/v1/keys", json={"name": "read only", "actions": ["photos:read"]},
        headers={"X-API-Key": key},
    )
    assert created.status_code == 201, created.text
    scoped = {"X-API-Key": created.json()["api_key"]}
    assert client.get("/v1/assets", headers=scoped).status_code == 200
    assert client.post("/v1/uploads", headers=scoped).status_code == 403
    assert client.get("/v1/keys", headers=scoped).status_code == 403
    listed = client.get("/v1/keys", headers={"X-API-Key": key}).json()
    assert [k["name"] for k in listed["items"]] == ["first key", "read only"]
    assert all("api_key" not in k and "secret_hash" not in k for k in listed["items"])
    assert listed["items"][1]["actions"] == ["photos:read"]
    assert listed["items"][0]["last_used_at"] is not None


def test_unknown_action_is_422(client: TestClient) -> None:
    key = _tenant(client, "tenant-a", "ejer@a.dk")["api_key"]
    response = client.post("/v1/keys", json={"actions": ["photos:delete"]},
                           headers={"X-API-Key": key})
    assert response.status_code == 422
    assert "unknown action 'photos:delete'" in response.json()["error"]["message"]
    empty = client.post("/v1/keys", json={"actions": []}, headers={"X-API-Key": key})
    assert empty.status_code == 422
    assert "empty actions" in empty.json()["error"]["message"]


def test_owner_fields_must_come_together(client: TestClient) -> None:
    response = client.post(
        "/admin/tenants", json={"name": "X", "owner_email": "x@x.dk"}, headers=ADMIN
    )
    assert response.status_code == 422
    assert client.get("/admin/tenants", headers=ADMIN).json() == []


def test_key_list_is_paginated_with_next_links(client: TestClient) -> None:
    key = {"X-API-Key": _tenant(client, "tenant-a", "ejer@a.dk")["api_key"]}
    for number in range(4):
        client.post("/v1/keys", json={"name": f"k{number}"}, headers=key)
    names: list[str] = []
    url: str | None = "/v1/keys?limit=2"
    while url:
        page = client.get(url, headers=key).json()
        names += [k["name"] for k in page["items"]]
        url = page["next"]
    assert names == ["first key", "k0", "k1", "k2", "k3"]


def test_rate_limit_answers_429_with_retry_after(client: TestClient) -> None:
    key = {"X-API-Key": _tenant(client, "tenant-a", "ejer@a.dk")["api_key"]}
    client.app.state.security.requests_per_minute = 3  # type: ignore[attr-defined]
    statuses = [client.get("/v1/assets", headers=key).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/v1/assets", headers=key)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"


def test_expired_invitation_is_rejected(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'users.sqlite'}")
    create_tables(engine)
    TenantDirectory(engine).create_tenant("A", "tenant-a")
    users = UserDirectory(engine, invitation_ttl=timedelta(seconds=-1))
    _invitation, token = users.invite("tenant-a", "ny@a.dk", Role.EDITOR, "user:x")
    with pytest.raises(InvitationInvalid):
        users.accept(token, "Ny", PASSWORD)
    assert users.find_by_email("ny@a.dk") is None


def test_demoted_or_removed_user_loses_access_at_once(client: TestClient) -> None:
    _tenant(client, "tenant-a", "ejer@a.dk")
    owner = _sign_in(client, "ejer@a.dk")
    token = client.post(
        "/v1/invitations", json={"email": "to@a.dk", "role": "owner"}, headers=owner
    ).json()["token"]
    client.post("/v1/invitations/accept", json={"token": token, "name": "To", "password": PASSWORD})
    second = _sign_in(client, "to@a.dk")
    second_id = client.get("/v1/me", headers=second).json()["user_id"]
    assert client.get("/v1/keys", headers=second).status_code == 200

    demoted = client.patch(f"/v1/users/{second_id}", json={"role": "viewer"}, headers=owner)
    assert demoted.status_code == 200
    assert client.get("/v1/keys", headers=second).status_code == 403
    assert client.delete(f"/v1/users/{second_id}", headers=owner).status_code == 204
    assert client.get("/v1/me", headers=second).status_code == 401


def test_last_owner_cannot_be_demoted(client: TestClient) -> None:
    created = _tenant(client, "tenant-a", "ejer@a.dk")
    owner = _sign_in(client, "ejer@a.dk")
    response = client.patch(
        f"/v1/users/{created['owner_user_id']}", json={"role": "editor"}, headers=owner
    )
    assert response.status_code == 409
    assert client.get("/v1/keys", headers=owner).status_code == 200

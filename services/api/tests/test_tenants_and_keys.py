from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.tenants import TenantDirectory
from shared.db import create_tables, make_engine
from shared.tenancy import TenantId

ADMIN = "operator-token"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    whoami = APIRouter()

    @whoami.get("/v1/whoami")
    def who(tenant_id: TenantId) -> dict[str, str]:
        return {"tenant_id": tenant_id}

    app = create_app(
        directory=TenantDirectory(engine), admin_token=ADMIN, routers=[whoami],
        health_checks={},
    )
    return TestClient(app)


def _create(client: TestClient, name: str, tenant_id: str) -> str:
    response = client.post(
        "/v1/admin/tenants", json={"name": name, "tenant_id": tenant_id},
        headers={"X-Admin-Token": ADMIN},
    )
    assert response.status_code == 201, response.text
    return response.json()["api_key"]


def test_tenant_key_resolves_to_its_tenant(client: TestClient) -> None:
    key_a = _create(client, "A", "tenant-a")
    key_b = _create(client, "B", "tenant-b")
    assert client.get("/v1/whoami", headers={"X-API-Key": key_a}).json()["tenant_id"] == "tenant-a"
    bearer = {"Authorization": f"Bearer {key_b}"}
    assert client.get("/v1/whoami", headers=bearer).json()["tenant_id"] == "tenant-b"


def test_creating_a_tenant_needs_the_operator_token(client: TestClient) -> None:
    response = client.post("/v1/admin/tenants", json={"name": "X"})
    assert response.status_code == 401
    response = client.post(
        "/v1/admin/tenants", json={"name": "X"}, headers={"X-Admin-Token": "wrong"}
    )
    assert response.status_code == 401


def test_duplicate_and_invalid_tenant_ids_are_rejected(client: TestClient) -> None:
    _create(client, "A", "tenant-a")
    headers = {"X-Admin-Token": ADMIN}
    again = client.post("/v1/admin/tenants", json={"name": "A", "tenant_id": "tenant-a"},
                        headers=headers)
    assert again.status_code == 409
    bad = client.post("/v1/admin/tenants", json={"name": "A", "tenant_id": "../x"},
                      headers=headers)
    assert bad.status_code == 422
    assert "invalid tenant id" in bad.json()["detail"]


@pytest.mark.parametrize(
    "presented",
    ["", "garbage", "df_0000000000000000_secret", "df_short_secret"],
)
def test_missing_or_invalid_keys_answer_401(client: TestClient, presented: str) -> None:
    _create(client, "A", "tenant-a")
    response = client.get("/v1/whoami", headers={"X-API-Key": presented} if presented else {})
    assert response.status_code == 401


def test_tampered_secret_answers_401(client: TestClient) -> None:
    key = _create(client, "A", "tenant-a")
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert client.get("/v1/whoami", headers={"X-API-Key": tampered}).status_code == 401


def test_revoked_key_stops_working(client: TestClient) -> None:
    first = _create(client, "A", "tenant-a")
    second = client.post("/v1/keys", headers={"X-API-Key": first}).json()["api_key"]
    key_id = second.split("_")[1]
    revoked = client.delete(f"/v1/keys/{key_id}", headers={"X-API-Key": first})
    assert revoked.status_code == 204
    assert client.get("/v1/whoami", headers={"X-API-Key": second}).status_code == 401
    assert client.get("/v1/whoami", headers={"X-API-Key": first}).status_code == 200


def test_revoking_another_tenants_key_answers_404(client: TestClient) -> None:
    key_a = _create(client, "A", "tenant-a")
    key_b = _create(client, "B", "tenant-b")
    key_id_b = key_b.split("_")[1]
    response = client.delete(f"/v1/keys/{key_id_b}", headers={"X-API-Key": key_a})
    assert response.status_code == 404
    assert client.get("/v1/whoami", headers={"X-API-Key": key_b}).status_code == 200


def test_tenant_id_from_a_danish_name_spells_out_the_letters(client: TestClient) -> None:
    response = client.post(
        "/v1/admin/tenants", json={"name": "Stålbyg Ærø"}, headers={"X-Admin-Token": ADMIN}
    )
    assert response.status_code == 201
    assert response.json()["tenant_id"].startswith("staalbyg-aeroe-")


def test_revoking_the_last_active_key_is_refused(client: TestClient) -> None:
    key = _create(client, "A", "tenant-a")
    key_id = key.split("_")[1]
    response = client.delete(f"/v1/keys/{key_id}", headers={"X-API-Key": key})
    assert response.status_code == 409
    assert "only active key" in response.json()["detail"]
    assert client.get("/v1/whoami", headers={"X-API-Key": key}).status_code == 200

"""Idempotency-Key on POST requests, and the audit log of changes and exports."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from fastapi import APIRouter, UploadFile
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.tenants import TenantDirectory
from shared.db import create_tables, make_engine
from shared.tenancy import TenantId

ADMIN = {"X-Admin-Token": "operator-token"}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    uploads = APIRouter()
    counter = itertools.count(1)

    @uploads.post("/v1/uploads", status_code=201)
    async def upload(tenant_id: TenantId, files: list[UploadFile]) -> dict[str, object]:
        sizes = [len(await f.read()) for f in files]
        return {"tenant_id": tenant_id, "upload_number": next(counter), "sizes": sizes}

    @uploads.get("/v1/analytics/members/{member_id}/export")
    def export(member_id: str, tenant_id: TenantId) -> dict[str, str]:
        return {"member_id": member_id}

    app = create_app(
        directory=TenantDirectory(engine), admin_token="operator-token", routers=[uploads],
        health_checks={},
    )
    return TestClient(app)


def _key(client: TestClient, tenant_id: str) -> dict[str, str]:
    response = client.post(
        "/admin/tenants", json={"name": tenant_id, "tenant_id": tenant_id}, headers=ADMIN
    )
    return {"X-API-Key": response.json()["api_key"]}


def _upload(client: TestClient, headers: dict[str, str], data: bytes):  # type: ignore[no-untyped-def]
    return client.post("/v1/uploads", files={"files": ("a.jpg", data)}, headers=headers)


def test_same_key_and_body_replays_first_response(client: TestClient) -> None:
    headers = {**_key(client, "tenant-a"), "Idempotency-Key": "upload-1"}
    first = _upload(client, headers, b"photo bytes")
    again = _upload(client, headers, b"photo bytes")
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.json()["upload_number"] == 1
    assert again.headers["Idempotent-Replayed"] == "true"


def test_same_key_with_other_body_is_422(client: TestClient) -> None:
    headers = {**_key(client, "tenant-a"), "Idempotency-Key": "upload-1"}
    assert _upload(client, headers, b"photo bytes").status_code == 201
    other = _upload(client, headers, b"other bytes")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "invalid_request"
    assert "already used with a different request" in other.json()["error"]["message"]


def test_keys_are_per_tenant(client: TestClient) -> None:
    key_a, key_b = _key(client, "tenant-a"), _key(client, "tenant-b")
    first = _upload(client, {**key_a, "Idempotency-Key": "same"}, b"photo")
    second = _upload(client, {**key_b, "Idempotency-Key": "same"}, b"photo")
    assert first.json()["tenant_id"] == "tenant-a"
    assert second.json()["tenant_id"] == "tenant-b"
    assert second.json()["upload_number"] == 2


def test_without_key_every_post_runs(client: TestClient) -> None:
    headers = _key(client, "tenant-a")
    numbers = [_upload(client, headers, b"photo").json()["upload_number"] for _ in range(2)]
    assert numbers == [1, 2]


def test_overlong_idempotency_key_is_422(client: TestClient) -> None:
    headers = {**_key(client, "tenant-a"), "Idempotency-Key": "k" * 201}
    assert _upload(client, headers, b"photo").status_code == 422


def test_uploads_exports_and_key_use_are_audited(client: TestClient) -> None:
    headers = _key(client, "tenant-a")
    _upload(client, headers, b"photo")
    client.get("/v1/analytics/members/m1/export", headers=headers)
    events = client.get("/v1/audit-log", headers=headers).json()["items"]
    actions = [e["action"] for e in events]
    assert actions == [
        "GET /v1/analytics/members/{member_id}/export", "POST /v1/uploads", "key.used"
    ]
    assert events[0]["target"] == "/v1/analytics/members/m1/export"
    assert all(e["actor"].startswith("key:") for e in events)
    other = client.get("/v1/audit-log", headers=_key(client, "tenant-b")).json()["items"]
    assert [e["action"] for e in other] == ["key.used"]

"""Deleting a data set or a whole tenant reaches every store, and only that tenant's data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from datafantasi.embedded import EmbeddedStack
from services.analytics.tests.test_api import MEMBERS
from services.api.erasure import TenantEraser, tenant_tables
from tests.attack.tenants import (
    SeededTenant,
    audience_csv,
    create_tenant,
    seed_analytics,
    seed_audience,
    seed_photos,
    wait_for_job,
)
from tests.support import make_settings


@pytest.fixture
def two_tenants(
    tmp_path: Path, model_store: tuple[Path, str]
) -> Iterator[tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant]]:
    stack = EmbeddedStack(make_settings(tmp_path / "data", model_store))
    with TestClient(stack.create_app()) as http:
        leaving = create_tenant(http, "leaving-co")
        staying = create_tenant(http, "staying-co")
        for tenant, colors in ((leaving, [(200, 30, 30), (30, 200, 30)]),
                               (staying, [(30, 30, 200)])):
            seed_photos(http, tenant, colors)
            seed_analytics(http, tenant)
            seed_audience(http, tenant)
            wait_for_job(http, tenant, tenant.ids["job_id"])
        assert stack.wait_idle(60)
        yield stack, http, leaving, staying


def _rows_left(stack: EmbeddedStack, tenant_id: str) -> dict[str, int]:
    left = {}
    with stack.engine.connect() as connection:
        for table in tenant_tables():
            query = select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            count = connection.execute(query).scalar_one()
            if count:
                left[table.name] = count
    return left


def _eraser(stack: EmbeddedStack) -> TenantEraser:
    return TenantEraser(stack.engine, stack.objects, stack.search)


def test_tenant_deletion_empties_every_store(
    two_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    stack, http, leaving, staying = two_tenants
    staying_before = _eraser(stack).inventory(staying.tenant_id)
    held = _eraser(stack).inventory(leaving.tenant_id)
    assert held.vectors == 2
    assert held.objects == 4
    assert {"assets", "members", "events", "audience_accounts", "users", "api_keys"} <= set(
        held.database
    )

    refused = http.delete("/v1/tenant", params={"confirm": "wrong"}, headers=leaving.key_headers)
    assert refused.status_code == 422
    assert _eraser(stack).inventory(leaving.tenant_id) == held

    response = http.delete(
        "/v1/tenant", params={"confirm": leaving.tenant_id}, headers=leaving.token_headers
    )
    assert response.status_code == 200, response.text
    removed = response.json()["removed"]
    assert removed["vectors"] == 2
    assert removed["objects"] == 4
    assert removed["database"]["assets"] == 2
    assert removed["database"]["tenants"] == 1

    assert _rows_left(stack, leaving.tenant_id) == {}
    assert stack.search.count_tenant(leaving.tenant_id) == 0
    assert not (stack.objects.root / leaving.tenant_id).exists()
    assert http.get("/v1/assets", headers=leaving.key_headers).status_code == 401
    assert http.get("/v1/me", headers=leaving.token_headers).status_code == 401
    staying_after = _eraser(stack).inventory(staying.tenant_id)
    staying_after.database.pop("audit_events", None)
    staying_before.database.pop("audit_events", None)
    assert staying_after == staying_before


def test_every_table_has_a_tenant_column() -> None:
    from sqlmodel import SQLModel

    from shared.db import MODEL_MODULES
    for module in MODEL_MODULES:
        __import__(module)
    missing = [t.name for t in SQLModel.metadata.sorted_tables if "tenant_id" not in t.c]
    assert missing == []


@pytest.mark.parametrize(
    ("dataset", "emptied", "kept"),
    [
        ("photos", {"assets", "uploads", "upload_items"}, {"members", "audience_accounts"}),
        ("analytics", {"members", "events", "participations"}, {"assets", "audience_accounts"}),
        ("audience", {"audience_accounts", "audience_imports"}, {"assets", "members"}),
    ],
)
def test_dataset_deletion_removes_only_that_dataset(
    two_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
    dataset: str, emptied: set[str], kept: set[str],
) -> None:
    stack, http, leaving, _staying = two_tenants
    response = http.delete(
        f"/v1/datasets/{dataset}", params={"confirm": dataset}, headers=leaving.key_headers
    )
    assert response.status_code == 200, response.text
    assert emptied <= set(response.json()["removed"]["database"])
    left = _rows_left(stack, leaving.tenant_id)
    assert emptied & set(left) == set()
    assert kept <= set(left)
    vectors = stack.search.count_tenant(leaving.tenant_id)
    assert vectors == (0 if dataset == "photos" else 2)
    assert http.get("/v1/me", headers=leaving.key_headers).status_code == 200


def test_dataset_deletion_keeps_erasure_requests(
    two_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    _stack, http, leaving, _staying = two_tenants
    for path in (
        f"/v1/analytics/members/{leaving.ids['member_id']}",
        f"/v1/audience/people/{leaving.ids['handle']}",
    ):
        erased = http.delete(path, headers=leaving.key_headers)
        assert erased.status_code == 200, erased.text
    for dataset in ("analytics", "audience"):
        deleted = http.delete(
            f"/v1/datasets/{dataset}", params={"confirm": dataset}, headers=leaving.key_headers
        )
        assert deleted.status_code == 200, deleted.text

    members = http.post(
        "/v1/analytics/imports/members", files={"file": ("m.csv", MEMBERS.encode("cp1252"))},
        headers=leaving.key_headers,
    ).json()
    audience = http.post(
        "/v1/audience/imports", files={"file": ("a.csv", audience_csv())},
        headers=leaving.key_headers,
    ).json()

    assert members["skipped_erased"] == 1
    assert members["created"] == 1
    assert audience["summary"]["skipped_erased"] == 1

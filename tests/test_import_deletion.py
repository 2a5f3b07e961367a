"""Deleting one import removes what only it brought in, from every store, for one tenant."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from datafantasi.embedded import EmbeddedStack
from services.analytics.tests.test_api import EVENTS, MEMBERS
from services.analytics.tests.test_api import SIGN_UPS as ATTENDANCE
from services.api.erasure import TenantEraser, tenant_tables
from services.search.index import PhotoVector
from tests.attack.tenants import SeededTenant, create_tenant, wait_for_job
from tests.support import make_settings, photo_bytes

SIGN_UPS = (
    "E-mail;Navn;Arrangement;Dato;Status\n"
    "mette@skov.dk;Mette Skov;Energi i produktionen;10-01-2024;Deltaget\n"
    "nina@nyfirma.dk;Nina Nyholm;Sommermøde;20-06-2024;Deltaget\n"
)
FOLLOWERS = "influencer,handle,relation,followers_count,text\n" + "".join(
    f"hyggehanne,sofa_fan_{i},follower,5200,\n" for i in range(4)
)
COMMENTS = "influencer,handle,relation,followers_count,text\n" + "".join(
    f"hyggehanne,{handle},comment,,Hyggelig sofa med uldplaid\n"
    for handle in ("sofa_fan_0", "sofa_fan_1", "kun_kommentar")
)
RED, GREEN, BLUE = (200, 30, 30), (30, 200, 30), (30, 30, 200)


@pytest.fixture
def stack_and_tenants(
    tmp_path: Path, model_store: tuple[Path, str]
) -> Iterator[tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant]]:
    stack = EmbeddedStack(make_settings(tmp_path / "data", model_store))
    with TestClient(stack.create_app()) as http:
        yield stack, http, create_tenant(http, "owner-co"), create_tenant(http, "other-co")


def _rows(stack: EmbeddedStack, tenant_id: str) -> dict[str, int]:
    """Count the tenant's rows per table; the audit log grows with every request, so it is left
    out."""
    counts = {}
    with stack.engine.connect() as connection:
        for table in tenant_tables():
            if table.name == "audit_events":
                continue
            query = select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            counts[table.name] = connection.execute(query).scalar_one()
    return counts


def _import_analytics(http: TestClient, tenant: SeededTenant, kind: str, text: str) -> dict:
    response = http.post(
        f"/v1/analytics/imports/{kind}", files={"file": (f"{kind}.csv", text.encode("cp1252"))},
        headers=tenant.key_headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _delete(http: TestClient, tenant: SeededTenant, dataset: str, import_id: str) -> dict:
    response = http.delete(
        f"/v1/datasets/{dataset}/imports/{import_id}", params={"confirm": import_id},
        headers=tenant.key_headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _has_member(http: TestClient, tenant: SeededTenant, name: str) -> bool:
    found = http.get("/v1/analytics/members", params={"q": name}, headers=tenant.key_headers)
    assert found.status_code == 200, found.text
    return name in {member["name"] for member in found.json()["items"]}


def test_analytics_import_deletion_keeps_records_others_name(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    stack, http, owner, other = stack_and_tenants
    members = _import_analytics(http, owner, "members", MEMBERS)
    events = _import_analytics(http, owner, "events", EVENTS)
    sign_ups = _import_analytics(http, owner, "participations", SIGN_UPS)
    assert sign_ups["members_created"] == 1
    assert sign_ups["events_created"] == 1
    before = _rows(stack, owner.tenant_id)
    assert before["participations"] == 2

    listed = http.get("/v1/datasets/analytics/imports", headers=owner.key_headers).json()
    assert [item["import_id"] for item in listed["items"]] == [
        sign_ups["import_id"], events["import_id"], members["import_id"],
    ]
    assert [item["kind"] for item in listed["items"]] == ["participations", "events", "members"]
    # Two participations, Mette and Nina, and the two events they name.
    assert listed["items"][0]["records"] == 6

    refused = http.delete(
        f"/v1/datasets/analytics/imports/{sign_ups['import_id']}", params={"confirm": "wrong"},
        headers=owner.key_headers,
    )
    assert refused.status_code == 422
    assert _rows(stack, owner.tenant_id) == before
    hidden = http.delete(
        f"/v1/datasets/analytics/imports/{sign_ups['import_id']}",
        params={"confirm": sign_ups["import_id"]}, headers=other.key_headers,
    )
    assert hidden.status_code == 404
    assert _rows(stack, owner.tenant_id) == before

    removed = _delete(http, owner, "analytics", sign_ups["import_id"])
    assert removed["removed"]["database"]["participations"] == 2
    assert removed["removed"]["database"]["members"] == 1
    assert removed["removed"]["database"]["events"] == 1
    assert removed["kept"] == 2
    assert not _has_member(http, owner, "Nina Nyholm")
    assert _has_member(http, owner, "Mette Skov")
    after = _rows(stack, owner.tenant_id)
    assert after["participations"] == 0
    assert after["events"] == before["events"] - 1
    assert after["analytics_imports"] == 2

    run = http.post("/v1/analytics/themes/runs", headers=owner.key_headers)
    assert run.status_code == 202, run.text
    assert wait_for_job(http, owner, run.json()["job_id"])["status"] == "succeeded"
    assert _rows(stack, owner.tenant_id)["theme_assignments"] == 6

    removed = _delete(http, owner, "analytics", events["import_id"])
    assert removed["removed"]["database"]["events"] == 6
    assert removed["removed"]["database"]["theme_runs"] == 1
    assert removed["removed"]["database"]["theme_assignments"] == 6
    after = _rows(stack, owner.tenant_id)
    assert after["events"] == 0
    assert after["themes"] == 0
    assert after["text_embeddings"] == 0
    assert _has_member(http, owner, "Mette Skov")

    gone = http.delete(
        f"/v1/datasets/analytics/imports/{events['import_id']}",
        params={"confirm": events["import_id"]}, headers=owner.key_headers,
    )
    assert gone.status_code == 404

    audit = http.get("/v1/audit-log", headers=owner.key_headers).json()["items"]
    deletions = [
        (event["target"], event["outcome"]) for event in audit
        if event["action"] == "DELETE /v1/datasets/{dataset}/imports/{import_id}"
    ]
    assert (f"/v1/datasets/analytics/imports/{sign_ups['import_id']}", "succeeded") in deletions
    assert (f"/v1/datasets/analytics/imports/{events['import_id']}", "failed") in deletions


def test_member_export_and_erasure_follow_imports(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    stack, http, owner, _other = stack_and_tenants
    members = _import_analytics(http, owner, "members", MEMBERS)
    found = http.get("/v1/analytics/members", params={"q": "Mette"}, headers=owner.key_headers)
    member_id = found.json()["items"][0]["member_id"]

    exported = http.get(f"/v1/analytics/members/{member_id}/export", headers=owner.key_headers)
    assert exported.status_code == 200, exported.text
    imports = exported.json()["imports"]
    assert [row["import_id"] for row in imports] == [members["import_id"]]
    assert imports[0]["filename"] == "members.csv"

    records_before = _rows(stack, owner.tenant_id)["analytics_import_records"]
    erased = http.delete(f"/v1/analytics/members/{member_id}", headers=owner.key_headers)
    assert erased.status_code == 200, erased.text
    assert _rows(stack, owner.tenant_id)["analytics_import_records"] == records_before - 1


def test_audience_import_deletion_keeps_accounts_still_followed(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    stack, http, owner, other = stack_and_tenants
    imported = {}
    for name, text in (("followers", FOLLOWERS), ("comments", COMMENTS)):
        response = http.post(
            "/v1/audience/imports", files={"file": (f"{name}.csv", text.encode())},
            headers=owner.key_headers,
        )
        assert response.status_code == 201, response.text
        imported[name] = response.json()["import_id"]
    before = _rows(stack, owner.tenant_id)
    assert before["audience_engagements"] == 3
    assert before["audience_accounts"] == 6

    listed = http.get("/v1/datasets/audience/imports", headers=other.key_headers).json()
    assert listed["items"] == []
    hidden = http.delete(
        f"/v1/datasets/audience/imports/{imported['comments']}",
        params={"confirm": imported["comments"]}, headers=other.key_headers,
    )
    assert hidden.status_code == 404

    removed = _delete(http, owner, "audience", imported["comments"])
    assert removed["removed"]["database"]["audience_engagements"] == 3
    assert removed["removed"]["database"]["audience_accounts"] == 1
    after = _rows(stack, owner.tenant_id)
    assert after["audience_accounts"] == 5
    assert after["audience_follows"] == before["audience_follows"]
    person = http.get("/v1/audience/people/kun_kommentar", headers=owner.key_headers)
    assert person.status_code == 404

    removed = _delete(http, owner, "audience", imported["followers"])
    assert removed["removed"]["database"]["audience_follows"] == 4
    after = _rows(stack, owner.tenant_id)
    assert after["audience_accounts"] == 0
    assert after["audience_import_records"] == 0
    assert after["audience_imports"] == 0


def test_upload_deletion_removes_photos_only_it_brought(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    stack, http, owner, other = stack_and_tenants
    uploads = []
    for colors in ((RED, GREEN), (GREEN, BLUE)):
        files = [
            ("files", (f"foto-{i}.jpg", photo_bytes(color, pattern=sum(color)), "image/jpeg"))
            for i, color in enumerate(colors)
        ]
        report = http.post("/v1/uploads", files=files, headers=owner.key_headers)
        assert report.status_code in (200, 201), report.text
        uploads.append(report.json())
    assert stack.wait_idle(60)
    first_ids = [item["asset_id"] for item in uploads[0]["items"]]
    red = first_ids[0]
    assert stack.search.count_tenant(owner.tenant_id) == 3
    run = http.post("/v1/photo-groups/runs", headers=owner.key_headers)
    assert run.status_code == 202, run.text
    assert wait_for_job(http, owner, run.json()["job_id"])["status"] == "succeeded"
    grouped = _rows(stack, owner.tenant_id)["photo_group_members"]
    assert grouped == 3

    listed = http.get("/v1/datasets/photos/imports", headers=owner.key_headers).json()
    assert {item["import_id"] for item in listed["items"]} == {u["upload_id"] for u in uploads}
    assert [(item["records"], item["files"]) for item in listed["items"]] == [(2, 2), (2, 2)]
    assert {item["label"] for item in listed["items"]} == {"foto-0.jpg"}
    hidden = http.delete(
        f"/v1/datasets/photos/imports/{uploads[0]['upload_id']}",
        params={"confirm": uploads[0]["upload_id"]}, headers=other.key_headers,
    )
    assert hidden.status_code == 404

    removed = _delete(http, owner, "photos", uploads[0]["upload_id"])
    assert removed["removed"]["database"]["assets"] == 1
    assert removed["removed"]["objects"] == 2
    assert removed["removed"]["vectors"] == 1
    assert removed["kept"] == 1
    assert http.get(f"/v1/assets/{red}", headers=owner.key_headers).status_code == 404
    assert http.get(f"/v1/assets/{first_ids[1]}", headers=owner.key_headers).status_code == 200
    assert stack.search.count_tenant(owner.tenant_id) == 2
    assert stack.objects.count_prefix(owner.tenant_id) == 4
    rows = _rows(stack, owner.tenant_id)
    assert rows["photo_group_members"] == 2
    assert rows["uploads"] == 1
    groups = http.get("/v1/photo-groups", headers=owner.key_headers).json()["items"]
    assert sum(group["size"] for group in groups) == 2

    assert http.delete(f"/v1/assets/{first_ids[1]}", headers=owner.key_headers).status_code == 204
    listed = http.get("/v1/datasets/photos/imports", headers=owner.key_headers).json()["items"]
    assert [(item["records"], item["files"]) for item in listed] == [(1, 2)]


def test_tenant_deleted_mid_ingest_leaves_no_vectors(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    stack, http, owner, other = stack_and_tenants
    files = [
        ("files", (f"foto-{i}.jpg", photo_bytes((7 * i, 90, 200 - 5 * i), pattern=i % 7),
                   "image/jpeg"))
        for i in range(30)
    ]
    report = http.post("/v1/uploads", files=files, headers=owner.key_headers)
    assert report.status_code in (200, 201), report.text
    deleted = http.delete(
        "/v1/tenant", params={"confirm": owner.tenant_id}, headers=owner.key_headers
    )
    assert deleted.status_code == 200, deleted.text

    assert stack.wait_idle(120)
    assert stack.search.count_tenant(owner.tenant_id) == 0
    assert stack.search.count_tenant(other.tenant_id) == 0


def test_simultaneous_upload_deletions_remove_each_photo_once(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    stack, http, owner, _other = stack_and_tenants
    files = [
        ("files", (f"foto-{i}.jpg", photo_bytes((9 * i, 60, 100), pattern=i % 5), "image/jpeg"))
        for i in range(20)
    ]
    upload_id = http.post("/v1/uploads", files=files, headers=owner.key_headers).json()["upload_id"]
    assert stack.wait_idle(120)

    def delete() -> tuple[int, int]:
        response = http.delete(
            f"/v1/datasets/photos/imports/{upload_id}", params={"confirm": upload_id},
            headers=owner.key_headers,
        )
        removed = response.json().get("removed", {}).get("database", {}).get("assets", 0)
        return response.status_code, removed

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: delete(), range(3)))

    statuses = sorted(status for status, _ in results)
    assert statuses[0] == 200
    assert set(statuses) <= {200, 404}
    assert sum(removed for status, removed in results if status == 200) == 20
    assert stack.wait_idle(60)
    assert stack.search.count_tenant(owner.tenant_id) == 0


def test_upload_deleted_while_running_stops_cleanly(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack, http, owner, _other = stack_and_tenants
    first_stored, release = threading.Event(), threading.Event()
    store = stack.ingest._store

    def store_then_wait(*args: object) -> object:
        outcome = store(*args)  # type: ignore[arg-type]
        first_stored.set()
        assert release.wait(60)
        return outcome

    monkeypatch.setattr(stack.ingest, "_store", store_then_wait)
    files = [
        ("files", (f"foto-{i}.jpg", photo_bytes((40 * i, 90, 120), pattern=i), "image/jpeg"))
        for i in range(3)
    ]
    with ThreadPoolExecutor(max_workers=1) as pool:
        upload = pool.submit(
            http.post, "/v1/uploads", files=files, headers=owner.key_headers
        )
        assert first_stored.wait(60)
        upload_id = http.get("/v1/datasets/photos/imports", headers=owner.key_headers).json()[
            "items"
        ][0]["import_id"]
        running = http.delete(
            f"/v1/datasets/photos/imports/{upload_id}", params={"confirm": upload_id},
            headers=owner.key_headers,
        )
        deleted = http.delete(
            "/v1/datasets/photos", params={"confirm": "photos"}, headers=owner.key_headers
        )
        release.set()
        answered = upload.result(timeout=60)

    assert running.status_code == 409, running.text
    assert "still storing" in running.json()["error"]["message"]
    assert deleted.status_code == 200, deleted.text
    assert answered.status_code == 409, answered.text
    assert "was deleted while it ran" in answered.json()["error"]["message"]
    assert stack.wait_idle(60)
    assert http.get("/v1/assets", headers=owner.key_headers).json()["items"] == []
    assert stack.objects.count_prefix(owner.tenant_id) == 0
    assert stack.search.count_tenant(owner.tenant_id) == 0


def test_member_import_deletion_keeps_organisations_of_kept_people(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    stack, http, owner, _other = stack_and_tenants
    members = _import_analytics(http, owner, "members", MEMBERS)
    _import_analytics(http, owner, "events", EVENTS)
    # Names Mette and Lars by e-mail only, not their companies.
    _import_analytics(http, owner, "participations", ATTENDANCE)
    assert _rows(stack, owner.tenant_id)["members"] == 4

    removed = _delete(http, owner, "analytics", members["import_id"])

    assert "members" not in removed["removed"]["database"]
    assert removed["kept"] == 4
    assert _rows(stack, owner.tenant_id)["members"] == 4
    found = http.get("/v1/analytics/members", params={"q": "Mette"}, headers=owner.key_headers)
    assert found.json()["items"][0]["organisation_id"] is not None


def test_unknown_dataset_is_reported_once(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
) -> None:
    _stack, http, owner, _other = stack_and_tenants

    response = http.get("/v1/datasets/fotos/imports", headers=owner.key_headers)

    assert response.status_code == 422
    error = response.json()["error"]
    assert [problem["field"] for problem in error["details"]] == ["path.dataset"]
    assert error["message"].count("path.dataset") == 1


def test_photo_indexed_during_tenant_deletion_is_removed(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack, http, owner, _other = stack_and_tenants
    files = [("files", ("foto.jpg", photo_bytes(RED, pattern=3), "image/jpeg"))]
    upload = http.post("/v1/uploads", files=files, headers=owner.key_headers).json()
    asset_id = upload["items"][0]["asset_id"]
    assert stack.wait_idle(60)
    index = stack.search.tenant_index(owner.tenant_id)
    assert index is not None
    vector = index.vector_of(asset_id)
    assert vector is not None
    delete_rows = TenantEraser._delete_rows

    def index_again_then_delete_rows(self: TenantEraser, *args: Any) -> dict[str, int]:
        # The photo is indexed after the vectors were deleted but while its row still exists,
        # as when its AssetEmbedded record is handled at that moment.
        index.upsert([PhotoVector(asset_id=asset_id, vector=vector)])
        assert stack.search.count_tenant(owner.tenant_id) == 1
        return delete_rows(self, *args)

    monkeypatch.setattr(TenantEraser, "_delete_rows", index_again_then_delete_rows)
    deleted = http.delete(
        "/v1/tenant", params={"confirm": owner.tenant_id}, headers=owner.key_headers
    )

    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["removed"]["vectors"] == 2
    assert stack.wait_idle(60)
    assert stack.search.count_tenant(owner.tenant_id) == 0


@pytest.mark.parametrize("dataset", ["analytics", "audience"])
def test_simultaneous_import_deletions_succeed_once(
    stack_and_tenants: tuple[EmbeddedStack, TestClient, SeededTenant, SeededTenant],
    dataset: str,
) -> None:
    _stack, http, owner, _other = stack_and_tenants
    if dataset == "analytics":
        import_id = _import_analytics(http, owner, "members", MEMBERS)["import_id"]
    else:
        import_id = http.post(
            "/v1/audience/imports", files={"file": ("f.csv", FOLLOWERS.encode())},
            headers=owner.key_headers,
        ).json()["import_id"]

    def delete() -> int:
        return http.delete(
            f"/v1/datasets/{dataset}/imports/{import_id}", params={"confirm": import_id},
            headers=owner.key_headers,
        ).status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        statuses = sorted(pool.map(lambda _: delete(), range(3)))

    assert statuses == [200, 404, 404]

"""The photo pipeline end to end on the embedded stack: upload -> embed -> index -> search."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient

from datafantasi.embedded import EmbeddedStack
from tests.support import StackClient, make_settings, photo_bytes, skimage_photos


def _statuses(client: StackClient, headers: dict[str, str]) -> dict[str, str]:
    page = client.http.get("/v1/assets", params={"limit": 200}, headers=headers).json()
    return {item["filename"]: item["status"] for item in page["items"]}


def test_every_photo_finds_itself_first(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("steel")
    report = stack_client.upload(headers, skimage_photos())
    stack_client.settle()

    assets = stack_client.http.get("/v1/assets", params={"limit": 200}, headers=headers).json()
    assert assets["total"] == len(report["items"])
    for asset in assets["items"]:
        assert asset["status"] == "indexed", asset
        similar = stack_client.http.get(
            f"/v1/assets/{asset['asset_id']}/similar", params={"limit": 3}, headers=headers
        ).json()
        assert similar["hits"][0]["asset_id"] == asset["asset_id"]


def test_text_search_answers_danish_and_english(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("steel")
    stack_client.upload(headers, skimage_photos(6))
    stack_client.settle()
    for query in ("vindeltrappe med glasrækværk", "spiral staircase with glass railing"):
        page = stack_client.http.get(
            "/v1/search", params={"q": query, "limit": 4}, headers=headers
        ).json()
        assert len(page["hits"]) == 4
        scores = [hit["score"] for hit in page["hits"]]
        assert scores == sorted(scores, reverse=True)


def test_reupload_of_same_photo_is_a_no_op(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("steel")
    photos = [("a.jpg", photo_bytes((200, 30, 30)))]
    first = stack_client.upload(headers, photos)
    stack_client.settle()
    second = stack_client.upload(headers, photos)
    stack_client.settle()
    assert first["items"][0]["status"] == "stored"
    assert second["items"][0]["status"] == "duplicate"
    assert second["items"][0]["asset_id"] == first["items"][0]["asset_id"]
    total = stack_client.http.get("/v1/assets", headers=headers).json()["total"]
    assert total == 1


def test_bad_files_fail_alone_while_the_rest_index(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("steel")
    good = photo_bytes((10, 120, 200))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("site/ok.png", photo_bytes((30, 200, 30), fmt="PNG"))
        zf.writestr("../escape.jpg", photo_bytes((1, 2, 3)))
    report = stack_client.upload(headers, [
        ("good.jpg", good),
        ("truncated.jpg", good[: len(good) // 2]),
        ("notes.txt", b"not a photo at all"),
        ("archive.zip", archive.getvalue()),
    ])
    stack_client.settle()

    by_path = {item["path"]: item for item in report["items"]}
    assert by_path["good.jpg"]["status"] == "stored"
    assert by_path["truncated.jpg"]["status"] == "rejected"
    assert by_path["notes.txt"]["status"] == "rejected"
    rejected_escape = [i for p, i in by_path.items() if "escape" in p]
    assert rejected_escape and rejected_escape[0]["status"] == "rejected"
    for path in ("truncated.jpg", "notes.txt"):
        assert by_path[path]["reason"]
    statuses = _statuses(stack_client, headers)
    assert statuses == {"good.jpg": "indexed", "ok.png": "indexed"}


def test_tenant_a_never_sees_tenant_b_photos(stack_client: StackClient) -> None:
    tenant_a = stack_client.create_tenant("tenant-a")
    tenant_b = stack_client.create_tenant("tenant-b")
    photos = skimage_photos(4)
    stack_client.upload(tenant_a, photos[:2])
    report_b = stack_client.upload(tenant_b, photos[2:])
    stack_client.settle()
    ids_b = {item["asset_id"] for item in report_b["items"]}

    page = stack_client.http.get(
        "/v1/search", params={"q": "photo", "limit": 50}, headers=tenant_a
    ).json()
    assert {hit["asset_id"] for hit in page["hits"]}.isdisjoint(ids_b)
    assert len(page["hits"]) == 2
    for asset_id in ids_b:
        for path in (f"/v1/assets/{asset_id}", f"/v1/assets/{asset_id}/similar",
                     f"/v1/assets/{asset_id}/thumbnail"):
            assert stack_client.http.get(path, headers=tenant_a).status_code == 404, path


def test_same_photo_in_two_tenants_is_two_assets(stack_client: StackClient) -> None:
    tenant_a = stack_client.create_tenant("tenant-a")
    tenant_b = stack_client.create_tenant("tenant-b")
    photo = [("same.jpg", photo_bytes((90, 90, 200)))]
    ids_a = {item["asset_id"] for item in stack_client.upload(tenant_a, photo)["items"]}
    ids_b = {item["asset_id"] for item in stack_client.upload(tenant_b, photo)["items"]}
    stack_client.settle()
    assert ids_a == ids_b
    assert _statuses(stack_client, tenant_a) == {"same.jpg": "indexed"}
    assert _statuses(stack_client, tenant_b) == {"same.jpg": "indexed"}


def test_deleting_a_photo_reaches_every_store(stack_client: StackClient) -> None:
    tenant_a = stack_client.create_tenant("tenant-a")
    tenant_b = stack_client.create_tenant("tenant-b")
    photo = [("same.jpg", photo_bytes((90, 90, 200)))]
    asset_id = stack_client.upload(tenant_a, photo)["items"][0]["asset_id"]
    stack_client.upload(tenant_b, photo)
    stack_client.settle()

    deleted = stack_client.http.delete(f"/v1/assets/{asset_id}", headers=tenant_a)
    assert deleted.status_code == 204
    stack_client.settle()

    assert stack_client.http.get(f"/v1/assets/{asset_id}", headers=tenant_a).status_code == 404
    hits_a = stack_client.http.get("/v1/search", params={"q": "x"}, headers=tenant_a).json()
    assert hits_a["hits"] == []
    stack = stack_client.stack
    assert not any(stack.objects.root.joinpath("tenant-a").rglob(f"{asset_id}*"))
    hits_b = stack_client.http.get("/v1/search", params={"q": "x"}, headers=tenant_b).json()
    assert [hit["asset_id"] for hit in hits_b["hits"]] == [asset_id]


def test_missing_weights_give_a_clear_refusal(
    tmp_path: Path, model_store: tuple[Path, str]
) -> None:
    settings = make_settings(tmp_path / "data", model_store, photo_model="no-such-model__x")
    stack = EmbeddedStack(settings)
    with TestClient(stack.create_app()) as http:
        health = http.get("/health")
        assert health.status_code == 503
        reason = health.json()["services"]["embedding"]["reason"]
        assert "no-such-model__x" in reason
        response = http.post(
            "/v1/admin/tenants", json={"name": "t", "tenant_id": "tenant-a"},
            headers={"X-Admin-Token": "test-operator-token"},
        )
        headers = {"X-API-Key": response.json()["api_key"]}
        search = http.get("/v1/search", params={"q": "x"}, headers=headers)
        assert search.status_code == 503
        assert "no-such-model__x" in search.json()["detail"]
        upload = http.post(
            "/v1/uploads", headers=headers,
            files=[("files", ("a.jpg", photo_bytes((5, 5, 5)), "image/jpeg"))],
        )
        assert upload.status_code in (200, 201)
        assert stack.wait_idle(10)
        asset = http.get("/v1/assets", headers=headers).json()["items"][0]
        assert asset["status"] == "stored"


def test_restart_keeps_the_index_and_finishes_unfinished_work(
    tmp_path: Path, model_store: tuple[Path, str]
) -> None:
    data_dir = tmp_path / "data"
    broken = make_settings(data_dir, model_store, photo_model="missing__weights")
    stack = EmbeddedStack(broken)
    with TestClient(stack.create_app()) as http:
        created = http.post(
            "/v1/admin/tenants", json={"name": "t", "tenant_id": "tenant-a"},
            headers={"X-Admin-Token": "test-operator-token"},
        ).json()
        headers = {"X-API-Key": created["api_key"]}
        http.post("/v1/uploads", headers=headers,
                  files=[("files", ("late.jpg", photo_bytes((0, 99, 0)), "image/jpeg"))])
        assert stack.wait_idle(10)

    stack = EmbeddedStack(make_settings(data_dir, model_store))
    with TestClient(stack.create_app()) as http:
        client = StackClient(stack, http)
        client.settle()
        assert _statuses(client, headers) == {"late.jpg": "indexed"}
    stack = EmbeddedStack(make_settings(data_dir, model_store))
    with TestClient(stack.create_app()) as http:
        page = http.get("/v1/search", params={"q": "grøn"}, headers=headers).json()
        assert [hit["filename"] for hit in page["hits"]] == ["late.jpg"]


def test_folder_filter_is_spelled_as_at_upload(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("steel")
    stack_client.upload(headers, [("a.jpg", photo_bytes((1, 50, 90)))], folder="/site/")
    stack_client.upload(headers, [("b.jpg", photo_bytes((90, 50, 1)))], folder="other")
    stack_client.settle()
    for spelling in ("site", "/site/", "site/"):
        page = stack_client.http.get(
            "/v1/search", params={"q": "x", "folder": spelling}, headers=headers
        ).json()
        assert [hit["filename"] for hit in page["hits"]] == ["a.jpg"], spelling

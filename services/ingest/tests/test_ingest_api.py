from __future__ import annotations

import io

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient
from PIL import Image

from services.ingest.api import router
from services.ingest.service import IngestService
from services.ingest.tests.samples import distinct_jpeg, sideways_jpeg


def tenant_from_header(request: Request) -> str:
    tenant_id = request.headers.get("X-Tenant")
    if not tenant_id:
        raise HTTPException(401, "Missing X-Tenant header.")
    return tenant_id


@pytest.fixture
def client(ingest: IngestService) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.ingest = ingest
    app.state.authenticator = tenant_from_header
    return TestClient(app)


ACME = {"X-Tenant": "acme"}
GLOBEX = {"X-Tenant": "globex"}


def upload(client: TestClient, headers: dict[str, str], *files: tuple[str, bytes], **form: str):
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post("/v1/uploads", headers=headers, files=parts, data=form)


def test_upload_reports_each_file(client: TestClient) -> None:
    response = upload(
        client, ACME, ("a.jpg", distinct_jpeg(1)), ("b.txt", b"text"), folder="club",
        tags="summer, sea",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["stored"], body["duplicate"], body["rejected"]) == (1, 0, 1)
    assert body["items"][0]["status"] == "stored"
    assert body["items"][1]["status"] == "rejected"
    assert "supported format" in body["items"][1]["reason"]
    asset = client.get(f"/v1/assets/{body['items'][0]['asset_id']}", headers=ACME).json()
    assert asset["folder"] == "club"
    assert asset["tags"] == ["summer", "sea"]
    assert asset["status"] == "stored"


def test_upload_accepts_bracketed_field_name(client: TestClient) -> None:
    parts = [("files[]", ("a.jpg", distinct_jpeg(2), "image/jpeg"))]
    response = client.post("/v1/uploads", headers=ACME, files=parts)

    assert response.status_code == 201
    assert response.json()["stored"] == 1


def test_upload_without_files_is_400(client: TestClient) -> None:
    response = client.post("/v1/uploads", headers=ACME, data={"folder": "x"})

    assert response.status_code == 400
    assert "no files" in response.json()["detail"]


def test_upload_in_wrong_field_names_field(client: TestClient) -> None:
    parts = [("photo", ("a.jpg", distinct_jpeg(4), "image/jpeg"))]
    response = client.post("/v1/uploads", headers=ACME, files=parts)

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert 'named "files"' in detail
    assert '"photo"' in detail


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b'{"files": []}', "application/json"), (b"\xff\xd8\xff", "image/jpeg")],
)
def test_upload_not_multipart_names_type(
    client: TestClient, content: bytes, content_type: str
) -> None:
    headers = {**ACME, "Content-Type": content_type}
    response = client.post("/v1/uploads", headers=headers, content=content)

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert content_type in detail
    assert "multipart/form-data" in detail
    assert '"files"' in detail


def test_upload_with_escaping_folder_is_400(client: TestClient) -> None:
    response = upload(client, ACME, ("a.jpg", distinct_jpeg(3)), folder="../other")

    assert response.status_code == 400
    assert '".."' in response.json()["detail"]


def test_upload_over_size_limit_is_413(client: TestClient) -> None:
    response = upload(client, ACME, ("big.jpg", bytes(2_100_000)))

    assert response.status_code == 413
    assert "over the limit of 2,000,000 bytes" in response.json()["detail"]
    assert response.headers["X-Max-Upload-Bytes"] == "2000000"


def test_chunked_upload_over_size_limit_is_413(client: TestClient) -> None:
    head = (
        b"--boundary\r\n"
        b'Content-Disposition: form-data; name="files"; filename="big.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n"
    )
    body = head + bytes(2_100_000) + b"\r\n--boundary--\r\n"
    response = client.post(
        "/v1/uploads",
        headers={**ACME, "Content-Type": "multipart/form-data; boundary=boundary"},
        content=iter([body]),
    )

    assert response.status_code == 413
    assert "2,100,000 bytes" in response.json()["detail"]


def test_upload_without_tenant_is_401(client: TestClient) -> None:
    response = upload(client, {}, ("a.jpg", distinct_jpeg(4)))

    assert response.status_code == 401


def test_upload_report_is_per_tenant(client: TestClient) -> None:
    upload_id = upload(client, ACME, ("a.jpg", distinct_jpeg(5))).json()["upload_id"]

    assert client.get(f"/v1/uploads/{upload_id}", headers=ACME).status_code == 200
    assert client.get(f"/v1/uploads/{upload_id}", headers=GLOBEX).status_code == 404


def test_other_tenants_asset_is_404(client: TestClient) -> None:
    body = upload(client, ACME, ("a.jpg", distinct_jpeg(6))).json()
    asset_id = body["items"][0]["asset_id"]

    for path in (f"/v1/assets/{asset_id}", f"/v1/assets/{asset_id}/thumbnail",
                 f"/v1/assets/{asset_id}/original"):
        assert client.get(path, headers=GLOBEX).status_code == 404, path
        assert client.get(path, headers=ACME).status_code == 200, path
    assert client.delete(f"/v1/assets/{asset_id}", headers=GLOBEX).status_code == 404
    assert client.get("/v1/assets", headers=GLOBEX).json()["total"] == 0
    assert client.get(f"/v1/assets/{asset_id}", headers=ACME).status_code == 200


def test_thumbnail_and_original_content(client: TestClient) -> None:
    photo = sideways_jpeg(6, size=(120, 60))
    asset_id = upload(client, ACME, ("portrait.jpg", photo)).json()["items"][0]["asset_id"]

    thumbnail = client.get(f"/v1/assets/{asset_id}/thumbnail", headers=ACME)
    original = client.get(f"/v1/assets/{asset_id}/original", headers=ACME)

    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumbnail.content)).size == (16, 32)
    assert original.content == photo
    assert original.headers["content-type"] == "image/jpeg"
    assert "portrait.jpg" in original.headers["content-disposition"]


def test_list_assets_is_paged(client: TestClient) -> None:
    files = [(f"{index}.jpg", distinct_jpeg(10 + index)) for index in range(3)]
    upload(client, ACME, *files)

    page = client.get("/v1/assets?limit=2&offset=2", headers=ACME).json()
    stored = client.get("/v1/assets?status=stored", headers=ACME).json()

    assert page["total"] == 3
    assert len(page["items"]) == 1
    assert (page["limit"], page["offset"]) == (2, 2)
    assert stored["total"] == 3
    assert page["next"] is None
    first = client.get("/v1/assets?limit=2&status=stored", headers=ACME).json()
    assert first["next"] == "http://testserver/v1/assets?limit=2&status=stored&offset=2"
    assert client.get(first["next"], headers=ACME).json()["items"] == page["items"]
    assert client.get("/v1/assets?limit=0", headers=ACME).status_code == 422
    assert client.get("/v1/assets?status=lost", headers=ACME).status_code == 422


def test_delete_asset(client: TestClient) -> None:
    asset_id = upload(client, ACME, ("a.jpg", distinct_jpeg(20))).json()["items"][0]["asset_id"]

    assert client.delete(f"/v1/assets/{asset_id}", headers=ACME).status_code == 204
    assert client.get(f"/v1/assets/{asset_id}", headers=ACME).status_code == 404
    assert client.delete(f"/v1/assets/{asset_id}", headers=ACME).status_code == 404

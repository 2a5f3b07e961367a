"""The search routes: response shape, parameter errors, tenancy and model availability."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient

from services.search.api import router
from services.search.edge_store import EdgeStore
from services.search.service import SearchService
from services.search.store import VectorStore
from services.search.tests.conftest import IndexPhotos
from services.search.tests.fakes import (
    FakeEncoder,
    Photo,
    near,
    photo_label,
    solid_photo,
    vector_for,
)
from shared.settings import Settings

ACME = {"X-Tenant": "acme"}
GLOBEX = {"X-Tenant": "globex"}
RED = (200, 20, 20)


def tenant_from_header(request: Request) -> str:
    tenant_id = request.headers.get("X-Tenant")
    if not tenant_id:
        raise HTTPException(401, "Missing X-Tenant header.")
    return tenant_id


@pytest.fixture
def store(settings: Settings) -> VectorStore:
    # The routes behave the same on both backends; the service tests cover both.
    return EdgeStore(settings.vector_dir)


@pytest.fixture
def client(service: SearchService) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.search = service
    app.state.authenticator = tenant_from_header
    return TestClient(app)


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    solid_photo(color).save(buffer, format="PNG")
    return buffer.getvalue()


def _ids(response) -> list[str]:
    return [hit["asset_id"] for hit in response.json()["hits"]]


def test_text_search_returns_hits_with_photo_details(
    client: TestClient, index_photos: IndexPhotos
) -> None:
    index_photos(Photo("acme", "a1", near("dock", 0.1), folder="site", tags=("roof", "wall"),
                       taken_at=datetime(2024, 6, 10, 12, tzinfo=UTC)))

    response = client.get("/v1/search", params={"q": "dock"}, headers=ACME)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "fake-clip"
    assert (body["limit"], body["offset"], body["has_more"]) == (10, 0, False)
    hit = body["hits"][0]
    assert hit["asset_id"] == "a1"
    assert hit["filename"] == "a1.jpg"
    assert hit["folder"] == "site"
    assert hit["tags"] == ["roof", "wall"]
    assert datetime.fromisoformat(hit["taken_at"]) == datetime(2024, 6, 10, 12, tzinfo=UTC)
    assert 0.9 < hit["score"] <= 1.0


def test_text_search_stays_within_the_tenant(
    client: TestClient, index_photos: IndexPhotos
) -> None:
    index_photos(Photo("acme", "mine", near("dock", 0.9)), Photo("globex", "theirs",
                                                                vector_for("dock")))

    response = client.get("/v1/search", params={"q": "dock", "limit": 50}, headers=ACME)

    assert _ids(response) == ["mine"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "x", "limit": 0},
        {"q": "x", "limit": 201},
        {"q": "x", "limit": "ten"},
        {"q": "x", "offset": -1},
        {"q": "x", "taken_from": "last tuesday"},
        {"q": "x", "folder": ""},
    ],
)
def test_invalid_parameters_answer_422(client: TestClient, params: dict) -> None:
    response = client.get("/v1/search", params=params, headers=ACME)

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_blank_text_answers_400(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": "   "}, headers=ACME)

    assert response.status_code == 400
    assert "empty" in response.json()["detail"]


def test_reversed_dates_answer_400(client: TestClient) -> None:
    params = {"q": "x", "taken_from": "2024-07-02", "taken_to": "2024-07-01"}

    response = client.get("/v1/search", params=params, headers=ACME)

    assert response.status_code == 400
    assert "taken_from" in response.json()["detail"]


def test_date_without_time_covers_the_whole_day(
    client: TestClient, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "late", near("x", 0.2), taken_at=datetime(2024, 7, 1, 23, 30, tzinfo=UTC)),
        Photo("acme", "next", near("x", 0.2, seed=1), taken_at=datetime(2024, 7, 2, tzinfo=UTC)),
    )
    cases = [
        ({"taken_to": "2024-07-01"}, ["late"]),
        ({"taken_from": "2024-07-01", "taken_to": "2024-07-01"}, ["late"]),
        ({"taken_from": "2024-07-02"}, ["next"]),
        ({"taken_to": "2024-07-01T23:00:00"}, []),
        ({"taken_to": "2024-07-02T01:00:00+02:00"}, []),
        ({"taken_to": "2024-07-02T02:00:00+02:00"}, ["late", "next"]),
    ]

    for dates, expected in cases:
        response = client.get("/v1/search", params={"q": "x", **dates}, headers=ACME)
        assert response.status_code == 200, response.text
        assert sorted(_ids(response)) == expected, dates


def test_similar_to_asset_returns_it_first(client: TestClient, index_photos: IndexPhotos) -> None:
    index_photos(Photo("acme", "boat", near("boat", 0.3)), Photo("acme", "tree",
                                                                 vector_for("tree")))

    response = client.get("/v1/assets/boat/similar", headers=ACME)
    without_self = client.get("/v1/assets/boat/similar?exclude_self=true", headers=ACME)

    assert response.status_code == 200
    assert _ids(response) == ["boat", "tree"]
    assert _ids(without_self) == ["tree"]


def test_search_pages_follow_next_links(client: TestClient, index_photos: IndexPhotos) -> None:
    index_photos(*(Photo("acme", f"dock{i}", near("dock", 0.1 * i)) for i in range(1, 4)))

    first = client.get("/v1/search", params={"q": "dock", "limit": 2}, headers=ACME)
    last = client.get(first.json()["next"], headers=ACME)
    similar = client.get("/v1/assets/dock1/similar?limit=2&folder=x", headers=ACME)
    similar_all = client.get("/v1/assets/dock1/similar?limit=2", headers=ACME)

    assert first.json()["next"].endswith("/v1/search?q=dock&limit=2&offset=2")
    assert _ids(first) + _ids(last) == ["dock1", "dock2", "dock3"]
    assert last.json()["next"] is None
    assert similar.json()["next"] is None
    assert similar_all.json()["next"].endswith("/v1/assets/dock1/similar?limit=2&offset=2")


def test_similar_to_other_tenants_asset_answers_404(
    client: TestClient, index_photos: IndexPhotos
) -> None:
    index_photos(Photo("globex", "theirs", vector_for("a")), Photo("acme", "mine",
                                                                   vector_for("b")))

    other = client.get("/v1/assets/theirs/similar", headers=ACME)
    unknown = client.get("/v1/assets/nothing/similar", headers=ACME)

    assert other.status_code == 404
    assert unknown.status_code == 404
    # Another tenant's photo reads exactly like one that does not exist.
    assert other.json()["detail"] == unknown.json()["detail"].replace("nothing", "theirs")


def test_similar_to_uploaded_photo_stays_within_the_tenant(
    client: TestClient, index_photos: IndexPhotos
) -> None:
    red = photo_label(solid_photo(RED))
    index_photos(
        Photo("acme", "red-ish", near(red, 0.2)),
        Photo("acme", "other", vector_for("other")),
        Photo("globex", "red", vector_for(red)),
    )

    response = client.post(
        "/v1/search/similar", files={"photo": ("query.png", _png(RED), "image/png")},
        params={"limit": 5}, headers=ACME,
    )

    assert response.status_code == 200, response.text
    assert _ids(response) == ["red-ish", "other"]


def test_unreadable_photo_answers_400_with_the_reason(client: TestClient) -> None:
    response = client.post(
        "/v1/search/similar", files={"photo": ("notes.txt", b"not a photo", "text/plain")},
        headers=ACME,
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("The photo was rejected: ")


def test_missing_photo_answers_422(client: TestClient) -> None:
    response = client.post("/v1/search/similar", headers=ACME)

    assert response.status_code == 422


def test_unavailable_model_answers_503_with_the_reason(
    client: TestClient, encoder: FakeEncoder
) -> None:
    encoder.unavailable_reason = "No weights for fake-clip in /models; run datafantasi models."

    text = client.get("/v1/search", params={"q": "x"}, headers=ACME)
    photo = client.post(
        "/v1/search/similar", files={"photo": ("q.png", _png(RED), "image/png")}, headers=ACME
    )

    assert text.status_code == 503
    assert photo.status_code == 503
    assert text.json()["detail"] == encoder.unavailable_reason


def test_tenant_without_photos_gets_an_empty_page(client: TestClient, tmp_path: Path) -> None:
    response = client.get("/v1/search", params={"q": "x"}, headers=GLOBEX)

    assert response.status_code == 200
    assert response.json()["hits"] == []
    assert response.json()["has_more"] is False

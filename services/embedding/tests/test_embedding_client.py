"""EmbeddingClient against the embedding process's encode routes: the same vectors as in process."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from services.embedding.client import EmbeddingClient
from services.embedding.encode_api import router
from services.embedding.runtime import ModelUnavailable
from services.embedding.service import EmbeddingService
from services.embedding.testing import TEST_MODEL

MAX_PIXELS = 10_000_000


def _encode_app(service: EmbeddingService) -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    app.state.embedding = service
    app.state.max_image_pixels = MAX_PIXELS
    return app


@pytest.fixture
def service(loaded_service: Callable[[str], EmbeddingService]) -> EmbeddingService:
    return loaded_service(TEST_MODEL)


@pytest.fixture
def client(service: EmbeddingService) -> EmbeddingClient:
    http = TestClient(_encode_app(service), base_url="http://embedding")
    return EmbeddingClient("http://embedding", TEST_MODEL, http=http)


def test_client_text_vector_matches_service(
    client: EmbeddingClient, service: EmbeddingService
) -> None:
    remote = client.encode_text("en kat på en eng")
    local = service.encode_text("en kat på en eng")
    assert remote.dtype == np.float32
    np.testing.assert_array_equal(remote, local)


def test_client_photo_vector_matches_service(
    client: EmbeddingClient, service: EmbeddingService
) -> None:
    photo = Image.new("RGB", (80, 60), (200, 40, 90))
    for x in range(0, 80, 7):
        for y in range(60):
            photo.putpixel((x, y), (10, 220, 30))
    remote = client.encode_photo(photo)
    local = service.encode_photo(photo)
    np.testing.assert_allclose(remote, local, atol=1e-6)


def test_client_reports_remote_model_state(
    client: EmbeddingClient, service: EmbeddingService
) -> None:
    health = client.health()
    assert client.model_id == TEST_MODEL
    assert client.dim == service.dim
    assert client.photo_draft_size == service.photo_draft_size
    assert client.ready is True
    assert health["random_weights"] is True


def test_client_rejects_vectors_of_another_model(service: EmbeddingService) -> None:
    http = TestClient(_encode_app(service), base_url="http://embedding")
    client = EmbeddingClient("http://embedding", "another-model", http=http)
    with pytest.raises(ModelUnavailable, match="another-model"):
        client.encode_text("a red car")


def test_unreachable_service_is_model_unavailable() -> None:
    def refuse_connection(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    transport = httpx.MockTransport(refuse_connection)
    http = httpx.Client(base_url="http://embedding", transport=transport)
    client = EmbeddingClient("http://embedding", TEST_MODEL, http=http)
    with pytest.raises(ModelUnavailable, match="not reachable"):
        client.encode_text("a red car")
    assert client.ready is False
    assert client.dim is None


def test_encode_route_rejects_a_non_photo(service: EmbeddingService) -> None:
    http = TestClient(_encode_app(service))
    response = http.post(
        "/v1/encode/photo", content=b"not a photo",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 400
    assert "not a readable photo" in response.json()["detail"]


def test_encode_route_rejects_empty_text_list(service: EmbeddingService) -> None:
    response = TestClient(_encode_app(service)).post("/v1/encode/text", json={"texts": []})
    assert response.status_code == 422

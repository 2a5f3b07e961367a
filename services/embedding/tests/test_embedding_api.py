"""GET /v1/models on a small app with the embedding router and a header authenticator."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient

from services.embedding.api import router
from services.embedding.service import EmbeddingService
from services.embedding.testing import TEST_MODEL, TINY_MODEL_CFG

MakeService = Callable[..., EmbeddingService]
LoadedService = Callable[[str], EmbeddingService]
TENANT_HEADERS = {"X-Tenant": "tenant-a"}


def _authenticate(request: Request) -> str:
    tenant = request.headers.get("X-Tenant")
    if not tenant:
        raise HTTPException(401, "Missing X-Tenant header.")
    return tenant


def _client(service: EmbeddingService) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.embedding = service
    app.state.authenticator = _authenticate
    return TestClient(app)


def test_models_lists_ready_photo_model(loaded_service: LoadedService) -> None:
    response = _client(loaded_service(TEST_MODEL)).get("/v1/models", headers=TENANT_HEADERS)
    assert response.status_code == 200
    assert response.json() == {
        "models": [
            {
                "role": "photo",
                "model_id": TEST_MODEL,
                "dim": TINY_MODEL_CFG["embed_dim"],
                "ready": True,
                "reason": None,
                "random_weights": True,
            }
        ]
    }


def test_models_shows_reason_when_weights_missing(make_service: MakeService) -> None:
    service = make_service("missing-model__tag")
    response = _client(service).get("/v1/models", headers=TENANT_HEADERS)
    assert response.status_code == 200
    model = response.json()["models"][0]
    assert model["model_id"] == "missing-model__tag"
    assert model["ready"] is False
    assert model["dim"] is None
    assert model["reason"] == service.unavailable_reason
    assert "missing-model__tag" in model["reason"]


def test_models_requires_authentication(loaded_service: LoadedService) -> None:
    response = _client(loaded_service(TEST_MODEL)).get("/v1/models")
    assert response.status_code == 401

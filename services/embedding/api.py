"""HTTP routes of the embedding service: which model turns photos and queries into vectors."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from services.embedding.service import EmbeddingService
from shared.tenancy import TenantId

router = APIRouter(tags=["models"])


class ModelPublic(BaseModel):
    role: str = Field(description="What the model encodes: 'photo' (photos and search texts).")
    model_id: str = Field(description="Model name; vector collections are named after it.")
    dim: int | None = Field(description="Vector length; null while the model is not loaded.")
    ready: bool = Field(description="True when the model is loaded and photos get vectors.")
    reason: str | None = Field(description="Why the model is not ready, and how to fix it.")
    random_weights: bool | None = Field(
        description="True for a test model with random weights, whose text search results "
        "carry no meaning; null while the model is not loaded."
    )


class ModelList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "models": [{
                    "role": "photo", "model_id": "xlm-roberta-base-ViT-B-32__laion5b_s13b_b90k",
                    "dim": 512, "ready": True, "reason": None, "random_weights": False,
                }]
            }]
        }
    )

    models: list[ModelPublic]


@router.get("/v1/models", response_model=ModelList)
def list_models(request: Request, _tenant: TenantId) -> ModelList:
    """List the models in use and whether they are ready."""
    service: EmbeddingService = request.app.state.embedding
    health = service.health()
    photo_model = ModelPublic(
        role="photo",
        model_id=service.model_id,
        dim=service.dim,
        ready=service.ready,
        reason=service.unavailable_reason,
        random_weights=health["random_weights"],
    )
    return ModelList(models=[photo_model])

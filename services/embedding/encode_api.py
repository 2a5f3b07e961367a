"""Internal HTTP routes of the embedding process: encode search texts and query photos.

In the cluster mode the search router runs in the API process, which has no model. It sends
its query texts and photos here through ``services.embedding.client.EmbeddingClient``.

NOTE: these routes take no API key. They carry no tenant data, and the process listens on
127.0.0.1 only, but a deployment beyond one machine needs them behind its network policy.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Body, HTTPException, Request, status
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, Field

from services.embedding.runtime import ModelUnavailable
from services.embedding.service import EmbeddingService

router = APIRouter(prefix="/v1/encode", tags=["encoding"])

MAX_TEXTS = 64
MAX_PHOTO_BYTES = 64 * 1024 * 1024


class TextBatch(BaseModel):
    texts: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        min_length=1, max_length=MAX_TEXTS, description="Search texts, in any language."
    )


class VectorBatch(BaseModel):
    model_id: str = Field(description="The model that computed the vectors.")
    dim: int
    vectors: list[list[float]] = Field(description="One L2-normalised vector per input.")


class ModelState(BaseModel):
    model_id: str
    dim: int | None
    ready: bool
    reason: str | None = Field(description="Why the model is not ready, and how to fix it.")
    random_weights: bool | None
    photo_draft_size: int | None = Field(
        description="Pixels on the shorter side that photos are decoded at before encoding."
    )


def _service(request: Request) -> EmbeddingService:
    return request.app.state.embedding


@router.get("/model", response_model=ModelState)
def model_state(request: Request) -> ModelState:
    """Return the photo model in use and whether it is loaded."""
    service = _service(request)
    health = service.health()
    return ModelState(
        model_id=health["model"],
        dim=health["dim"],
        ready=health["ready"],
        reason=health["reason"],
        random_weights=health["random_weights"],
        photo_draft_size=service.photo_draft_size,
    )


@router.post("/text", response_model=VectorBatch)
def encode_text(request: Request, batch: TextBatch) -> VectorBatch:
    """Encode search texts with the photo model's text tower."""
    service = _service(request)
    return _vectors(service, lambda: service.encode_texts(batch.texts))


@router.post("/photo", response_model=VectorBatch)
def encode_photo(
    request: Request,
    data: Annotated[bytes, Body(media_type="application/octet-stream")],
) -> VectorBatch:
    """Encode one upright photo, sent as the bytes of a PNG or JPEG file.

    The photo is encoded as it is: the caller has already applied its EXIF orientation.
    """
    service = _service(request)
    image = _open_photo(data, request.app.state.max_image_pixels)
    return _vectors(service, lambda: service.encode_photos([image]))


def _open_photo(data: bytes, max_pixels: int) -> Image.Image:
    if len(data) > MAX_PHOTO_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the photo is {len(data):,} bytes, over the limit of {MAX_PHOTO_BYTES:,} bytes",
        )
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > max_pixels:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                f"the photo has {image.width * image.height:,} pixels, over the limit of "
                f"{max_pixels:,}",
            )
        return image.convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"the body is not a readable photo: {error}"
        ) from None


def _vectors(service: EmbeddingService, encode: Callable[[], np.ndarray]) -> VectorBatch:
    try:
        vectors = encode()
    except ModelUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from None
    return VectorBatch(
        model_id=service.model_id, dim=int(vectors.shape[1]), vectors=vectors.tolist()
    )

"""A deterministic stand-in for the embedding service, and builders of search records.

The fake encoder turns a label into a fixed unit vector, so a test decides which photos lie
close to a query by giving them the query's label. What these tests check is the search
service (tenancy, filters, paging, the store), not the model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image

from services.embedding.runtime import ModelUnavailable
from shared.bus.topics import CONTRACT_VERSION
from shared.contracts.v1.assets_pb2 import AssetEmbedded, AssetMetadata

FAKE_MODEL = "fake-clip"
FAKE_DIM = 16


def vector_for(label: str, dim: int = FAKE_DIM) -> np.ndarray:
    """Return the unit vector of ``label``: the same label always gives the same vector."""
    seed = int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "big")
    vector = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def near(label: str, distance: float, seed: int = 0) -> np.ndarray:
    """Return a unit vector ``distance`` (roughly, in cosine terms) away from ``label``'s."""
    base = vector_for(label)
    noise = vector_for(f"noise-{label}-{seed}")
    noise = noise - float(noise @ base) * base
    noise /= np.linalg.norm(noise)
    vector = base + distance * noise
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def solid_photo(color: tuple[int, int, int]) -> Image.Image:
    return Image.new("RGB", (8, 8), color)


def photo_label(image: Image.Image) -> str:
    """Return the label that the fake encoder encodes a photo as: its top-left colour."""
    return f"photo-{image.getpixel((0, 0))}"


class FakeEncoder:
    def __init__(self, model_id: str = FAKE_MODEL, dim: int = FAKE_DIM) -> None:
        self.model_id = model_id
        self.dim: int | None = dim
        self.unavailable_reason: str | None = None

    def encode_text(self, text: str) -> np.ndarray:
        self._require_ready()
        return vector_for(text, self.dim or FAKE_DIM)

    def encode_photo(self, image: Image.Image) -> np.ndarray:
        self._require_ready()
        return vector_for(photo_label(image), self.dim or FAKE_DIM)

    def _require_ready(self) -> None:
        if self.unavailable_reason is not None:
            raise ModelUnavailable(self.unavailable_reason)


def embedded_record(
    tenant_id: str,
    asset_id: str,
    vector: np.ndarray,
    *,
    model: str = FAKE_MODEL,
    folder: str = "",
    tags: tuple[str, ...] = (),
    taken_at: datetime | None = None,
    filename: str = "",
) -> bytes:
    metadata = AssetMetadata(
        folder=folder,
        tags=list(tags),
        taken_at=int(taken_at.timestamp()) if taken_at else 0,
        filename=filename or f"{asset_id}.jpg",
    )
    message = AssetEmbedded(
        version=CONTRACT_VERSION,
        tenant_id=tenant_id,
        asset_id=asset_id,
        model=model,
        vector=[float(value) for value in vector],
        metadata=metadata,
    )
    return message.SerializeToString()


@dataclass(frozen=True)
class Photo:
    """One photo as the embedding service sends it to search."""

    tenant_id: str
    asset_id: str
    vector: np.ndarray
    folder: str = ""
    tags: tuple[str, ...] = ()
    taken_at: datetime | None = None
    model: str = FAKE_MODEL

    def record(self) -> bytes:
        return embedded_record(
            self.tenant_id,
            self.asset_id,
            self.vector,
            model=self.model,
            folder=self.folder,
            tags=self.tags,
            taken_at=self.taken_at,
        )

"""The vector store interface and the types that its backends exchange with the search service.

A collection contains the photo vectors of one embedding model. Every point belongs to one tenant:
its id is derived from (tenant id, asset id) and its payload carries ``tenant_id``, which the
backends index as the tenant key. Queries take a ``PointFilter`` whose ``tenant_id`` is required,
and only ``services.search.index.TenantIndex`` builds one, so no query runs without a tenant.
"""

from __future__ import annotations

import abc
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from shared.settings import Settings

# Changing this namespace changes every point id, so re-indexing would duplicate every photo.
POINT_NAMESPACE = uuid.UUID("5b0c9d4e-7f43-4c36-9a51-0d6f3e2b8a17")

COLLECTION_PREFIX = "photos-"

# Payload fields; the backends index each of them at collection creation.
TENANT_ID = "tenant_id"
ASSET_ID = "asset_id"
FOLDER = "folder"
TAGS = "tags"
TAKEN_AT = "taken_at"
FILENAME = "filename"


class ModelMismatch(ValueError):
    """Raised when a vector comes from another model, or has another length, than a collection's."""


def point_id(tenant_id: str, asset_id: str) -> uuid.UUID:
    """Return the point id of a tenant's asset: the same photo in two tenants is two points."""
    # JSON keeps the pair unambiguous whatever characters the ids contain.
    return uuid.uuid5(POINT_NAMESPACE, json.dumps([tenant_id, asset_id]))


def collection_name(model_id: str) -> str:
    """Return the collection name for the vectors of ``model_id``.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``-``. When that changes
    the id, a hash of the exact id is appended, so two models never share a collection.
    """
    if not model_id:
        raise ValueError("model id is empty; a collection needs the model that made its vectors")
    slug = re.sub(r"[^A-Za-z0-9._-]", "-", model_id)[:180]
    if slug != model_id:
        slug = f"{slug}-{sha256(model_id.encode()).hexdigest()[:12]}"
    return COLLECTION_PREFIX + slug


@dataclass(frozen=True)
class CollectionInfo:
    """The model whose vectors a collection holds, and their length."""

    name: str
    model_id: str
    dim: int

    @classmethod
    def for_model(cls, model_id: str, dim: int) -> CollectionInfo:
        return cls(name=collection_name(model_id), model_id=model_id, dim=dim)

    def check_vector(self, model_id: str, vector: np.ndarray) -> None:
        """Raise ``ModelMismatch`` unless ``vector`` is a ``dim``-long vector of this model."""
        if model_id != self.model_id:
            raise ModelMismatch(
                f"the vector comes from model {model_id!r}, but collection {self.name!r} contains "
                f"vectors of model {self.model_id!r}; encode the query with {self.model_id!r}"
            )
        if vector.shape != (self.dim,):
            raise ModelMismatch(
                f"the vector has shape {vector.shape}, but collection {self.name!r} contains "
                f"{self.dim}-dimensional vectors of model {self.model_id!r}"
            )


@dataclass(frozen=True)
class PhotoPayload:
    """The fields a point stores besides its vector: enough to filter on and to show a hit."""

    tenant_id: str
    asset_id: str
    folder: str = ""
    tags: tuple[str, ...] = ()
    taken_at: datetime | None = None
    filename: str = ""

    def to_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            TENANT_ID: self.tenant_id,
            ASSET_ID: self.asset_id,
            FOLDER: self.folder,
            TAGS: list(self.tags),
            FILENAME: self.filename,
        }
        # A photo without a date taken has no taken_at field, so a date filter excludes it.
        if self.taken_at is not None:
            payload[TAKEN_AT] = format_datetime(self.taken_at)
        return payload

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> PhotoPayload:
        taken_at = payload.get(TAKEN_AT)
        return cls(
            tenant_id=payload[TENANT_ID],
            asset_id=payload[ASSET_ID],
            folder=payload.get(FOLDER, ""),
            tags=tuple(payload.get(TAGS, ())),
            taken_at=parse_datetime(taken_at) if taken_at else None,
            filename=payload.get(FILENAME, ""),
        )


@dataclass(frozen=True)
class StoredPoint:
    id: uuid.UUID
    vector: np.ndarray
    """float32, shape (dim,)."""
    payload: PhotoPayload


@dataclass(frozen=True)
class ScrollPage:
    points: list[StoredPoint]
    next_offset: str | None
    """The point id to pass as ``offset`` for the next page; None after the last page."""


@dataclass(frozen=True)
class ScoredPhoto:
    payload: PhotoPayload
    score: float
    """Cosine similarity to the query vector, higher is closer."""


@dataclass(frozen=True)
class PointFilter:
    """The points a query or a deletion may touch: always one tenant's, optionally fewer.

    ``taken_from`` and ``taken_to`` are both inclusive; a naive datetime is read as UTC.
    """

    tenant_id: str
    folder: str | None = None
    tag: str | None = None
    taken_from: datetime | None = None
    taken_to: datetime | None = None
    exclude: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.tenant_id:
            raise ValueError("a point filter needs a tenant id")


def format_datetime(value: datetime) -> str:
    """Format ``value`` as the RFC 3339 UTC text that both backends range-index."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class VectorStore(abc.ABC):
    """Collections of photo vectors, one per embedding model, with tenant-filtered queries.

    Implementations must be safe to call from several threads at once: the consumer thread
    upserts while request threads query.
    """

    @abc.abstractmethod
    def get_collection(self, name: str) -> CollectionInfo | None:
        """Return the collection's model and dimension, or None when there is none."""

    @abc.abstractmethod
    def create_collection(self, info: CollectionInfo) -> CollectionInfo:
        """Create the collection with its payload indexes unless it exists; return it.

        Raises ``ModelMismatch`` when a collection of that name records another model or dim.
        """

    @abc.abstractmethod
    def list_collections(self) -> list[CollectionInfo]:
        """Return every collection in the store."""

    @abc.abstractmethod
    def upsert(self, collection: str, points: Sequence[StoredPoint]) -> None:
        """Insert or replace ``points``, keyed by id; returns once they are queryable."""

    @abc.abstractmethod
    def query(
        self, collection: str, vector: np.ndarray, where: PointFilter, limit: int, offset: int
    ) -> list[ScoredPhoto]:
        """Return the points matching ``where`` closest to ``vector``, best first."""

    @abc.abstractmethod
    def scroll(
        self, collection: str, where: PointFilter, limit: int, offset: str | None = None
    ) -> ScrollPage:
        """Return up to ``limit`` points matching ``where`` with their vectors, in id order.

        ``offset`` is the ``next_offset`` of the previous page, None for the first page.
        """

    @abc.abstractmethod
    def retrieve(self, collection: str, point: uuid.UUID) -> StoredPoint | None:
        """Return the point with its vector and payload, or None when there is none."""

    @abc.abstractmethod
    def delete_points(self, collection: str, points: Sequence[uuid.UUID]) -> None:
        """Delete the points by id; ids that are not there are skipped."""

    @abc.abstractmethod
    def delete_matching(self, collection: str, where: PointFilter) -> None:
        """Delete every point that matches ``where``."""

    @abc.abstractmethod
    def count(self, collection: str, where: PointFilter | None = None) -> int:
        """Return the number of points, in total or matching ``where``."""

    @abc.abstractmethod
    def optimize(self, collection: str) -> bool:
        """Build the search index where the backend leaves that to the caller.

        Returns True when anything was rebuilt.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Persist what is pending and release the store."""


def open_vector_store(settings: Settings) -> VectorStore:
    """Open the backend that ``settings.search.backend`` names."""
    # Imported here because both backends import this module.
    if settings.search.backend == "edge":
        from services.search.edge_store import EdgeStore

        return EdgeStore(settings.vector_dir, optimize_after=settings.search.optimize_after)
    from services.search.qdrant_store import QdrantStore

    return QdrantStore.connect(settings.search.qdrant_url)

"""Tenant-scoped access to a photo collection: every read and write of the search service.

``TenantIndex`` is bound to one tenant and one collection. It is the only code that builds a
``PointFilter`` or a point id, so the tenant condition is added in this one place and no caller
can leave it out or name another tenant.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from services.search.store import (
    CollectionInfo,
    ModelMismatch,
    PhotoPayload,
    PointFilter,
    StoredPoint,
    VectorStore,
    collection_name,
    point_id,
)


class InvalidSearch(ValueError):
    """Raised for invalid search parameters; the message names the parameter."""


@dataclass(frozen=True)
class SearchFilters:
    """Optional conditions on the photos a search returns; both date bounds are inclusive."""

    taken_from: datetime | None = None
    taken_to: datetime | None = None
    folder: str | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        if self.taken_from and self.taken_to and _utc(self.taken_from) > _utc(self.taken_to):
            raise InvalidSearch(
                f"taken_from ({self.taken_from.isoformat()}) is after taken_to "
                f"({self.taken_to.isoformat()}); swap them or drop one"
            )


@dataclass(frozen=True)
class PhotoVector:
    """One photo to index: its vector and the metadata that searches filter on and show."""

    asset_id: str
    vector: np.ndarray
    folder: str = ""
    tags: tuple[str, ...] = ()
    taken_at: datetime | None = None
    filename: str = ""


@dataclass(frozen=True)
class SearchHit:
    asset_id: str
    score: float
    """Cosine similarity to the query, higher is closer."""
    filename: str
    folder: str
    tags: tuple[str, ...]
    taken_at: datetime | None


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    limit: int
    offset: int
    has_more: bool
    """True when at least one more hit follows this page."""
    model_id: str
    """The model whose vectors were searched."""

    @classmethod
    def empty(cls, model_id: str, limit: int, offset: int) -> SearchPage:
        return cls(hits=[], limit=limit, offset=offset, has_more=False, model_id=model_id)


class TenantIndex:
    def __init__(self, store: VectorStore, collection: CollectionInfo, tenant_id: str) -> None:
        if not tenant_id:
            raise ValueError("a tenant index needs a tenant id")
        self._store = store
        self._collection = collection
        self.tenant_id = tenant_id

    @property
    def collection(self) -> CollectionInfo:
        return self._collection

    def upsert(self, photos: Sequence[PhotoVector]) -> None:
        """Insert or replace the photos' points; a replayed photo replaces its own point."""
        points = []
        for photo in photos:
            vector = np.asarray(photo.vector, dtype=np.float32)
            self._collection.check_vector(self._collection.model_id, vector)
            payload = PhotoPayload(
                tenant_id=self.tenant_id,
                asset_id=photo.asset_id,
                folder=photo.folder,
                tags=tuple(photo.tags),
                taken_at=photo.taken_at,
                filename=photo.filename,
            )
            points.append(StoredPoint(point_id(self.tenant_id, photo.asset_id), vector, payload))
        self._store.upsert(self._collection.name, points)

    def search(
        self,
        model_id: str,
        vector: np.ndarray,
        filters: SearchFilters,
        limit: int,
        offset: int,
        exclude_asset: str | None = None,
    ) -> SearchPage:
        """Return one page of this tenant's photos closest to ``vector``.

        Raises ``ModelMismatch`` when ``vector`` is not a vector of this collection's model.
        """
        vector = np.asarray(vector, dtype=np.float32)
        self._collection.check_vector(model_id, vector)
        exclude = (exclude_asset,) if exclude_asset else ()
        # The hit after the page, if there is one, shows that another page follows.
        scored = self._store.query(
            self._collection.name, vector, self._where(filters, exclude), limit + 1, offset
        )
        hits = [
            SearchHit(
                asset_id=photo.payload.asset_id,
                score=photo.score,
                filename=photo.payload.filename,
                folder=photo.payload.folder,
                tags=photo.payload.tags,
                taken_at=photo.payload.taken_at,
            )
            for photo in scored[:limit]
        ]
        return SearchPage(
            hits=hits,
            limit=limit,
            offset=offset,
            has_more=len(scored) > limit,
            model_id=self._collection.model_id,
        )

    def scroll_vectors(self, batch_size: int = 1000) -> Iterator[list[PhotoVector]]:
        """Yield every indexed photo of this tenant with its vector, ``batch_size`` at a time."""
        offset: str | None = None
        while True:
            page = self._store.scroll(self._collection.name, self._where(), batch_size, offset)
            # The filter already names the tenant; the payload check guards against a foreign
            # point.
            photos = [
                PhotoVector(
                    asset_id=point.payload.asset_id,
                    vector=point.vector,
                    folder=point.payload.folder,
                    tags=point.payload.tags,
                    taken_at=point.payload.taken_at,
                    filename=point.payload.filename,
                )
                for point in page.points
                if point.payload.tenant_id == self.tenant_id
            ]
            if photos:
                yield photos
            if page.next_offset is None:
                return
            offset = page.next_offset

    def vector_of(self, asset_id: str) -> np.ndarray | None:
        """Return the stored vector of this tenant's asset, or None when it is not indexed."""
        point = self._store.retrieve(self._collection.name, point_id(self.tenant_id, asset_id))
        # The id already names the tenant; the payload check guards against a foreign point.
        if point is None or point.payload.tenant_id != self.tenant_id:
            return None
        return point.vector

    def delete_assets(self, asset_ids: Iterable[str]) -> None:
        points = [point_id(self.tenant_id, asset_id) for asset_id in asset_ids]
        self._store.delete_points(self._collection.name, points)

    def delete_all(self) -> None:
        self._store.delete_matching(self._collection.name, self._where())

    def count(self, filters: SearchFilters | None = None) -> int:
        return self._store.count(self._collection.name, self._where(filters))

    def _where(
        self, filters: SearchFilters | None = None, exclude_assets: Iterable[str] = ()
    ) -> PointFilter:
        filters = filters or SearchFilters()
        return PointFilter(
            tenant_id=self.tenant_id,
            folder=filters.folder,
            tag=filters.tag,
            taken_from=filters.taken_from,
            taken_to=filters.taken_to,
            exclude=frozenset(point_id(self.tenant_id, asset) for asset in exclude_assets),
        )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class PhotoCollections:
    """The store's photo collections by model id, looked up once and then kept."""

    def __init__(self, store: VectorStore) -> None:
        self._store = store
        self._known: dict[str, CollectionInfo] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> CollectionInfo | None:
        """Return the collection of ``model_id``, or None while no vector of it is indexed."""
        info = self._known.get(model_id)
        if info is not None:
            return info
        info = self._store.get_collection(collection_name(model_id))
        if info is None:
            return None
        if info.model_id != model_id:
            raise ModelMismatch(
                f"collection {info.name!r} records model {info.model_id!r}, not {model_id!r}"
            )
        self._known[model_id] = info
        return info

    def ensure(self, model_id: str, dim: int) -> CollectionInfo:
        """Return the collection of ``model_id``, created for ``dim``-long vectors if missing."""
        with self._lock:
            info = self.get(model_id)
            if info is None:
                info = self._store.create_collection(CollectionInfo.for_model(model_id, dim))
                self._known[model_id] = info
            return info

    def all(self) -> list[CollectionInfo]:
        return self._store.list_collections()

    def size(self, info: CollectionInfo) -> int:
        """Return the number of points in the collection, over all tenants."""
        return self._store.count(info.name)

    def for_tenant(self, info: CollectionInfo, tenant_id: str) -> TenantIndex:
        return TenantIndex(self._store, info, tenant_id)

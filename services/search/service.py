"""The search service: stores the photo vectors and runs text and similar-photo searches.

Every search and deletion goes through a ``TenantIndex`` bound to the caller's tenant, which
adds the tenant condition; nothing here builds a filter. Searches use the collection of the
encoder's model, so query vectors and photo vectors always come from the same model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
from PIL import Image

from services.ingest.images import decode_photo
from services.search.consumer import DropDeletedPhotos, IndexEmbeddedPhotos
from services.search.index import (
    InvalidSearch,
    PhotoCollections,
    SearchFilters,
    SearchPage,
    TenantIndex,
)
from services.search.metrics import COLLECTION_POINTS, DELETED, QUERY_SECONDS
from services.search.store import VectorStore
from shared.bus.base import MessageBus
from shared.bus.topics import ASSET_DELETED, ASSET_EMBEDDED
from shared.consumer import PublishDeadLetter, RetryPolicy, build_consumer
from shared.contracts.v1.assets_pb2 import AssetDeleted, AssetEmbedded
from shared.settings import Settings

log = logging.getLogger(__name__)

GROUP = "search"
MAX_LIMIT = 200
MAX_OFFSET = 10_000
"""Deep pages cost as much as limit + offset hits; beyond this, narrow the search instead."""
INDEX_BATCH = 64
"""Records per upsert: large enough to amortise a store call, small enough to keep latency."""


class AssetNotFound(LookupError):
    """Raised for an asset id that the tenant has no indexed photo for."""


class PhotoEncoder(Protocol):
    """The part of the embedding service that search uses."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int | None: ...

    def encode_text(self, text: str) -> np.ndarray: ...

    def encode_photo(self, image: Image.Image) -> np.ndarray: ...


class SearchService:
    def __init__(
        self, settings: Settings, bus: MessageBus, vectors: VectorStore, encoder: PhotoEncoder
    ) -> None:
        self.settings = settings
        self._bus = bus
        self._store = vectors
        self._encoder = encoder
        self._collections = PhotoCollections(vectors)

    def subscribe(self) -> None:
        """Register the asset.embedded and asset.deleted consumers (group "search")."""
        retry = RetryPolicy(
            max_attempts=self.settings.bus.max_attempts,
            backoff_s=self.settings.bus.retry_backoff_s,
        )
        index = build_consumer(
            message_type=AssetEmbedded,
            task=IndexEmbeddedPhotos(self._collections, self._bus, self._expected_dim),
            topic=ASSET_EMBEDDED.name,
            group=GROUP,
            retry=retry,
            dead_letter=PublishDeadLetter(self._bus, stage="search", group=GROUP),
        )
        self._bus.subscribe(
            ASSET_EMBEDDED.name, GROUP, index, max_batch=INDEX_BATCH, max_wait_s=0.05
        )
        drop = build_consumer(
            message_type=AssetDeleted,
            task=DropDeletedPhotos(self._collections),
            topic=ASSET_DELETED.name,
            group=GROUP,
            retry=retry,
            dead_letter=PublishDeadLetter(self._bus, stage="search", group=GROUP),
        )
        self._bus.subscribe(ASSET_DELETED.name, GROUP, drop, max_batch=INDEX_BATCH)

    def search_text(
        self,
        tenant_id: str,
        text: str,
        filters: SearchFilters | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> SearchPage:
        """Return the tenant's photos that best match ``text``.

        Raises ``InvalidSearch`` for empty text or a bad page, and the encoder's
        ``ModelUnavailable`` when the model is not loaded.
        """
        if not text.strip():
            raise InvalidSearch("the search text is empty; describe what the photos show")
        limit = self._check_page(limit, offset)
        vector = self._encoder.encode_text(text)
        return self._search("text", tenant_id, vector, filters, limit, offset)

    def similar_to_asset(
        self,
        tenant_id: str,
        asset_id: str,
        filters: SearchFilters | None = None,
        limit: int | None = None,
        offset: int = 0,
        *,
        exclude_self: bool = False,
    ) -> SearchPage:
        """Return the tenant's photos closest to its photo ``asset_id``, that photo first.

        Raises ``AssetNotFound`` when the tenant has no indexed photo with that id, whether it
        is another tenant's or not indexed yet.
        """
        limit = self._check_page(limit, offset)
        info = self._collections.get(self._encoder.model_id)
        index = self._collections.for_tenant(info, tenant_id) if info else None
        vector = index.vector_of(asset_id) if index else None
        if vector is None:
            raise AssetNotFound(
                f"no indexed photo has asset id {asset_id!r}; check the id, or wait until the "
                "photo's status is indexed"
            )
        exclude = asset_id if exclude_self else None
        return self._search("similar", tenant_id, vector, filters, limit, offset, exclude)

    def similar_to_photo(
        self,
        tenant_id: str,
        image: Image.Image,
        filters: SearchFilters | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> SearchPage:
        """Return the tenant's photos closest to an upright RGB photo that is not stored."""
        limit = self._check_page(limit, offset)
        vector = self._encoder.encode_photo(image)
        return self._search("similar", tenant_id, vector, filters, limit, offset)

    def tenant_index(self, tenant_id: str) -> TenantIndex | None:
        """Return the tenant's index in the current model's collection, None before any photo."""
        info = self._collections.get(self._encoder.model_id)
        return self._collections.for_tenant(info, tenant_id) if info else None

    def decode_photo(self, data: bytes) -> Image.Image:
        """Decode an uploaded query photo upright; raises ``PhotoRejected`` with the reason."""
        # Decoding a large JPEG at the model's input size is several times faster; the
        # attribute is optional because the encoder interface does not require it.
        draft_size = getattr(self._encoder, "photo_draft_size", None)
        decoded = decode_photo(
            data, max_pixels=self.settings.ingest.max_image_pixels, draft_size=draft_size
        )
        return decoded.image

    def delete_assets(self, tenant_id: str, asset_ids: Iterable[str]) -> None:
        """Remove the tenant's photos from every collection; unknown ids are skipped."""
        asset_ids = list(asset_ids)
        for info in self._collections.all():
            self._collections.for_tenant(info, tenant_id).delete_assets(asset_ids)
            DELETED.labels(info.name, "assets").inc()
            COLLECTION_POINTS.labels(info.name).set(self._collections.size(info))
        log.info("removed %d photos of tenant %s from the index", len(asset_ids), tenant_id)

    def count_assets(self, tenant_id: str, asset_ids: Sequence[str]) -> int:
        """Return how many vectors these photos of the tenant have in all collections."""
        total = 0
        for info in self._collections.all():
            index = self._collections.for_tenant(info, tenant_id)
            total += sum(1 for asset_id in asset_ids if index.vector_of(asset_id) is not None)
        return total

    def count_tenant(self, tenant_id: str) -> int:
        """Return how many vectors of the tenant all collections hold together."""
        return sum(
            self._collections.for_tenant(info, tenant_id).count()
            for info in self._collections.all()
        )

    def delete_tenant(self, tenant_id: str) -> None:
        """Remove every photo of the tenant from every collection."""
        for info in self._collections.all():
            self._collections.for_tenant(info, tenant_id).delete_all()
            DELETED.labels(info.name, "tenant").inc()
            COLLECTION_POINTS.labels(info.name).set(self._collections.size(info))
        log.info("removed every photo of tenant %s from the index", tenant_id)

    def optimize(self) -> None:
        """Build the HNSW index of every collection now; a Qdrant server does this by itself."""
        for info in self._collections.all():
            self._store.optimize(info.name)

    def health(self) -> dict[str, Any]:
        collections = [
            {
                "name": info.name,
                "model": info.model_id,
                "dim": info.dim,
                "points": self._collections.size(info),
            }
            for info in self._collections.all()
        ]
        return {"ready": True, "model": self._encoder.model_id, "collections": collections}

    def close(self) -> None:
        """Persist and close the vector store; call after the bus has stopped delivering."""
        self._store.close()

    def _search(
        self,
        kind: str,
        tenant_id: str,
        vector: np.ndarray,
        filters: SearchFilters | None,
        limit: int,
        offset: int,
        exclude_asset: str | None = None,
    ) -> SearchPage:
        model_id = self._encoder.model_id
        info = self._collections.get(model_id)
        if info is None:
            return SearchPage.empty(model_id, limit, offset)
        index = self._collections.for_tenant(info, tenant_id)
        started = time.perf_counter()
        page = index.search(
            model_id, vector, filters or SearchFilters(), limit, offset, exclude_asset
        )
        elapsed = time.perf_counter() - started
        QUERY_SECONDS.labels(kind).observe(elapsed)
        log.debug(
            "%s search for tenant %s: %d hits at offset %d in %.1f ms",
            kind, tenant_id, len(page.hits), offset, elapsed * 1000,
        )
        return page

    def _check_page(self, limit: int | None, offset: int) -> int:
        limit = self.settings.search.default_limit if limit is None else limit
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidSearch(f"limit is {limit}; it must be between 1 and {MAX_LIMIT}")
        if not 0 <= offset <= MAX_OFFSET:
            raise InvalidSearch(f"offset is {offset}; it must be between 0 and {MAX_OFFSET}")
        return limit

    def _expected_dim(self, model_id: str) -> int | None:
        return self._encoder.dim if model_id == self._encoder.model_id else None

"""The cluster vector store: a Qdrant server through qdrant-client.

A collection records its model in Qdrant's collection metadata (``model_id`` and ``dim``), so the
server alone records which model made the vectors. The server builds its indexes in the background,
so ``optimize`` has nothing to do.

``QdrantClient(":memory:")`` or ``QdrantClient(path=...)`` run the same code without a server,
which the tests use; that local mode scans every point without an index and was measured at
over a second per query at 100,000 vectors, so it is no substitute for the edge store.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

from services.search.store import (
    COLLECTION_PREFIX,
    FOLDER,
    TAGS,
    TAKEN_AT,
    TENANT_ID,
    CollectionInfo,
    ModelMismatch,
    PhotoPayload,
    PointFilter,
    ScoredPhoto,
    ScrollPage,
    StoredPoint,
    VectorStore,
    format_datetime,
)

log = logging.getLogger(__name__)

_PAYLOAD_INDEXES: dict[str, Any] = {
    # is_tenant makes the server store each tenant's points together and plan by tenant.
    TENANT_ID: models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True),
    FOLDER: models.PayloadSchemaType.KEYWORD,
    TAGS: models.PayloadSchemaType.KEYWORD,
    TAKEN_AT: models.PayloadSchemaType.DATETIME,
}


class QdrantStore(VectorStore):
    def __init__(self, client: QdrantClient) -> None:
        self._client = client

    @classmethod
    def connect(cls, url: str) -> QdrantStore:
        log.info("using the Qdrant server at %s", url)
        return cls(QdrantClient(url=url))

    def get_collection(self, name: str) -> CollectionInfo | None:
        if not self._client.collection_exists(name):
            return None
        metadata = self._client.get_collection(name).config.metadata or {}
        if "model_id" not in metadata or "dim" not in metadata:
            raise ModelMismatch(
                f"collection {name!r} has no model_id and dim in its metadata, so the model "
                "that made its vectors is unknown; delete it or add the metadata"
            )
        return CollectionInfo(name=name, model_id=metadata["model_id"], dim=int(metadata["dim"]))

    def create_collection(self, info: CollectionInfo) -> CollectionInfo:
        existing = self.get_collection(info.name)
        if existing is None:
            self._client.create_collection(
                info.name,
                vectors_config=models.VectorParams(size=info.dim, distance=models.Distance.COSINE),
                metadata={"model_id": info.model_id, "dim": info.dim},
            )
            for field_name, schema in _PAYLOAD_INDEXES.items():
                self._client.create_payload_index(info.name, field_name, schema, wait=True)
            log.info(
                "created collection %s for model %s (dim %d)", info.name, info.model_id, info.dim
            )
            return info
        if existing != info:
            raise ModelMismatch(
                f"collection {info.name!r} contains {existing.dim}-dimensional vectors of model "
                f"{existing.model_id!r}, not {info.dim}-dimensional vectors of {info.model_id!r}"
            )
        return existing

    def list_collections(self) -> list[CollectionInfo]:
        names = sorted(
            collection.name
            for collection in self._client.get_collections().collections
            if collection.name.startswith(COLLECTION_PREFIX)
        )
        infos = (self.get_collection(name) for name in names)
        return [info for info in infos if info is not None]

    def upsert(self, collection: str, points: Sequence[StoredPoint]) -> None:
        if not points:
            return
        structs = [
            models.PointStruct(
                id=str(point.id),
                vector=point.vector.astype(np.float32).tolist(),
                payload=point.payload.to_dict(),
            )
            for point in points
        ]
        self._client.upsert(collection, points=structs, wait=True)

    def query(
        self, collection: str, vector: np.ndarray, where: PointFilter, limit: int, offset: int
    ) -> list[ScoredPhoto]:
        response = self._client.query_points(
            collection,
            query=vector.astype(np.float32).tolist(),
            query_filter=_to_filter(where),
            limit=limit,
            offset=offset,
            with_payload=True,
            with_vectors=False,
        )
        return [
            ScoredPhoto(PhotoPayload.from_dict(hit.payload or {}), float(hit.score))
            for hit in response.points
        ]

    def scroll(
        self, collection: str, where: PointFilter, limit: int, offset: str | None = None
    ) -> ScrollPage:
        records, next_offset = self._client.scroll(
            collection, scroll_filter=_to_filter(where), limit=limit, offset=offset,
            with_payload=True, with_vectors=True,
        )
        points = [
            StoredPoint(
                id=uuid.UUID(str(record.id)),
                vector=np.asarray(record.vector, dtype=np.float32),
                payload=PhotoPayload.from_dict(record.payload or {}),
            )
            for record in records
        ]
        return ScrollPage(points, None if next_offset is None else str(next_offset))

    def retrieve(self, collection: str, point: uuid.UUID) -> StoredPoint | None:
        records = self._client.retrieve(
            collection, ids=[str(point)], with_payload=True, with_vectors=True
        )
        if not records:
            return None
        record = records[0]
        return StoredPoint(
            id=point,
            vector=np.asarray(record.vector, dtype=np.float32),
            payload=PhotoPayload.from_dict(record.payload or {}),
        )

    def delete_points(self, collection: str, points: Sequence[uuid.UUID]) -> None:
        if points:
            selector = models.PointIdsList(points=[str(point) for point in points])
            self._client.delete(collection, points_selector=selector, wait=True)

    def delete_matching(self, collection: str, where: PointFilter) -> None:
        selector = models.FilterSelector(filter=_to_filter(where))
        self._client.delete(collection, points_selector=selector, wait=True)

    def count(self, collection: str, where: PointFilter | None = None) -> int:
        count_filter = _to_filter(where) if where is not None else None
        return self._client.count(collection, count_filter=count_filter, exact=True).count

    def optimize(self, collection: str) -> bool:
        return False

    def close(self) -> None:
        self._client.close()


def _to_filter(where: PointFilter) -> models.Filter:
    must: list[models.Condition] = [
        models.FieldCondition(key=TENANT_ID, match=models.MatchValue(value=where.tenant_id))
    ]
    if where.folder is not None:
        must.append(models.FieldCondition(key=FOLDER, match=models.MatchValue(value=where.folder)))
    if where.tag is not None:
        must.append(models.FieldCondition(key=TAGS, match=models.MatchValue(value=where.tag)))
    if where.taken_from is not None or where.taken_to is not None:
        taken = models.DatetimeRange(
            gte=format_datetime(where.taken_from) if where.taken_from else None,
            lte=format_datetime(where.taken_to) if where.taken_to else None,
        )
        must.append(models.FieldCondition(key=TAKEN_AT, range=taken))
    must_not: list[models.Condition] = []
    if where.exclude:
        must_not.append(models.HasIdCondition(has_id=[str(point) for point in where.exclude]))
    return models.Filter(must=must, must_not=must_not or None)

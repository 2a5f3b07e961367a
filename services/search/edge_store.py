"""The embedded vector store: Qdrant's engine in process through qdrant-edge-py (0.9).

Each collection is a folder under the store's root that contains ``collection.json`` (the model
id, the vector dimension and the distance) and ``shard/``, one ``EdgeShard``. An edge shard
never optimizes on its own: new points stay in an unindexed segment, searched by brute force,
until ``optimize`` builds the HNSW index. The store calls it after ``optimize_after`` new vectors.

NOTE: qdrant-edge-py 0.9 keeps the GIL during ``EdgeShard.optimize``, so every Python thread of
the process waits while the index is built, request handlers included. That takes seconds after
a few thousand new vectors and minutes for a first build of 100,000 (bench/search_bench.py).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from qdrant_edge import (
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeOptimizersConfig,
    EdgeShard,
    EdgeVectorParams,
    FieldCondition,
    Filter,
    HasIdCondition,
    HnswIndexConfig,
    KeywordIndexParams,
    MatchValue,
    Memory,
    PayloadSchemaType,
    Point,
    Query,
    QueryRequest,
    RangeDateTime,
    ScrollRequest,
    SearchParams,
    UpdateOperation,
)

from services.search.metrics import OPTIMIZE_SECONDS
from services.search.store import (
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

METADATA_FILE = "collection.json"
SHARD_DIR = "shard"
METADATA_FORMAT = 1


@dataclass(frozen=True)
class HnswTuning:
    """HNSW parameters of new edge collections; ``search_ef`` applies to every query.

    With these defaults, bench/search_bench.py measured recall@10 of 0.991 at 100,000 clustered
    512-d vectors over 20 tenants (0.982 within the tenant that has half of them); a search_ef
    of 64 gave 0.961 and 256 gave 0.999.
    """

    m: int = 16
    """Graph edges per vector: more raise recall and memory."""
    ef_construct: int = 100
    """Candidates kept while building: more raise recall and build time."""
    search_ef: int = 128
    """Candidates kept while searching: more raise recall and latency."""
    full_scan_threshold_kb: int = 10_000
    """A filter that matches fewer vectors than this (in KiB) runs as an exact search."""
    segments: int = 0
    """Segments the optimizer aims for; 0 lets Qdrant derive it from the CPU count."""


class EdgeStore(VectorStore):
    def __init__(
        self, root: Path, *, optimize_after: int = 2000, tuning: HnswTuning | None = None
    ) -> None:
        self._root = Path(root)
        self._optimize_after = optimize_after
        self._tuning = tuning or HnswTuning()
        self._shards: dict[str, EdgeShard] = {}
        self._unindexed: dict[str, int] = {}
        self._lock = threading.RLock()
        self._root.mkdir(parents=True, exist_ok=True)

    @property
    def tuning(self) -> HnswTuning:
        return self._tuning

    def get_collection(self, name: str) -> CollectionInfo | None:
        path = self._root / name / METADATA_FILE
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return CollectionInfo(name=name, model_id=data["model_id"], dim=int(data["dim"]))

    def create_collection(self, info: CollectionInfo) -> CollectionInfo:
        with self._lock:
            existing = self.get_collection(info.name)
            if existing is not None:
                if existing != info:
                    raise ModelMismatch(
                        f"collection {info.name!r} contains {existing.dim}-dimensional vectors of "
                        f"model {existing.model_id!r}, not {info.dim}-dimensional vectors of "
                        f"{info.model_id!r}"
                    )
                return existing
            # The metadata is written before the shard, so a shard never exists without it.
            self._write_metadata(info)
            self._shard(info.name)
            log.info(
                "created collection %s for model %s (dim %d) in %s",
                info.name, info.model_id, info.dim, self._root,
            )
            return info

    def list_collections(self) -> list[CollectionInfo]:
        infos = (self.get_collection(path.name) for path in sorted(self._root.iterdir()))
        return [info for info in infos if info is not None]

    def upsert(self, collection: str, points: Sequence[StoredPoint]) -> None:
        if not points:
            return
        shard = self._shard(collection)
        shard.update(UpdateOperation.upsert_points([_to_point(point) for point in points]))
        with self._lock:
            self._unindexed[collection] = self._unindexed.get(collection, 0) + len(points)
            due = self._unindexed[collection] >= self._optimize_after
        if due:
            self.optimize(collection)

    def query(
        self, collection: str, vector: np.ndarray, where: PointFilter, limit: int, offset: int
    ) -> list[ScoredPhoto]:
        request = QueryRequest(
            limit=limit,
            offset=offset,
            query=Query.Nearest(vector.astype(np.float32).tolist()),
            filter=_to_filter(where),
            with_payload=True,
            with_vector=False,
            params=SearchParams(hnsw_ef=max(self._tuning.search_ef, limit + offset)),
        )
        return [
            ScoredPhoto(PhotoPayload.from_dict(hit.payload or {}), float(hit.score))
            for hit in self._shard(collection).query(request)
        ]

    def scroll(
        self, collection: str, where: PointFilter, limit: int, offset: str | None = None
    ) -> ScrollPage:
        request = ScrollRequest(
            offset=offset, limit=limit, filter=_to_filter(where), with_payload=True,
            with_vector=True,
        )
        records, next_offset = self._shard(collection).scroll(request)
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
        records = self._shard(collection).retrieve(
            [str(point)], with_payload=True, with_vector=True
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
            operation = UpdateOperation.delete_points([str(point) for point in points])
            self._shard(collection).update(operation)

    def delete_matching(self, collection: str, where: PointFilter) -> None:
        self._shard(collection).update(UpdateOperation.delete_points_by_filter(_to_filter(where)))

    def count(self, collection: str, where: PointFilter | None = None) -> int:
        shard = self._shard(collection)
        if where is None:
            return shard.info().points_count
        return shard.count(CountRequest(exact=True, filter=_to_filter(where)))

    def optimize(self, collection: str) -> bool:
        shard = self._shard(collection)
        with self._lock:
            pending = self._unindexed.get(collection, 0)
            self._unindexed[collection] = 0
        started = time.perf_counter()
        changed = shard.optimize()
        shard.flush()
        elapsed = time.perf_counter() - started
        OPTIMIZE_SECONDS.labels(collection).observe(elapsed)
        info = shard.info()
        log.info(
            "optimized collection %s in %.1f s after %d new vectors: %d points in %d segments, "
            "%d indexed",
            collection, elapsed, pending, info.points_count,
            info.segments_count, info.indexed_vectors_count,
        )
        return changed

    def close(self) -> None:
        with self._lock:
            for name, shard in self._shards.items():
                shard.flush()
                shard.close()
                log.info("closed collection %s", name)
            self._shards.clear()

    def _shard(self, name: str) -> EdgeShard:
        shard = self._shards.get(name)
        if shard is not None:
            return shard
        with self._lock:
            if name not in self._shards:
                self._shards[name] = self._open_shard(name)
            return self._shards[name]

    def _open_shard(self, name: str) -> EdgeShard:
        info = self.get_collection(name)
        if info is None:
            raise KeyError(f"collection {name!r} does not exist in {self._root}")
        path = self._root / name / SHARD_DIR
        if (path / "edge_config.json").exists():
            started = time.perf_counter()
            shard = EdgeShard.load(str(path))
            shard_info = shard.info()
            # Vectors left unindexed by the last run count towards the next optimize.
            self._unindexed[name] = shard_info.points_count - shard_info.indexed_vectors_count
            log.info(
                "opened collection %s in %.2f s: %d points, %d indexed",
                name, time.perf_counter() - started, shard_info.points_count,
                shard_info.indexed_vectors_count,
            )
            return shard
        shard = EdgeShard.create(str(path), self._config(info))
        _create_payload_indexes(shard)
        return shard

    def _config(self, info: CollectionInfo) -> EdgeConfig:
        tuning = self._tuning
        return EdgeConfig(
            vectors=EdgeVectorParams(size=info.dim, distance=Distance.Cosine),
            hnsw_config=HnswIndexConfig(
                m=tuning.m,
                ef_construct=tuning.ef_construct,
                full_scan_threshold=tuning.full_scan_threshold_kb,
            ),
            # An explicit optimize() is the only trigger, so it indexes a segment of any size.
            optimizers=EdgeOptimizersConfig(
                indexing_threshold=1, default_segment_number=tuning.segments
            ),
            # The default reads payloads from disk for every hit, and request threads already run
            # queries side by side. Cached payloads and one search thread per query together took
            # bench/search_bench.py's p95 at 100,000 vectors from 17 ms to 4 ms on an idle 2-core
            # machine. The two changes were not measured apart.
            payload_memory=Memory.Cached,
            max_search_threads=1,
        )

    def _write_metadata(self, info: CollectionInfo) -> None:
        folder = self._root / info.name
        folder.mkdir(parents=True, exist_ok=True)
        metadata = {
            "format": METADATA_FORMAT,
            "model_id": info.model_id,
            "dim": info.dim,
            "distance": "cosine",
            "hnsw": asdict(self._tuning),
        }
        temporary = folder / (METADATA_FILE + ".tmp")
        temporary.write_text(json.dumps(metadata, indent=2) + "\n")
        os.replace(temporary, folder / METADATA_FILE)


def _create_payload_indexes(shard: EdgeShard) -> None:
    # is_tenant makes the optimizer store each tenant's points together on disk.
    shard.update(UpdateOperation.create_field_index(TENANT_ID, KeywordIndexParams(is_tenant=True)))
    shard.update(UpdateOperation.create_field_index(FOLDER, PayloadSchemaType.Keyword))
    shard.update(UpdateOperation.create_field_index(TAGS, PayloadSchemaType.Keyword))
    shard.update(UpdateOperation.create_field_index(TAKEN_AT, PayloadSchemaType.Datetime))


def _to_point(point: StoredPoint) -> Point:
    vector = point.vector.astype(np.float32).tolist()
    return Point(str(point.id), vector, point.payload.to_dict())


def _to_filter(where: PointFilter) -> Filter:
    must: list = [FieldCondition(TENANT_ID, match=MatchValue(where.tenant_id))]
    if where.folder is not None:
        must.append(FieldCondition(FOLDER, match=MatchValue(where.folder)))
    if where.tag is not None:
        must.append(FieldCondition(TAGS, match=MatchValue(where.tag)))
    if where.taken_from is not None or where.taken_to is not None:
        taken = RangeDateTime(
            gte=format_datetime(where.taken_from) if where.taken_from else None,
            lte=format_datetime(where.taken_to) if where.taken_to else None,
        )
        must.append(FieldCondition(TAKEN_AT, range=taken))
    must_not: list = []
    if where.exclude:
        must_not.append(HasIdCondition({str(point) for point in where.exclude}))
    return Filter(must=must, must_not=must_not or None)

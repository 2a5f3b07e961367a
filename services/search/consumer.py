"""Task steps of the search consumers: asset.embedded in, points and AssetIndexed out.

Each sits between the decode step and the retry step of the shared consumer chain
(``shared.consumer.build_consumer``). Every effect is an upsert or a delete keyed by the point id
of (tenant, asset), so a replayed record changes nothing. A record that no retry can fix (a
vector of the wrong length, say) raises ``PermanentError``. The retry step then handles the
batch one record at a time, so only that record is dead-lettered.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np

from services.search.index import PhotoCollections, PhotoVector
from services.search.metrics import COLLECTION_POINTS, DELETED, UPSERTED
from services.search.store import CollectionInfo
from shared.bus.base import MessageBus
from shared.bus.topics import ASSET_INDEXED, CONTRACT_VERSION
from shared.consumer import Decoded
from shared.consumer.retry import PermanentError
from shared.contracts.v1.assets_pb2 import AssetDeleted, AssetEmbedded, AssetIndexed

log = logging.getLogger(__name__)

ExpectedDim = Callable[[str], int | None]
"""Returns the vector length that a model is known to produce, or None when it is unknown."""


class IndexEmbeddedPhotos:
    def __init__(
        self, collections: PhotoCollections, bus: MessageBus, expected_dim: ExpectedDim
    ) -> None:
        self._collections = collections
        self._bus = bus
        self._expected_dim = expected_dim

    def __call__(self, items: Sequence[Decoded[AssetEmbedded]]) -> None:
        # Every record is checked before anything is written, so a bad record fails its batch
        # without a partial write, and the retry step re-runs the rest one by one.
        batches: dict[tuple[str, str], list[PhotoVector]] = defaultdict(list)
        infos: dict[str, CollectionInfo] = {}
        for item in items:
            message = item.message
            info = infos.get(message.model) or self._collection_for(message)
            infos[message.model] = info
            batches[(info.model_id, message.tenant_id)].append(_photo_vector(message, info))

        for (model_id, tenant_id), photos in batches.items():
            info = infos[model_id]
            self._collections.for_tenant(info, tenant_id).upsert(photos)
            UPSERTED.labels(info.name).inc(len(photos))
            log.debug(
                "indexed %d photos of tenant %s into %s", len(photos), tenant_id, info.name
            )
        for info in infos.values():
            COLLECTION_POINTS.labels(info.name).set(self._collections.size(info))

        for item in items:
            self._publish_indexed(item.message, infos[item.message.model])

    def _collection_for(self, message: AssetEmbedded) -> CollectionInfo:
        if not message.model:
            raise PermanentError(f"asset {message.asset_id} has no model id on its vector")
        if not message.vector:
            raise PermanentError(f"asset {message.asset_id} has an empty vector")
        info = self._collections.get(message.model)
        if info is not None:
            return info
        dim = self._expected_dim(message.model) or len(message.vector)
        return self._collections.ensure(message.model, dim)

    def _publish_indexed(self, message: AssetEmbedded, info: CollectionInfo) -> None:
        indexed = AssetIndexed(
            version=CONTRACT_VERSION,
            tenant_id=message.tenant_id,
            asset_id=message.asset_id,
            collection=info.name,
        )
        self._bus.publish(ASSET_INDEXED.name, message.tenant_id, indexed.SerializeToString())


class DropDeletedPhotos:
    """Task step of the asset.deleted consumer: removes the photo from every collection.

    asset.deleted and asset.embedded are separate topics, so a deletion can be handled before
    the photo's AssetEmbedded record. The ingest status consumer sends asset.deleted again when
    the photo's asset.indexed record names an asset that no longer exists.
    """

    def __init__(self, collections: PhotoCollections) -> None:
        self._collections = collections

    def __call__(self, items: Sequence[Decoded[AssetDeleted]]) -> None:
        by_tenant: dict[str, list[str]] = defaultdict(list)
        for item in items:
            by_tenant[item.message.tenant_id].append(item.message.asset_id)
        for info in self._collections.all():
            for tenant_id, asset_ids in by_tenant.items():
                self._collections.for_tenant(info, tenant_id).delete_assets(asset_ids)
                DELETED.labels(info.name, "assets").inc()
                log.info(
                    "removed %d deleted photos of tenant %s from %s",
                    len(asset_ids), tenant_id, info.name,
                )
            COLLECTION_POINTS.labels(info.name).set(self._collections.size(info))


def _photo_vector(message: AssetEmbedded, info: CollectionInfo) -> PhotoVector:
    if not message.asset_id:
        raise PermanentError("the record has no asset id")
    if len(message.vector) != info.dim:
        raise PermanentError(
            f"asset {message.asset_id} has a {len(message.vector)}-dimensional vector, but "
            f"collection {info.name} holds {info.dim}-dimensional vectors of model {info.model_id}"
        )
    vector = np.asarray(message.vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    if not math.isfinite(norm) or norm == 0.0:
        raise PermanentError(
            f"asset {message.asset_id} has a vector of norm {norm}, which has no direction"
        )
    metadata = message.metadata
    taken_at = None
    if metadata.taken_at:
        try:
            taken_at = datetime.fromtimestamp(metadata.taken_at, UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise PermanentError(
                f"asset {message.asset_id} has taken_at {metadata.taken_at}, which is not a "
                f"valid time in seconds since the epoch: {error}"
            ) from error
    return PhotoVector(
        asset_id=message.asset_id,
        vector=vector,
        folder=metadata.folder,
        tags=tuple(metadata.tags),
        taken_at=taken_at,
        filename=metadata.filename,
    )

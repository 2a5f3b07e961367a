"""The task step of the asset.ingested consumer: photos in, AssetEmbedded records out.

It sits between the decode step and the retry step of the shared consumer chain
(``shared.consumer.build_consumer``). For each batch it reads, decodes and prepares the photos
in a thread pool, encodes the whole batch in one model call, and publishes one AssetEmbedded
per photo. Pillow's decoders and resizers release the GIL, so the threads run on separate
cores.

A record whose original is missing or no longer decodes can never succeed, so it is
dead-lettered on its own while the rest of its batch is embedded. Any other error propagates,
and the retry step retries the whole batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from services.embedding.metrics import (
    BACKEND_WAITS,
    BATCH_SIZE,
    PHOTOS_ENCODED,
    PHOTOS_FAILED,
    PREPARE_SECONDS,
    timed_encode,
)
from services.embedding.runtime import BackendUnavailable, ModelRuntime, PreparedImage
from services.ingest.images import PhotoRejected, decode_photo
from shared.bus.base import MessageBus
from shared.bus.topics import ASSET_EMBEDDED, CONTRACT_VERSION
from shared.consumer import DeadLetterPolicy, Decoded
from shared.consumer.retry import PermanentError
from shared.contracts.v1.assets_pb2 import AssetEmbedded, AssetIngested
from shared.storage import ObjectStore

log = logging.getLogger(__name__)

_BACKEND_WAIT_FIRST_S = 0.5
# One failed request every few seconds costs a down server nothing, and the batch goes on within
# this many seconds of the server coming back.
_BACKEND_WAIT_MAX_S = 5.0


@dataclass(frozen=True)
class _Outcome:
    item: Decoded[AssetIngested]
    prepared: PreparedImage | None = None
    error: PermanentError | None = None
    kind: str = ""


class EmbedIngestedPhotos:
    def __init__(
        self,
        runtime: ModelRuntime,
        objects: ObjectStore,
        bus: MessageBus,
        dead_letter: DeadLetterPolicy,
        *,
        max_pixels: int,
        workers: int,
    ) -> None:
        self._runtime = runtime
        self._objects = objects
        self._bus = bus
        self._dead_letter = dead_letter
        self._max_pixels = max_pixels
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embedding-photo")

    def __call__(self, items: Sequence[Decoded[AssetIngested]]) -> None:
        # NOTE: photos decode in parallel with each other, not with a model call, because the
        # bus hands over the next batch only after this one returns. On a GPU, where the model
        # call leaves the CPU idle, prefetching the next batch would hide the decoding.
        started = time.perf_counter()
        outcomes = list(self._pool.map(self._prepare, items))
        PREPARE_SECONDS.observe(time.perf_counter() - started)
        good = [outcome for outcome in outcomes if outcome.error is None]
        if good:
            self._encode_when_available(good)
        # Dead letters go out after the rest of the batch is published. If the model call
        # fails, the retry step retries the whole batch and nothing is dead-lettered twice.
        for outcome in outcomes:
            if outcome.error is not None:
                self._reject(outcome)
        log.info(
            "embedded %d of %d photos in %.2f s",
            len(good), len(items), time.perf_counter() - started,
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _prepare(self, item: Decoded[AssetIngested]) -> _Outcome:
        message = item.message
        try:
            data = self._objects.get(message.storage_key)
        except KeyError:
            error = PermanentError(f"The original ({message.storage_key}) is missing from storage.")
            return _Outcome(item, error=error, kind="missing_original")
        try:
            photo = decode_photo(
                data, max_pixels=self._max_pixels, draft_size=self._runtime.input_size
            )
        except PhotoRejected as rejected:
            error = PermanentError(f"The stored original no longer decodes: {rejected.reason}")
            return _Outcome(item, error=error, kind=rejected.kind)
        return _Outcome(item, prepared=self._runtime.prepare_image(photo.image))

    def _encode_when_available(self, outcomes: Sequence[_Outcome]) -> None:
        # A model server that is down fails every record alike, so the batch waits here, with
        # its records uncommitted, until the server is back. Letting the error reach the retry
        # step would dead-letter photos that are fine.
        # NOTE: the wait has no end. A consumer stopped while the server is down keeps its thread
        # blocked until the process exits, and its records are delivered again after a restart.
        delay = _BACKEND_WAIT_FIRST_S
        while True:
            try:
                self._encode_and_publish(outcomes)
                return
            except BackendUnavailable as error:
                BACKEND_WAITS.inc()
                log.warning(
                    "model server unavailable, %d photos wait %.1f s before retrying: %s",
                    len(outcomes), delay, error,
                )
                time.sleep(delay)
                delay = min(delay * 2, _BACKEND_WAIT_MAX_S)

    def _encode_and_publish(self, outcomes: Sequence[_Outcome]) -> None:
        model_id = self._runtime.model_id
        with timed_encode("photos"):
            vectors = self._runtime.encode_prepared([outcome.prepared for outcome in outcomes])
        BATCH_SIZE.observe(len(outcomes))
        PHOTOS_ENCODED.labels(model_id).inc(len(outcomes))
        for outcome, vector in zip(outcomes, vectors, strict=True):
            ingested = outcome.item.message
            embedded = AssetEmbedded(
                version=CONTRACT_VERSION,
                tenant_id=ingested.tenant_id,
                asset_id=ingested.asset_id,
                model=model_id,
                vector=vector.tolist(),
                metadata=ingested.metadata,
            )
            self._bus.publish(ASSET_EMBEDDED.name, ingested.tenant_id, embedded.SerializeToString())
            log.debug(
                "embedded photo: tenant=%s asset=%s model=%s",
                ingested.tenant_id, ingested.asset_id, model_id,
            )

    def _reject(self, outcome: _Outcome) -> None:
        PHOTOS_FAILED.labels(outcome.kind).inc()
        ingested = outcome.item.message
        self._dead_letter(outcome.item.record, ingested.asset_id, str(outcome.error), 1)

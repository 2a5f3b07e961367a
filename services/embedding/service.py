"""The embedding service: owns the photo model, encodes queries and consumes asset.ingested.

Without usable weights the service stays up but not ready: ``unavailable_reason`` gives the
reason and the fix, ``health()`` reports it, the encode methods raise ModelUnavailable, and no
asset.ingested consumer is registered, so photos wait as "stored" instead of getting vectors
from the wrong model.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image
from prometheus_client import REGISTRY
from prometheus_client.registry import Collector

from services.embedding.consumer import EmbedIngestedPhotos
from services.embedding.metrics import (
    MODEL_LOAD_SECONDS,
    MODEL_READY,
    PHOTOS_ENCODED,
    TEXTS_ENCODED,
    timed_encode,
)
from services.embedding.runtime import ModelRuntime, ModelUnavailable
from shared.bus.base import MessageBus
from shared.bus.topics import ASSET_INGESTED
from shared.consumer import PublishDeadLetter, RetryPolicy, build_consumer
from shared.contracts.v1.assets_pb2 import AssetIngested
from shared.settings import Settings
from shared.storage import ObjectStore

log = logging.getLogger(__name__)

GROUP = "embedding"
_NOT_STARTED = "The photo model is not loaded yet: the embedding service has not started."


class EmbeddingService:
    def __init__(self, settings: Settings, bus: MessageBus, objects: ObjectStore) -> None:
        self._settings = settings
        self._bus = bus
        self._objects = objects
        self._runtime: ModelRuntime | None = None
        self._consumer: EmbedIngestedPhotos | None = None
        self._load_seconds: float | None = None
        self._lock = threading.Lock()
        self._server_metrics: Collector | None = None
        self.unavailable_reason: str | None = _NOT_STARTED

    @property
    def model_id(self) -> str:
        """Name of the photo model; the search service names its collection after it."""
        return self._settings.embedding.photo_model

    @property
    def dim(self) -> int | None:
        """Vector length of the photo model; None until the model is loaded."""
        return self._runtime.dim if self._runtime is not None else None

    @property
    def ready(self) -> bool:
        return self._runtime is not None

    @property
    def runtime(self) -> ModelRuntime | None:
        """The loaded photo model; None while the service is not ready."""
        return self._runtime

    @property
    def photo_draft_size(self) -> int | None:
        """``draft_size`` for ``decode_photo`` that gives the pixels this service encodes."""
        return self._runtime.input_size if self._runtime is not None else None

    def start(self) -> None:
        """Load the photo model. Missing or damaged weights do not raise: the reason is kept in
        ``unavailable_reason`` and logged at ERROR."""
        with self._lock:
            if self._runtime is not None:
                return
            self._scrape_triton_metrics()
            started = time.perf_counter()
            try:
                runtime = _load_runtime(self._settings)
            except ModelUnavailable as error:
                self.unavailable_reason = str(error)
                MODEL_LOAD_SECONDS.labels(self.model_id).set(0)
                MODEL_READY.labels(self.model_id).set(0)
                log.error("photo model unavailable, photos will not be embedded: %s", error)
                return
            self._load_seconds = time.perf_counter() - started
            self._runtime = runtime
            self.unavailable_reason = None
        MODEL_LOAD_SECONDS.labels(self.model_id).set(self._load_seconds)
        MODEL_READY.labels(self.model_id).set(1)
        log.info(
            "loaded photo model %s (dim %d, device %s) in %.2f s",
            self.model_id, runtime.dim, self._settings.embedding.device, self._load_seconds,
        )
        if runtime.random_weights:
            log.warning(
                "photo model %s has RANDOM weights (a test model): photo-to-photo search "
                "works, but text search results carry no meaning", self.model_id,
            )

    def subscribe(self) -> None:
        """Register the asset.ingested consumer (group "embedding"), only when the model is
        loaded."""
        runtime = self._runtime
        if runtime is None:
            log.error(
                "not consuming %s: %s", ASSET_INGESTED.name, self.unavailable_reason
            )
            return
        if self._consumer is not None:
            return
        settings = self._settings
        dead_letter = PublishDeadLetter(self._bus, stage=GROUP, group=GROUP)
        self._consumer = EmbedIngestedPhotos(
            runtime,
            self._objects,
            self._bus,
            dead_letter,
            max_pixels=settings.ingest.max_image_pixels,
            workers=_decode_workers(settings.embedding.batch_size),
        )
        handler = build_consumer(
            message_type=AssetIngested,
            task=self._consumer,
            topic=ASSET_INGESTED.name,
            group=GROUP,
            retry=RetryPolicy(settings.bus.max_attempts, settings.bus.retry_backoff_s),
            dead_letter=dead_letter,
        )
        self._bus.subscribe(
            ASSET_INGESTED.name,
            GROUP,
            handler,
            max_batch=settings.embedding.batch_size,
            max_wait_s=settings.embedding.batch_wait_s,
        )

    def close(self) -> None:
        """Stop the photo threads; call after the bus has stopped delivering."""
        if self._consumer is not None:
            self._consumer.close()
        if self._runtime is not None:
            self._runtime.close()
        if self._server_metrics is not None:
            REGISTRY.unregister(self._server_metrics)
            self._server_metrics = None

    def _scrape_triton_metrics(self) -> None:
        embedding = self._settings.embedding
        if embedding.backend != "triton" or not embedding.triton_metrics_url:
            return
        if self._server_metrics is None:
            from services.embedding.triton.server_metrics import TritonServerMetrics

            self._server_metrics = TritonServerMetrics(embedding.triton_metrics_url)
            REGISTRY.register(self._server_metrics)

    def health(self) -> dict[str, Any]:
        runtime = self._runtime
        reason = self.unavailable_reason
        if runtime is not None:
            reason = runtime.unavailable_reason()
        return {
            "ready": runtime is not None and reason is None,
            "model": self.model_id,
            "dim": self.dim,
            "reason": reason,
            "random_weights": runtime.random_weights if runtime is not None else None,
            "device": self._settings.embedding.device,
            "load_seconds": self._load_seconds,
        }

    def encode_text(self, text: str) -> np.ndarray:
        """Return the query vector of ``text``: (dim,) float32, L2-normalised."""
        return self.encode_texts([text])[0]

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return the vectors of ``texts`` from one model call: (n, dim) float32."""
        runtime = self._require_runtime()
        with timed_encode("texts"):
            vectors = runtime.encode_texts(texts)
        TEXTS_ENCODED.labels(self.model_id).inc(len(texts))
        return vectors

    def encode_photo(self, image: Image.Image) -> np.ndarray:
        """Return the vector of an upright RGB photo: (dim,) float32, L2-normalised."""
        return self.encode_photos([image])[0]

    def encode_photos(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Return the vectors of upright RGB photos from one model call: (n, dim) float32."""
        runtime = self._require_runtime()
        with timed_encode("photos"):
            vectors = runtime.encode_images(images)
        PHOTOS_ENCODED.labels(self.model_id).inc(len(images))
        return vectors

    def _require_runtime(self) -> ModelRuntime:
        runtime = self._runtime
        if runtime is None:
            raise ModelUnavailable(self.unavailable_reason or _NOT_STARTED)
        return runtime


def _load_runtime(settings: Settings) -> ModelRuntime:
    if settings.embedding.backend == "triton":
        return _load_triton_runtime(settings)
    try:
        from services.embedding.open_clip_runtime import load_open_clip_runtime
    except ImportError as error:
        raise ModelUnavailable(
            f"The photo model {settings.embedding.photo_model!r} needs torch and open_clip, "
            f"which are not installed ({error}). Install them with: pip install "
            "'datafantasi[ml]'."
        ) from error
    return load_open_clip_runtime(
        settings.model_store,
        settings.embedding.photo_model,
        device=settings.embedding.device,
        threads=settings.embedding.threads,
        allow_download=settings.embedding.allow_download,
    )


def _load_triton_runtime(settings: Settings) -> ModelRuntime:
    from services.embedding.triton.runtime import TritonOptions, load_triton_runtime

    embedding = settings.embedding
    options = TritonOptions(
        url=embedding.triton_url,
        protocol=embedding.triton_protocol,
        timeout_s=embedding.triton_timeout_s,
        max_in_flight=embedding.triton_max_in_flight,
        retries=embedding.triton_retries,
        retry_backoff_s=embedding.triton_retry_backoff_s,
    )
    return load_triton_runtime(settings.model_store, embedding.photo_model, options)


def _decode_workers(batch_size: int) -> int:
    # Decoding is CPU work that releases the GIL: one thread per core, never more than a batch.
    return max(1, min(batch_size, os.cpu_count() or 1))

"""Prometheus metrics of the embedding service."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

MODEL_LOAD_SECONDS = Gauge(
    "datafantasi_embedding_model_load_seconds",
    "Time the last load of the photo model took (0 when it failed).",
    ["model"],
)
MODEL_READY = Gauge(
    "datafantasi_embedding_model_ready", "1 when the photo model is loaded, else 0.", ["model"]
)
BATCH_SIZE = Histogram(
    "datafantasi_embedding_batch_size",
    "Photos per model call of the asset.ingested consumer.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
PHOTOS_ENCODED = Counter(
    "datafantasi_embedding_photos_encoded_total", "Photos turned into vectors.", ["model"]
)
TEXTS_ENCODED = Counter(
    "datafantasi_embedding_texts_encoded_total", "Query texts turned into vectors.", ["model"]
)
BACKEND_WAITS = Counter(
    "datafantasi_embedding_backend_waits_total",
    "Times a photo batch waited because the model server was unavailable.",
)
PHOTOS_FAILED = Counter(
    "datafantasi_embedding_photos_failed_total",
    "Photos dead-lettered because the original is missing or no longer decodes.",
    ["kind"],
)
ENCODE_SECONDS = Histogram(
    "datafantasi_embedding_encode_seconds",
    "Duration of one model call, by input kind (photos or texts).",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PREPARE_SECONDS = Histogram(
    "datafantasi_embedding_prepare_seconds",
    "Time to read, decode and prepare one batch of photos before its model call.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@contextmanager
def timed_encode(kind: str) -> Iterator[None]:
    """Observe the duration of the model call in the ``with`` block under ``kind``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        ENCODE_SECONDS.labels(kind).observe(time.perf_counter() - started)

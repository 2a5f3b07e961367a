"""Prometheus metrics of the Triton client: queue time, request sizes, errors."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

QUEUE_SECONDS = Histogram(
    "datafantasi_triton_client_queue_seconds",
    "Time a request waited in this process for a free Triton client slot (max in-flight).",
    ["model"],
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_SECONDS = Histogram(
    "datafantasi_triton_request_seconds",
    "Duration of one Triton inference request, including the network.",
    ["model"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BATCH_SIZE = Histogram(
    "datafantasi_triton_batch_size",
    "Rows (photos or texts) per Triton request.",
    ["model"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
ERRORS = Counter(
    "datafantasi_triton_errors_total",
    "Failed Triton requests, by kind: unavailable (retried), invalid_input (rejected before "
    "sending) or failed (an error from the server).",
    ["model", "kind"],
)

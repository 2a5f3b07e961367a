"""Prometheus metrics shared by the services; each service adds its own next to its code."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

BUS_HANDLED = Counter(
    "datafantasi_records_handled_total", "Records a consumer handled.", ["topic", "group"]
)
BUS_FAILED = Counter(
    "datafantasi_records_failed_total", "Handling attempts that raised.", ["topic", "group"]
)
BUS_DEAD_LETTERED = Counter(
    "datafantasi_records_dead_lettered_total",
    "Records sent to a dead-letter topic.",
    ["topic", "group"],
)
BUS_BATCH_SIZE = Histogram(
    "datafantasi_consumer_batch_size",
    "Records per handled batch.",
    ["topic", "group"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
BUS_HANDLER_SECONDS = Histogram(
    "datafantasi_consumer_handle_seconds", "Time to handle one batch.", ["topic", "group"]
)
BUS_LAG = Gauge(
    "datafantasi_consumer_lag",
    "Records not yet committed by a consumer group.",
    ["topic", "group", "partition"],
)
HTTP_REQUESTS = Counter(
    "datafantasi_http_requests_total",
    "HTTP requests by route and status.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "datafantasi_http_request_seconds", "HTTP request latency by route.", ["method", "route"]
)

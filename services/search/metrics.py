"""Prometheus metrics of the search service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

QUERY_SECONDS = Histogram(
    "datafantasi_search_query_seconds",
    "Time of one vector store query, without encoding the query; kind is text or similar.",
    ["kind"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
UPSERTED = Counter(
    "datafantasi_search_upserted_total",
    "Photo vectors written to a collection, replays included.",
    ["collection"],
)
DELETED = Counter(
    "datafantasi_search_delete_requests_total",
    "Deletions of photos or of a whole tenant, per collection.",
    ["collection", "scope"],
)
COLLECTION_POINTS = Gauge(
    "datafantasi_search_collection_points",
    "Points in a collection after the last write.",
    ["collection"],
)
OPTIMIZE_SECONDS = Histogram(
    "datafantasi_search_optimize_seconds",
    "Time of an explicit optimize (index build) of a collection.",
    ["collection"],
    buckets=(0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600),
)

"""Prometheus metrics of the ingest service."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

FILES_STORED = Counter(
    "datafantasi_ingest_files_stored_total", "Files stored as new assets."
)
FILES_DUPLICATE = Counter(
    "datafantasi_ingest_files_duplicate_total",
    "Files whose bytes the tenant had already uploaded.",
)
FILES_REJECTED = Counter(
    "datafantasi_ingest_files_rejected_total",
    "Files rejected, by kind of reason (corrupt, too_many_pixels, unsupported_format, ...).",
    ["reason"],
)
FILE_SECONDS = Histogram(
    "datafantasi_ingest_file_seconds",
    "Time to store one new photo: hash, decode, thumbnail, store and publish.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
UPLOAD_SECONDS = Histogram(
    "datafantasi_ingest_upload_seconds",
    "Time to ingest one upload with all its files.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
STATUS_CHANGES = Counter(
    "datafantasi_ingest_asset_status_changes_total",
    "Asset status changes applied by the status consumers, by new status.",
    ["status"],
)

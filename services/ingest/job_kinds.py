"""The ingest service's job kinds: maintenance over all of a tenant's photos."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.jobs import JobContext, job_kind

REINDEX = "assets.reindex"
REBUILD_THUMBNAILS = "assets.rebuild_thumbnails"


def _no_params(kind: str, params: dict[str, Any]) -> None:
    if params:
        raise ValueError(f"a {kind} job takes no parameters, got {sorted(params)}")


def _reporter(context: JobContext, verb: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        context.progress(done / total if total else 1.0, f"{verb} {done} of {total} photos")

    return report


@job_kind(REINDEX)
def reindex(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Send every photo of the tenant through embedding and indexing again."""
    _no_params(REINDEX, params)
    return context.services.ingest.reindex(context.tenant_id, _reporter(context, "sent"))


@job_kind(REBUILD_THUMBNAILS)
def rebuild_thumbnails(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Make every thumbnail of the tenant again from its original."""
    _no_params(REBUILD_THUMBNAILS, params)
    return context.services.ingest.rebuild_thumbnails(
        context.tenant_id, _reporter(context, "rebuilt")
    )

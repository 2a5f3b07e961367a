"""The audience service's job kinds."""

from __future__ import annotations

from typing import Any

from services.audience.communities import CommunityParameters
from services.audience.schemas import CommunityRunIn
from shared.jobs import JobContext, job_kind

COMMUNITIES = "audience.communities"


@job_kind(COMMUNITIES)
def find_communities(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Find and store the tenant's audience communities; the result names the stored run.

    ``params`` are the fields of ``CommunityRunIn``; the run itself is read with
    ``GET /v1/audience/community-runs/{run_id}``.
    """
    requested = CommunityRunIn.model_validate(params)
    run = context.services.audience.detect_communities(
        context.tenant_id,
        CommunityParameters(**requested.model_dump()),
        # A run has a handful of steps, so each is recorded, however soon after the last.
        progress=lambda share, step: context.progress(share, step, force=True),
    )
    return {
        "run_id": run.run_id,
        "member_count": run.member_count,
        "assigned_count": run.assigned_count,
        "community_count": len(run.communities),
    }

"""The search service's job kinds."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.jobs import JobContext, job_kind

VISUAL_GROUPS = "search.visual_groups"


class VisualGroupsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(
        default=0, ge=0, le=2**31 - 1, description="Same seed, same groups.", examples=[7]
    )


# In process: with the embedded vector store only the api process can read the vectors.
@job_kind(VISUAL_GROUPS, in_process=True)
def group_photos(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Group the tenant's indexed photos by their vectors and store the groups."""
    requested = VisualGroupsParams.model_validate(params)
    services = context.services
    summary = services.photo_groups.run(
        context.tenant_id,
        services.search.tenant_index(context.tenant_id),
        run_id=context.job_id,
        seed=requested.seed,
        # A run has a handful of steps, so each is recorded, however soon after the last.
        progress=lambda share, step: context.progress(share, step, force=True),
    )
    return summary.as_dict()

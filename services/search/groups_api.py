"""HTTP API of visual groups: start a grouping run, page the groups, page a group, name it.

Handlers read the groups from ``request.app.state.photo_groups`` and the job runner from
``request.app.state.jobs``. Another tenant's group returns 404, as if it did not exist.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.search.groups import PhotoGroups
from services.search.job_kinds import VISUAL_GROUPS, VisualGroupsParams
from services.search.models import PhotoGroup
from shared.jobs.api import JobOut, queued_job_example, start_job
from shared.openapi_examples import (
    ASSET_ID,
    BASE_URL,
    CREATED_AT,
    JOB_ID,
    OTHER_ASSET_ID,
    PHOTO_GROUP_ID,
    UPDATED_AT,
)
from shared.pagination import Cursor, Limit, Page, next_offset_link, offset_from, offset_page
from shared.tenancy import TenantId

router = APIRouter(prefix="/v1/photo-groups", tags=["photo groups"])

MAX_PAGE = 1000

_GROUP = {
    "group_id": PHOTO_GROUP_ID, "name": "Vindeltrapper", "size": 24,
    "cover_asset_ids": [ASSET_ID, OTHER_ASSET_ID], "number": 3, "run_id": JOB_ID,
    "model_id": "xlm-roberta-base-ViT-B-32__laion5b_s13b_b90k", "created_at": CREATED_AT,
    "updated_at": UPDATED_AT,
}
GroupIdPath = Annotated[str, Path(description="The group's id.", examples=[PHOTO_GROUP_ID])]


class PhotoGroupOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_GROUP]})

    group_id: str
    name: str | None = Field(description="The name a user gave the group; null until then.")
    size: int = Field(description="Number of photos in the group.")
    cover_asset_ids: list[str] = Field(description="The photos closest to the group's centre.")
    number: int = Field(description="Rank by size in its run, 0 for the largest.")
    run_id: str = Field(description="The job that made the group.")
    model_id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: PhotoGroup) -> PhotoGroupOut:
        return cls(
            group_id=group.group_id, name=group.name, size=group.size,
            cover_asset_ids=json.loads(group.cover_asset_ids), number=group.number,
            run_id=group.run_id, model_id=group.model_id, created_at=group.created_at,
            updated_at=group.updated_at,
        )


class GroupMemberOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"asset_id": ASSET_ID, "similarity": 0.8713}]}
    )

    asset_id: str
    similarity: float = Field(description="Cosine similarity to the group's centre.")


class PhotoGroupPage(PhotoGroupOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                **_GROUP,
                "assets": [
                    {"asset_id": ASSET_ID, "similarity": 0.8713},
                    {"asset_id": OTHER_ASSET_ID, "similarity": 0.8522},
                ],
                "limit": 2, "offset": 0,
                "next": f"{BASE_URL}/v1/photo-groups/{PHOTO_GROUP_ID}?limit=2&offset=2",
            }]
        }
    )

    assets: list[GroupMemberOut]
    limit: int
    offset: int
    next: str | None = Field(default=None, description="Link to the next page of photos.")


class PhotoGroupRename(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Vindeltrapper"}]}
    )

    name: str | None = Field(max_length=200, description="The new name; null clears it.")

    @field_validator("name")
    @classmethod
    def _strip(cls, name: str | None) -> str | None:
        if name is None:
            return None
        name = " ".join(name.split())
        if not name:
            raise ValueError("the name is blank; send a name or null to clear it")
        return name


def photo_groups(request: Request) -> PhotoGroups:
    return request.app.state.photo_groups


Groups = Annotated[PhotoGroups, Depends(photo_groups)]


def _group_or_404(groups: PhotoGroups, tenant_id: str, group_id: str) -> PhotoGroup:
    group = groups.get(tenant_id, group_id)
    if group is None:
        raise HTTPException(404, f"photo group {group_id} not found")
    return group


@router.post("/runs", status_code=202, responses=queued_job_example(VISUAL_GROUPS))
def start_group_run(
    request: Request, tenant_id: TenantId, body: VisualGroupsParams | None = None
) -> JobOut:
    """Start grouping the tenant's indexed photos as a job; the groups replace the earlier ones."""
    params = (body or VisualGroupsParams()).model_dump()
    return start_job(request, tenant_id, VISUAL_GROUPS, params)


@router.get("")
def list_groups(
    request: Request, tenant_id: TenantId, groups: Groups, limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PhotoGroupOut]:
    """Return one page of the tenant's groups, largest first."""
    offset = offset_from(cursor)
    rows = [PhotoGroupOut.of(group) for group in groups.list(tenant_id, offset, limit + 1)]
    return offset_page(request, rows, offset, limit)


@router.get("/{group_id}")
def get_group(
    request: Request,
    tenant_id: TenantId,
    groups: Groups,
    group_id: GroupIdPath,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, examples=[100])] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000, examples=[100])] = 0,
) -> PhotoGroupPage:
    """Return the group and one page of its photos, closest to its centre first."""
    group = _group_or_404(groups, tenant_id, group_id)
    total, members = groups.members(tenant_id, group_id, limit, offset)
    assets = [GroupMemberOut(asset_id=m.asset_id, similarity=m.similarity) for m in members]
    return PhotoGroupPage(
        **PhotoGroupOut.of(group).model_dump(), assets=assets, limit=limit, offset=offset,
        next=next_offset_link(request, offset, limit, total),
    )


@router.put("/{group_id}")
def rename_group(
    tenant_id: TenantId, groups: Groups, group_id: GroupIdPath, body: PhotoGroupRename
) -> PhotoGroupOut:
    """Name the group; the name stays while later runs keep most of the group's photos."""
    group = groups.rename(tenant_id, group_id, body.name)
    if group is None:
        raise HTTPException(404, f"photo group {group_id} not found")
    return PhotoGroupOut.of(group)

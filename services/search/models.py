"""Tables the search service owns: the visual groups of a tenant's photos.

A group run replaces the tenant's groups as a whole. A group keeps its id and the name a user
gave it across runs as long as its photos mostly stay the same (``services.search.groups``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class PhotoGroup(SQLModel, table=True):
    __tablename__ = "photo_groups"

    tenant_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(primary_key=True, max_length=32)
    run_id: str = Field(max_length=32, description="The job that made the group.")
    model_id: str = Field(description="The photo model whose vectors were grouped.")
    number: int = Field(description="Rank by size within the run, 0 for the largest group.")
    name: str | None = Field(default=None, max_length=200, description="Given by a user.")
    size: int
    cover_asset_ids: str = Field(
        default="[]", description="JSON list of the photos closest to the group's centre."
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PhotoGroupMember(SQLModel, table=True):
    __tablename__ = "photo_group_members"

    tenant_id: str = Field(primary_key=True, max_length=64)
    asset_id: str = Field(primary_key=True, max_length=64)
    group_id: str = Field(index=True, max_length=32)
    similarity: float = Field(description="Cosine similarity to the group's centre.")

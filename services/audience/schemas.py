"""Request and response models of the audience API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _FromAttributes(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ImportSummaryOut(_FromAttributes):
    accounts_created: int
    accounts_renamed: int
    accounts_merged: int
    posts_created: int
    posts_updated: int
    posts_marked_deleted: int
    follows_added: int
    engagements_added: int
    skipped_erased: int = Field(description="Rows skipped because the person was erased.")
    warnings: list[str]


class ImportOut(_FromAttributes):
    import_id: str
    filename: str
    source: str = Field(description="instagram_export, graph_api or audience_csv.")
    summary: ImportSummaryOut


class CommunityRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Same seed, same communities.")
    text_weight: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Weight of text similarity against links."
    )
    neighbours: int = Field(default=30, ge=2, le=100, description="k of the kNN graph.")
    resolution: float = Field(
        default=1.0, gt=0.0, le=10.0, description="Leiden resolution; higher gives more."
    )
    min_community_size: int = Field(default=10, ge=1, le=100_000)
    min_community_share: float = Field(
        default=0.02, ge=0.0, le=0.5, description="Smaller communities join their neighbours."
    )


class TypicalAccountOut(BaseModel):
    handle: str
    share: float = Field(description="Share of the community's members linked to the account.")
    lift: float = Field(description="That share divided by the share in the whole audience.")


class CommunityOut(_FromAttributes):
    id: int
    run_id: str
    number: int = Field(description="0 for the largest community of the run.")
    label: str
    keywords: list[str]
    typical_accounts: list[TypicalAccountOut]
    typical_members: list[str]
    size: int
    share: float = Field(description="Share of the assigned audience members.")
    mean_confidence: float


class CommunityRunOut(_FromAttributes):
    run_id: str
    created_at: datetime
    parameters: dict[str, float | int]
    member_count: int
    assigned_count: int = Field(description="Members with enough signal to be assigned.")
    communities: list[CommunityOut]


class CommunityMemberOut(BaseModel):
    handle: str
    confidence: float = Field(
        description="Similarity to its community's centre as a share of the similarities to "
        "all community centres (0-1)."
    )
    runner_up_id: int | None = Field(description="Community holding most of the rest.")
    runner_up_label: str | None
    runner_up_share: float


class CommunityMemberPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CommunityMemberOut]
    next: str | None = Field(default=None, description="Link to the next page; null on the last.")


class CommunityReachOut(_FromAttributes):
    community_number: int
    label: str
    audience: int
    share: float
    brand_share: float
    index: int | None = Field(description="100 * share / brand_share; None without brand reach.")
    brand_penetration: float = Field(description="Share of the community in the brand's audience.")
    new_segment: bool


class InfluencerAudienceOut(_FromAttributes):
    handle: str
    reported_followers: int | None
    audience: int
    engaged_audience: int
    coverage: float | None
    unique_audience: int
    unique_share: float
    brand_overlap_share: float | None
    new_reach: int
    communities: list[CommunityReachOut]
    new_segments: list[int]


class PairOverlapOut(_FromAttributes):
    first: str
    second: str
    overlap: int
    first_in_second_share: float
    second_in_first_share: float
    jaccard: float


class ComparisonOut(_FromAttributes):
    brand_handles: list[str]
    brand_audience: int
    influencers: list[InfluencerAudienceOut]
    pairs: list[PairOverlapOut]
    gross_audience: int
    unique_reach: int
    duplicated_share: float
    multi_audience_share: float
    new_reach: int
    community_run_id: str | None
    new_segments: list[int]


class EngagementOut(_FromAttributes):
    handle: str
    followers: int | None
    posts: int
    posts_with_counts: int
    hidden_like_posts: int
    hidden_like_share: float | None
    deleted_or_unlisted_posts: int
    mean_likes: float | None
    mean_comments: float | None
    engagement_rate: float | None
    rate_basis: str | None
    engaged_accounts: int
    engagements: int
    engagements_on_deleted_or_unlisted_posts: int


class PersonOut(_FromAttributes):
    handle: str
    earlier_handles: list[str]
    account: dict[str, object]
    follows: list[dict[str, object]]
    followed_by: list[dict[str, object]]
    engagements: list[dict[str, object]]
    engagements_received: list[dict[str, object]]
    posts: list[dict[str, object]]
    community_assignments: list[dict[str, object]]
    exported_at: datetime


class ErasureOut(_FromAttributes):
    handle: str
    handles_blocked: int
    follows: int
    engagements: int
    posts: int
    community_assignments: int
    text_vectors: int

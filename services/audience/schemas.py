"""Request and response models of the audience API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.openapi_examples import AUDIENCE_IMPORT_ID, COMMUNITY_RUN_ID, INFLUENCER

_RUN_CREATED_AT = "2026-03-02T11:04:16.640000Z"
_SOFA = "hyggelig · sofa · uldplaid"
_GARDEN = "flotte · havemøbler · terrassen"
_COMMUNITY = {
    "id": 2, "run_id": COMMUNITY_RUN_ID, "number": 1, "label": _SOFA,
    "keywords": ["hyggelig", "sofa", "uldplaid"],
    "typical_accounts": [{"handle": INFLUENCER, "share": 0.92, "lift": 1.84}],
    "typical_members": ["sofa_sanne", "uldplaid_ulla", "hjemme_hos_maja"],
    "size": 12, "share": 0.5, "mean_confidence": 0.87,
}
_REACH = {
    "community_number": 1, "label": _SOFA, "audience": 12, "share": 1.0, "brand_share": 0.75,
    "index": 133, "brand_penetration": 1.0, "new_segment": False,
}


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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{
                "import_id": AUDIENCE_IMPORT_ID, "filename": "instagram-nordlys_mobler.zip",
                "source": "instagram_export",
                "summary": {
                    "accounts_created": 17, "accounts_renamed": 0, "accounts_merged": 0,
                    "posts_created": 0, "posts_updated": 0, "posts_marked_deleted": 0,
                    "follows_added": 16, "engagements_added": 0, "skipped_erased": 0,
                    "warnings": [],
                },
            }]
        },
    )

    import_id: str
    filename: str
    source: str = Field(description="instagram_export, graph_api or audience_csv.")
    summary: ImportSummaryOut


class CommunityRunIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"seed": 7, "min_community_size": 5}]},
    )

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
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_COMMUNITY]})

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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{
                "run_id": COMMUNITY_RUN_ID, "created_at": _RUN_CREATED_AT,
                "parameters": {
                    "seed": 0, "text_weight": 0.5, "neighbours": 30, "resolution": 1.0,
                    "link_dimensions": 64, "dimensions": 32, "merge_similarity": 0.7,
                    "merge_connectivity": 0.25, "min_community_size": 10,
                    "min_community_share": 0.02,
                },
                "member_count": 24, "assigned_count": 24, "communities": [_COMMUNITY],
            }]
        },
    )

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "total": 12, "limit": 1, "offset": 0,
                "items": [{
                    "handle": "sofa_sanne", "confidence": 0.91, "runner_up_id": 1,
                    "runner_up_label": _GARDEN, "runner_up_share": 0.09,
                }],
                "next": "https://datafantasi.example.com/v1/audience/communities/2/members"
                "?limit=1&offset=1",
            }]
        }
    )

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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{
                "brand_handles": ["nordlys_mobler"], "brand_audience": 16,
                "influencers": [{
                    "handle": INFLUENCER, "reported_followers": 5200, "audience": 12,
                    "engaged_audience": 12, "coverage": 0.0023, "unique_audience": 12,
                    "unique_share": 1.0, "brand_overlap_share": 1.0, "new_reach": 0,
                    "communities": [_REACH], "new_segments": [],
                }],
                "pairs": [],
                "gross_audience": 12, "unique_reach": 12, "duplicated_share": 0.0,
                "multi_audience_share": 0.0, "new_reach": 0,
                "community_run_id": COMMUNITY_RUN_ID, "new_segments": [],
            }]
        },
    )

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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{
                "handle": INFLUENCER, "followers": 5200, "posts": 24, "posts_with_counts": 24,
                "hidden_like_posts": 3, "hidden_like_share": 0.125,
                "deleted_or_unlisted_posts": 1, "mean_likes": 231.5, "mean_comments": 18.25,
                "engagement_rate": 0.048, "rate_basis": "likes_and_comments",
                "engaged_accounts": 412, "engagements": 655,
                "engagements_on_deleted_or_unlisted_posts": 7,
            }]
        },
    )

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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{
                "handle": "sofa_sanne", "earlier_handles": ["sanne.hjemme"],
                "account": {
                    "handle": "sofa_sanne", "platform_id": None, "role": "member", "bio": None,
                    "followers_count": None, "follows_count": None, "media_count": None,
                    "created_at": "2026-03-02T11:02:04.213866Z",
                    "updated_at": "2026-03-02T11:02:04.213866Z",
                },
                "follows": [
                    {"account": "nordlys_mobler", "followed_at": "2024-05-01T10:00:00Z"},
                    {"account": INFLUENCER, "followed_at": None},
                ],
                "followed_by": [],
                "engagements": [{
                    "kind": "comment", "on_account": INFLUENCER, "post": None,
                    "text": "Hyggelig sofa med uldplaid", "engaged_at": None,
                }],
                "engagements_received": [],
                "posts": [],
                "community_assignments": [
                    {"run_id": COMMUNITY_RUN_ID, "community": 2, "label": _SOFA,
                     "confidence": 0.91},
                ],
                "exported_at": "2026-03-02T11:20:04.399383Z",
            }]
        },
    )

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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{
                "handle": "sofa_sanne", "handles_blocked": 2, "follows": 2, "engagements": 1,
                "posts": 0, "community_assignments": 1, "text_vectors": 1,
            }]
        },
    )

    handle: str
    handles_blocked: int
    follows: int
    engagements: int
    posts: int
    community_assignments: int
    text_vectors: int

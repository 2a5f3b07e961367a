"""Tables the audience service owns.

Audience members are personal data of the people behind them. For a member the tables keep the
handle, the Instagram id where a source gives one (it survives a change of handle), whom the
member follows among the tenant's tracked accounts, and the member's likes and comments on
their posts: what the community and comparison features use. Names, bios and profile pictures
of members are not stored; bios and counts are kept for brand and influencer accounts only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from services.audience.importing.records import AccountRole, EngagementKind


def utcnow() -> datetime:
    return datetime.now(UTC)


class AudienceAccount(SQLModel, table=True):
    __tablename__ = "audience_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "handle"),
        Index("ix_audience_accounts_platform", "tenant_id", "platform_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    handle: str = Field(max_length=30, description="Current handle, lower case.")
    platform_id: str | None = Field(default=None, max_length=40)
    role: AccountRole = Field(default=AccountRole.MEMBER, index=True)
    bio: str | None = None
    followers_count: int | None = None
    follows_count: int | None = None
    media_count: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AudienceAlias(SQLModel, table=True):
    """An earlier handle of an account, so that old files still find the renamed account."""

    __tablename__ = "audience_aliases"
    __table_args__ = (UniqueConstraint("tenant_id", "handle"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    handle: str = Field(max_length=30)
    account_id: int = Field(index=True, foreign_key="audience_accounts.id")


class AudiencePost(SQLModel, table=True):
    __tablename__ = "audience_posts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "post_key"),
        Index("ix_audience_posts_shortcode", "tenant_id", "shortcode"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    owner_id: int = Field(index=True, foreign_key="audience_accounts.id")
    post_key: str = Field(
        max_length=300, description="media:<id>, shortcode:<code> or export:<uri>"
    )
    shortcode: str | None = Field(default=None, max_length=64)
    caption: str = ""
    hashtags: str = Field(default="", description="Space-separated, lower case, without #.")
    posted_at: datetime | None = None
    like_count: int | None = Field(default=None, description="None when hidden or unknown.")
    comments_count: int | None = None
    known: bool = Field(
        default=True, description="False for a post seen only through an engagement with it."
    )
    deleted: bool = Field(default=False, description="Absent from a later full post list.")


class AudienceFollow(SQLModel, table=True):
    __tablename__ = "audience_follows"

    tenant_id: str = Field(primary_key=True, max_length=64)
    follower_id: int = Field(primary_key=True, foreign_key="audience_accounts.id")
    followed_id: int = Field(primary_key=True, index=True, foreign_key="audience_accounts.id")
    followed_at: datetime | None = None


class AudienceEngagement(SQLModel, table=True):
    __tablename__ = "audience_engagements"
    __table_args__ = (UniqueConstraint("tenant_id", "engagement_key"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    account_id: int = Field(index=True, foreign_key="audience_accounts.id")
    target_id: int | None = Field(default=None, index=True, foreign_key="audience_accounts.id")
    post_id: int | None = Field(default=None, index=True, foreign_key="audience_posts.id")
    kind: EngagementKind
    text: str | None = None
    engaged_at: datetime | None = None
    engagement_key: str = Field(max_length=80)


class AudienceImport(SQLModel, table=True):
    __tablename__ = "audience_imports"

    import_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str = Field(index=True, max_length=64)
    filename: str
    source: str
    summary: str = Field(default="{}", description="JSON: counts of what was stored.")
    warnings: str = Field(default="[]", description="JSON list of sentences.")
    created_at: datetime = Field(default_factory=utcnow)


class AudienceImportRecord(SQLModel, table=True):
    """A record that an import named, so that deleting the import finds what it brought in.

    ``record_id`` is the id of an account, post or engagement; a follow is the pair
    (``record_id`` follower, ``other_id`` followed). A merge of two accounts moves the records
    to the account that stays, so a record can be listed twice for one import.
    """

    __tablename__ = "audience_import_records"
    __table_args__ = (
        Index("ix_audience_import_records_record", "tenant_id", "record_kind", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    import_id: str = Field(index=True, max_length=32)
    record_kind: str = Field(max_length=16, description="account, post, follow or engagement.")
    record_id: int
    other_id: int | None = None


class ErasedHandle(SQLModel, table=True):
    """A person erased on request; later imports skip the handle, so the erasure holds.

    Only a salted SHA-256 of the handle is kept, not the handle itself.
    """

    __tablename__ = "audience_erased_handles"

    tenant_id: str = Field(primary_key=True, max_length=64)
    handle_hash: str = Field(primary_key=True, max_length=64)
    erased_at: datetime = Field(default_factory=utcnow)


class AudienceTextVector(SQLModel, table=True):
    """Embedding of one text, cached so a text is encoded once per model."""

    __tablename__ = "audience_text_vectors"

    tenant_id: str = Field(primary_key=True, max_length=64)
    model_id: str = Field(primary_key=True, max_length=80)
    text_hash: str = Field(primary_key=True, max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CommunityRun(SQLModel, table=True):
    __tablename__ = "audience_community_runs"

    run_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str = Field(index=True, max_length=64)
    parameters: str = Field(description="JSON of the detection parameters, seed included.")
    member_count: int
    assigned_count: int
    created_at: datetime = Field(default_factory=utcnow)


class Community(SQLModel, table=True):
    __tablename__ = "audience_communities"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, foreign_key="audience_community_runs.run_id")
    tenant_id: str = Field(index=True, max_length=64)
    number: int = Field(description="0 for the largest community of the run, 1 for the next.")
    label: str
    keywords: str = Field(description="JSON list.")
    typical_accounts: str = Field(description="JSON list of tracked accounts it leans to.")
    typical_members: str = Field(description="JSON list of member handles nearest its centre.")
    size: int
    share: float
    mean_confidence: float


class CommunityMembership(SQLModel, table=True):
    __tablename__ = "audience_community_memberships"

    run_id: str = Field(primary_key=True, foreign_key="audience_community_runs.run_id")
    account_id: int = Field(primary_key=True, index=True, foreign_key="audience_accounts.id")
    tenant_id: str = Field(index=True, max_length=64)
    community_id: int = Field(index=True, foreign_key="audience_communities.id")
    confidence: float
    runner_up_id: int | None = Field(default=None, foreign_key="audience_communities.id")
    runner_up_share: float = 0.0

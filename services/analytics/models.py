"""Tables the analytics service owns: members, events, participations and themes.

Members are personal data. A row keeps only what the analytics use: a name, an e-mail address
(to match sign-up lists to members), the organisation, and the organisation's industry, size,
postcode and join date. Every row carries its tenant id, and every query filters on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

# The jobs table moved to shared.jobs; these names stay importable from here.
from shared.jobs.models import Job as Job
from shared.jobs.models import JobStatus as JobStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class MemberKind(StrEnum):
    ORGANISATION = "organisation"
    PERSON = "person"


class ParticipationStatus(StrEnum):
    REGISTERED = "registered"
    ATTENDED = "attended"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class Member(SQLModel, table=True):
    __tablename__ = "members"

    tenant_id: str = Field(primary_key=True, max_length=64)
    member_id: str = Field(primary_key=True, max_length=24)
    kind: MemberKind
    name: str
    name_key: str = Field(index=True, description="Lower-cased name used to match rows.")
    organisation_id: str | None = Field(
        default=None, index=True, description="For a contact person: the organisation's member id."
    )
    cvr: str | None = Field(default=None, index=True, max_length=8)
    email: str | None = Field(default=None, index=True)
    member_number: str | None = Field(
        default=None, index=True, max_length=32,
        description="The network's own number for the member, as its exports write it.",
    )
    industry: str | None = None
    industry_code: str | None = None
    employee_band: str | None = None
    postcode: str | None = Field(default=None, max_length=8)
    joined_on: date | None = None
    content_hash: str = Field(default="", description="SHA-256 of the imported fields.")
    enriched_from: str | None = Field(default=None, description="Connector that last enriched.")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ErasedMember(SQLModel, table=True):
    """One identifier of a member erased on request; imports skip rows that carry it again.

    Only a tenant-salted SHA-256 of the identifier (member id, e-mail address, member number or
    CVR number) is kept, never the identifier itself.
    """

    __tablename__ = "analytics_erased_members"

    tenant_id: str = Field(primary_key=True, max_length=64)
    identifier_hash: str = Field(primary_key=True, max_length=64)
    erased_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    __tablename__ = "events"

    tenant_id: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(primary_key=True, max_length=24, description="Hash of title and date.")
    title: str
    held_on: date = Field(index=True)
    type: str = Field(default="")
    location: str = Field(default="")
    description: str = Field(default="")
    content_hash: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Participation(SQLModel, table=True):
    __tablename__ = "participations"

    tenant_id: str = Field(primary_key=True, max_length=64)
    member_id: str = Field(primary_key=True, max_length=24)
    event_id: str = Field(primary_key=True, max_length=24, index=True)
    status: ParticipationStatus
    updated_at: datetime = Field(default_factory=utcnow)


class AnalyticsImport(SQLModel, table=True):
    """One imported file: a member list, an event list or a sign-up list."""

    __tablename__ = "analytics_imports"

    import_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=32, description="members, events or participations.")
    filename: str
    summary: str = Field(default="{}", description="JSON: the import's outcome counts.")
    created_at: datetime = Field(default_factory=utcnow, index=True)


class AnalyticsImportRecord(SQLModel, table=True):
    """A record that an import named, so that deleting the import finds what it brought in."""

    __tablename__ = "analytics_import_records"
    __table_args__ = (
        Index("ix_analytics_import_records_record", "tenant_id", "record_kind", "record_key"),
    )

    tenant_id: str = Field(primary_key=True, max_length=64)
    import_id: str = Field(primary_key=True, max_length=32)
    record_kind: str = Field(primary_key=True, max_length=16)
    record_key: str = Field(
        primary_key=True, max_length=64,
        description="A member id, an event id, or '<member id> <event id>' for a participation.",
    )


class ColumnMapping(SQLModel, table=True):
    """A tenant's saved header -> field mapping for one kind of import file."""

    __tablename__ = "column_mappings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=32)
    mapping: str = Field(description="JSON object: header name -> field name.")
    updated_at: datetime = Field(default_factory=utcnow)


class ThemeRun(SQLModel, table=True):
    __tablename__ = "theme_runs"

    run_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str = Field(index=True, max_length=64)
    model_id: str
    seed: int
    text_count: int
    theme_count: int
    outlier_count: int
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Theme(SQLModel, table=True):
    __tablename__ = "themes"

    run_id: str = Field(primary_key=True, max_length=32)
    theme_id: int = Field(primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    label: str
    keywords: str = Field(description="JSON list of the most distinctive words.")
    size: int
    typical_event_ids: str = Field(description="JSON list, most typical first.")


class ThemeAssignment(SQLModel, table=True):
    __tablename__ = "theme_assignments"

    run_id: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=24)
    tenant_id: str = Field(index=True, max_length=64)
    theme_id: int = Field(description="-1 marks an outlier that fits no theme.")
    similarity: float


class TextEmbedding(SQLModel, table=True):
    """Cached text vectors, so a theme run re-embeds only new or changed descriptions."""

    __tablename__ = "text_embeddings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    model_id: str = Field(primary_key=True, max_length=64)
    text_hash: str = Field(primary_key=True, max_length=64)
    vector: bytes

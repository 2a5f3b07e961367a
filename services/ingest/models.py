"""Tables the ingest service owns: assets and the uploads that brought them."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class AssetStatus(StrEnum):
    STORED = "stored"
    EMBEDDED = "embedded"
    INDEXED = "indexed"
    FAILED = "failed"


class Asset(SQLModel, table=True):
    __tablename__ = "assets"

    tenant_id: str = Field(primary_key=True, max_length=64)
    asset_id: str = Field(primary_key=True, max_length=64, description="SHA-256 of the bytes.")
    filename: str
    folder: str = Field(default="", index=True)
    tags: str = Field(default="", description="Comma-separated tags.")
    content_type: str
    byte_size: int
    width: int
    height: int
    taken_at: datetime | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    status: AssetStatus = Field(default=AssetStatus.STORED, index=True)
    failure_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class UploadItemStatus(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class Upload(SQLModel, table=True):
    __tablename__ = "uploads"

    upload_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str = Field(index=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class UploadItem(SQLModel, table=True):
    """One file of an upload: a photo, or one entry of a zip."""

    __tablename__ = "upload_items"

    id: int | None = Field(default=None, primary_key=True)
    upload_id: str = Field(index=True, foreign_key="uploads.upload_id")
    tenant_id: str = Field(index=True, max_length=64)
    path: str
    asset_id: str | None = None
    status: UploadItemStatus
    reason: str | None = None

"""Response models of the ingest service, kept apart from its tables."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from services.ingest.models import Asset, AssetStatus, UploadItem, UploadItemStatus


def as_utc(value: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; every datetime this service stores is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class AssetPublic(BaseModel):
    asset_id: str = Field(description="SHA-256 of the original's bytes, in hex.")
    filename: str
    folder: str
    tags: list[str]
    content_type: str
    byte_size: int
    width: int = Field(description="Width of the upright photo, in pixels.")
    height: int = Field(description="Height of the upright photo, in pixels.")
    taken_at: datetime | None = Field(description="Date taken from EXIF, in UTC.")
    camera_make: str | None
    camera_model: str | None
    status: AssetStatus
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, asset: Asset) -> AssetPublic:
        return cls(
            asset_id=asset.asset_id,
            filename=asset.filename,
            folder=asset.folder,
            tags=split_tags(asset.tags),
            content_type=asset.content_type,
            byte_size=asset.byte_size,
            width=asset.width,
            height=asset.height,
            taken_at=as_utc(asset.taken_at),
            camera_make=asset.camera_make,
            camera_model=asset.camera_model,
            status=asset.status,
            failure_reason=asset.failure_reason,
            created_at=as_utc(asset.created_at),
            updated_at=as_utc(asset.updated_at),
        )


class AssetPage(BaseModel):
    items: list[AssetPublic]
    total: int = Field(description="Assets matching the filter, over all pages.")
    limit: int
    offset: int
    next: str | None = Field(default=None, description="Link to the next page; null on the last.")


class UploadItemPublic(BaseModel):
    path: str = Field(description='The file name; "archive.zip/folder/photo.jpg" for a zip entry.')
    status: UploadItemStatus
    asset_id: str | None
    reason: str | None = Field(description="Why the file was rejected; null otherwise.")

    @classmethod
    def from_row(cls, item: UploadItem) -> UploadItemPublic:
        return cls(path=item.path, status=item.status, asset_id=item.asset_id, reason=item.reason)


class UploadReport(BaseModel):
    upload_id: str
    created_at: datetime
    stored: int = Field(description="Files stored as new assets.")
    duplicate: int = Field(description="Files this tenant had already uploaded.")
    rejected: int = Field(description="Files rejected; each item gives the reason.")
    items: list[UploadItemPublic]

    @classmethod
    def from_items(
        cls, upload_id: str, created_at: datetime, items: list[UploadItemPublic]
    ) -> UploadReport:
        def count(status: UploadItemStatus) -> int:
            return sum(1 for item in items if item.status == status)

        return cls(
            upload_id=upload_id,
            created_at=as_utc(created_at) or created_at,
            stored=count(UploadItemStatus.STORED),
            duplicate=count(UploadItemStatus.DUPLICATE),
            rejected=count(UploadItemStatus.REJECTED),
            items=items,
        )


def split_tags(tags: str) -> list[str]:
    return [tag for tag in tags.split(",") if tag]

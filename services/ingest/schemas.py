"""Response models of the ingest service, kept apart from its tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from services.ingest.models import Asset, AssetStatus, UploadItem, UploadItemStatus
from shared.openapi_examples import (
    ASSET_ID,
    BASE_URL,
    CREATED_AT,
    OTHER_ASSET_ID,
    UPDATED_AT,
    UPLOAD_ID,
)

AssetIdPath = Annotated[
    str,
    Path(max_length=64, description="SHA-256 of the photo's bytes, in hex.", examples=[ASSET_ID]),
]

ASSET_EXAMPLE = {
    "asset_id": ASSET_ID, "filename": "IMG_4711.jpg", "folder": "Projekter/2023/Trapper",
    "tags": ["trapper", "glas"], "content_type": "image/jpeg", "byte_size": 2481937,
    "width": 3024, "height": 4032, "taken_at": "2023-05-17T10:42:08Z", "camera_make": "Apple",
    "camera_model": "iPhone 13", "status": "indexed", "failure_reason": None,
    "created_at": CREATED_AT, "updated_at": UPDATED_AT,
}
_UPLOAD_EXAMPLE = {
    "upload_id": UPLOAD_ID, "created_at": CREATED_AT, "stored": 1, "duplicate": 1, "rejected": 1,
    "items": [
        {"path": "IMG_4711.jpg", "status": "stored", "asset_id": ASSET_ID, "reason": None},
        {"path": "trapper.zip/Vindeltrappe/IMG_4702.jpg", "status": "duplicate",
         "asset_id": OTHER_ASSET_ID, "reason": None},
        {"path": "trapper.zip/noter.txt", "status": "rejected", "asset_id": None,
         "reason": "The file is not a photo in a supported format (JPEG, PNG, WebP, TIFF, GIF "
         "and HEIC)."},
    ],
}


def as_utc(value: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; every datetime this service stores is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class AssetPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ASSET_EXAMPLE]})

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "items": [ASSET_EXAMPLE], "total": 1840, "limit": 1, "offset": 0,
                "next": f"{BASE_URL}/v1/assets?limit=1&offset=1",
            }]
        }
    )

    items: list[AssetPublic]
    total: int = Field(description="Assets matching the filter, over all pages.")
    limit: int
    offset: int
    next: str | None = Field(default=None, description="Link to the next page; null on the last.")


class UploadItemPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_UPLOAD_EXAMPLE["items"][0]]})

    path: str = Field(description='The file name; "archive.zip/folder/photo.jpg" for a zip entry.')
    status: UploadItemStatus
    asset_id: str | None
    reason: str | None = Field(description="Why the file was rejected; null otherwise.")

    @classmethod
    def from_row(cls, item: UploadItem) -> UploadItemPublic:
        return cls(path=item.path, status=item.status, asset_id=item.asset_id, reason=item.reason)


class UploadReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_UPLOAD_EXAMPLE]})

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

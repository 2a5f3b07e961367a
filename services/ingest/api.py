"""HTTP routes of the ingest service: uploads and assets, for the authenticated tenant only."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from services.ingest.job_kinds import REBUILD_THUMBNAILS, REINDEX
from services.ingest.models import AssetStatus
from services.ingest.schemas import AssetIdPath, AssetPage, AssetPublic, UploadReport
from services.ingest.service import (
    AssetNotFound,
    IngestService,
    InvalidUpload,
    UploadDeleted,
    UploadNotFound,
)
from shared.jobs.api import JobOut, queued_job_example, start_job
from shared.openapi_examples import UPLOAD_ID
from shared.pagination import next_offset_link
from shared.tenancy import TenantId

router = APIRouter(tags=["ingest"])

MAX_FILES_PER_UPLOAD = 10_000
FILE_FIELDS = ("files", "files[]")
# Sent with a 413 so that a client can split its upload to fit without parsing the message.
MAX_UPLOAD_BYTES_HEADER = "X-Max-Upload-Bytes"

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Photos (JPEG, PNG, WebP, TIFF, GIF, HEIC) and zip "
                            "archives of photos. The field may also be named files[].",
                        },
                        "folder": {
                            "type": "string",
                            "description": "Folder for the photos; a zip's own folders go "
                            "below it.",
                            "examples": ["Projekter/2023/Trapper"],
                        },
                        "tags": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Tags for every photo; a value may hold several, "
                            "separated by commas.",
                            "examples": [["trapper", "glas,stål"]],
                        },
                    },
                }
            }
        },
    }
}


# A file has no example that JSON could show; /docs offers the body as a download.
_BINARY = {"type": "string", "format": "binary"}
_NO_ASSET: dict[int | str, dict[str, Any]] = {
    404: {"description": "The tenant has no asset with this id."}
}
_NO_UPLOAD: dict[int | str, dict[str, Any]] = {
    404: {"description": "The tenant has no upload with this id."}
}


def get_ingest(request: Request) -> IngestService:
    return request.app.state.ingest


IngestDep = Annotated[IngestService, Depends(get_ingest)]


@router.post(
    "/v1/uploads",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadReport,
    openapi_extra=_UPLOAD_BODY,
    responses={
        400: {"description": "No files, or an invalid folder or tag."},
        413: {"description": "The upload is larger than the configured limit."},
    },
)
async def create_upload(request: Request, tenant_id: TenantId, ingest: IngestDep) -> UploadReport:
    """Store photos and zip archives; the report gives each file's outcome."""
    limit = ingest.max_upload_bytes
    _reject_declared_size(request, limit)
    _reject_non_multipart(request)
    form = await request.form(max_files=MAX_FILES_PER_UPLOAD, max_fields=100)
    try:
        uploads = [
            value
            for field in FILE_FIELDS
            for value in form.getlist(field)
            if isinstance(value, UploadFile)
        ]
        if not uploads:
            raise _no_files_field(form)
        received = sum(upload.size or 0 for upload in uploads)
        if received > limit:
            raise _too_large(received, limit)
        files = [(upload.filename or "unnamed", await upload.read()) for upload in uploads]
    finally:
        await form.close()
    folder = form.get("folder")
    tags = [value for value in form.getlist("tags") if isinstance(value, str)]

    try:
        return await run_in_threadpool(
            ingest.ingest, tenant_id, files, folder if isinstance(folder, str) else "", tags
        )
    except InvalidUpload as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    except UploadDeleted as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None


@router.get("/v1/uploads/{upload_id}", response_model=UploadReport, responses=_NO_UPLOAD)
def get_upload(
    upload_id: Annotated[str, Path(description="The upload's id.", examples=[UPLOAD_ID])],
    tenant_id: TenantId, ingest: IngestDep) -> UploadReport:
    try:
        return ingest.get_upload(tenant_id, upload_id)
    except UploadNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


@router.get("/v1/assets", response_model=AssetPage)
def list_assets(
    request: Request,
    tenant_id: TenantId,
    ingest: IngestDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Assets per page.", examples=[50])] = 50,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000, description="Assets to skip.", examples=[50])
    ] = 0,
    status_filter: Annotated[
        AssetStatus | None,
        Query(alias="status", description="Only assets in this status.", examples=["failed"]),
    ] = None,
    folder: Annotated[
        str | None,
        Query(description="Only assets in exactly this folder.",
              examples=["Projekter/2023/Trapper"]),
    ] = None,
) -> AssetPage:
    try:
        page = ingest.list_assets(
            tenant_id, limit=limit, offset=offset, status=status_filter, folder=folder
        )
    except InvalidUpload as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    page.next = next_offset_link(request, offset, limit, page.total)
    return page


@router.get("/v1/assets/{asset_id}", response_model=AssetPublic, responses=_NO_ASSET)
def get_asset(asset_id: AssetIdPath, tenant_id: TenantId, ingest: IngestDep) -> AssetPublic:
    try:
        return ingest.get_asset(tenant_id, asset_id)
    except AssetNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


@router.get(
    "/v1/assets/{asset_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {"schema": _BINARY}}}, **_NO_ASSET},
)
def get_thumbnail(asset_id: AssetIdPath, tenant_id: TenantId, ingest: IngestDep) -> Response:
    try:
        data = ingest.thumbnail(tenant_id, asset_id)
    except AssetNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    return Response(data, media_type="image/jpeg", headers=_cache_headers(asset_id))


@router.get(
    "/v1/assets/{asset_id}/original",
    response_class=Response,
    responses={200: {"content": {"image/*": {"schema": _BINARY}}}, **_NO_ASSET},
)
def get_original(asset_id: AssetIdPath, tenant_id: TenantId, ingest: IngestDep) -> Response:
    try:
        asset = ingest.get_asset(tenant_id, asset_id)
        data = ingest.original(tenant_id, asset_id)
    except AssetNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    headers = _cache_headers(asset_id)
    headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(asset.filename)}"
    return Response(data, media_type=asset.content_type, headers=headers)


@router.delete(
    "/v1/assets/{asset_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NO_ASSET
)
def delete_asset(
    asset_id: AssetIdPath, request: Request, tenant_id: TenantId, ingest: IngestDep
) -> Response:
    try:
        ingest.delete_asset(tenant_id, asset_id)
    except AssetNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    groups = getattr(request.app.state, "photo_groups", None)
    if groups is not None:
        groups.forget_assets(tenant_id, [asset_id])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/assets/reindex", status_code=status.HTTP_202_ACCEPTED, tags=["jobs"],
    responses=queued_job_example(REINDEX),
)
def start_reindex(request: Request, tenant_id: TenantId) -> JobOut:
    """Start a job that embeds and indexes every photo of the tenant again."""
    return start_job(request, tenant_id, REINDEX, {})


@router.post(
    "/v1/assets/thumbnails/rebuild", status_code=status.HTTP_202_ACCEPTED, tags=["jobs"],
    responses=queued_job_example(REBUILD_THUMBNAILS),
)
def start_thumbnail_rebuild(request: Request, tenant_id: TenantId) -> JobOut:
    """Start a job that makes every thumbnail of the tenant again from its original."""
    return start_job(request, tenant_id, REBUILD_THUMBNAILS, {})


def _reject_declared_size(request: Request, limit: int) -> None:
    # Checked before the body is read, so an oversized upload is not spooled to disk first.
    # NOTE: a chunked upload without Content-Length is measured only after it is received.
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)


_FILES_FIELD_HINT = (
    'Send each photo or zip as a multipart/form-data file field named "files", '
    "for example: curl -F files=@photo.jpg."
)


def _reject_non_multipart(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        return
    received = content_type or "no content type"
    raise HTTPException(
        status.HTTP_400_BAD_REQUEST,
        f"The upload contains no files: the body is {received}, not multipart/form-data. "
        + _FILES_FIELD_HINT,
    )


def _no_files_field(form: FormData) -> HTTPException:
    fields = sorted(set(form.keys()))
    received = ", ".join(f'"{field}"' for field in fields) if fields else "none"
    return HTTPException(
        status.HTTP_400_BAD_REQUEST,
        f'The upload contains no files in a field named "files"; the form fields received '
        f"were: {received}. " + _FILES_FIELD_HINT,
    )


def _too_large(size: int, limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"The upload is {size:,} bytes, over the limit of {limit:,} bytes; "
        "send the photos in several smaller uploads.",
        headers={MAX_UPLOAD_BYTES_HEADER: str(limit)},
    )


def _cache_headers(asset_id: str) -> dict[str, str]:
    # The asset id is the hash of the content, so the bytes behind a URL never change.
    return {"Cache-Control": "private, max-age=86400", "ETag": f'"{asset_id}"'}

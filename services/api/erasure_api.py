"""Routes that delete a tenant's data sets or the whole tenant, and report what was removed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.analytics.importing.provenance import AnalyticsImports
from services.api.erasure import DATASETS, StoreCounts, TenantEraser, dataset_tables
from services.audience.imports import AudienceImports
from services.ingest.imports import PhotoImports
from shared.imports import ImportInProgress, ImportNotFound, ImportRegistry, ImportRemoval
from shared.openapi_examples import TENANT_ID, response_examples
from shared.pagination import Cursor, Limit, Page, offset_from, offset_page
from shared.tenancy import TenantId

router = APIRouter(prefix="/v1", tags=["deletion"])

Dataset = Literal["photos", "analytics", "audience"]


_PHOTO_COUNTS = {
    "database": {"upload_items": 3, "uploads": 1, "assets": 2}, "vectors": 2, "objects": 4,
}
_NO_COUNTS: dict[str, object] = {"database": {}, "vectors": 0, "objects": 0}


class StoreCountsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_PHOTO_COUNTS]})

    database: dict[str, int] = Field(description="Rows per table.", examples=[{"assets": 12}])
    vectors: int = Field(description="Vectors in the search index.")
    objects: int = Field(description="Stored files: originals and thumbnails.")

    @classmethod
    def of(cls, counts: StoreCounts) -> StoreCountsOut:
        return cls(database=counts.database, vectors=counts.vectors, objects=counts.objects)


_IMPORT_ID = "3f9c2a7e5b1d4c08a6e2f7b9d0c1e4a5"
_IMPORT = {
    "import_id": _IMPORT_ID, "kind": "participations", "label": "tilmeldinger-marts.xlsx",
    "created_at": "2026-03-02T10:05:19.561204Z", "records": 412, "files": 1,
}


class DatasetImport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_IMPORT]})

    import_id: str = Field(examples=[_IMPORT_ID])
    kind: str = Field(
        description="'upload' for photos; members, events or participations for analytics; "
        "the file's source for audience.",
        examples=["members"],
    )
    label: str = Field(
        description="The file name; for an upload of several files, the first one's path.",
        examples=["medlemmer-2026.xlsx"],
    )
    created_at: datetime
    records: int = Field(
        description="Records the import named: photos, members, events, participations, "
        "accounts, posts, follows or engagements.",
        examples=[412],
    )
    files: int = Field(description="Files in the import: more than 1 for a photo upload of "
                       "several files or a zip.", examples=[1])


class ImportErased(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "tenant_id": TENANT_ID, "dataset": "analytics", "import_id": _IMPORT_ID,
                "removed": {
                    "database": {
                        "participations": 120, "members": 3, "events": 1,
                        "analytics_import_records": 236, "analytics_imports": 1,
                    },
                    "vectors": 0, "objects": 0,
                },
                "kept": 112,
            }]
        }
    )

    tenant_id: str
    dataset: str
    import_id: str
    removed: StoreCountsOut
    kept: int = Field(
        description="Records of the import that stay because another import also names them, "
        "or a remaining record refers to them."
    )


class Erased(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"tenant_id": TENANT_ID, "erased": "photos", "removed": _PHOTO_COUNTS}]
        }
    )

    tenant_id: str
    erased: str = Field(description="'tenant' or the name of the data set.")
    removed: StoreCountsOut


def check_confirmation(confirm: str, expected: str, deleted: str) -> None:
    """Raise 422 unless ``confirm`` repeats the name or id of what the request deletes."""
    if confirm != expected:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"confirmation {confirm!r} does not match: pass confirm={expected} to delete {deleted}",
        )


def eraser(request: Request) -> TenantEraser:
    state = request.app.state
    return TenantEraser(
        state.tenants.engine, getattr(state, "objects", None), getattr(state, "search", None)
    )


Eraser = Annotated[TenantEraser, Depends(eraser)]


# Not a model: the data sets are the keys, and DATASETS may gain more.
@router.get(
    "/datasets",
    responses=response_examples({
        "application/json": {
            "photos": _PHOTO_COUNTS, "analytics": _NO_COUNTS, "audience": _NO_COUNTS,
        }
    }),
)
def list_datasets(tenant_id: TenantId, erasing: Eraser) -> dict[str, StoreCountsOut]:
    """Return how many items each data set has in each store."""
    held = {}
    for name in DATASETS:
        counts = erasing.inventory(tenant_id, dataset_tables(name))
        if name != "photos":
            counts.vectors = counts.objects = 0
        held[name] = StoreCountsOut.of(counts)
    return held


DatasetPath = Annotated[Dataset, Path(description="The data set.", examples=["analytics"])]


def import_registry(dataset: DatasetPath, request: Request) -> ImportRegistry:
    state = request.app.state
    engine = state.tenants.engine
    match dataset:
        case "photos":
            ingest = getattr(state, "ingest", None)
            if ingest is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "this server stores no photos")
            return PhotoImports(
                engine, ingest, getattr(state, "search", None), getattr(state, "photo_groups", None)
            )
        case "analytics":
            return AnalyticsImports(engine)
        case "audience":
            return AudienceImports(engine)


Registry = Annotated[ImportRegistry, Depends(import_registry)]
ImportIdPath = Annotated[
    str, Path(max_length=64, description="The import id its import report returned.",
              examples=[_IMPORT_ID])
]


@router.get("/datasets/{dataset}/imports")
def list_imports(
    request: Request,
    dataset: DatasetPath,
    tenant_id: TenantId,
    registry: Registry,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DatasetImport]:
    """List the data set's imports, newest first: photo uploads, member and event files, or
    Instagram files."""
    offset = offset_from(cursor)
    rows = registry.list_imports(tenant_id, limit + 1, offset)
    items = [DatasetImport.model_validate(row, from_attributes=True) for row in rows]
    return offset_page(request, items, offset, limit)


@router.delete("/datasets/{dataset}/imports/{import_id}")
def delete_import(
    dataset: DatasetPath,
    import_id: ImportIdPath,
    tenant_id: TenantId,
    registry: Registry,
    confirm: Annotated[
        str, Query(max_length=64, description="The import id again.", examples=[_IMPORT_ID])
    ],
) -> ImportErased:
    """Delete one import and the records that no other import names, in every store."""
    check_confirmation(confirm, import_id, "the import and the records only it brought in")
    try:
        removed = registry.delete_import(tenant_id, import_id)
    except ImportNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except ImportInProgress as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return ImportErased(
        tenant_id=tenant_id, dataset=dataset, import_id=import_id,
        removed=_removed_counts(removed), kept=removed.kept,
    )


def _removed_counts(removed: ImportRemoval) -> StoreCountsOut:
    return StoreCountsOut(
        database=removed.database, vectors=removed.vectors, objects=removed.objects
    )


@router.delete("/datasets/{dataset}")
def delete_dataset(
    dataset: Annotated[Dataset, Path(description="The data set to delete.", examples=["audience"])],
    tenant_id: TenantId,
    erasing: Eraser,
    confirm: Annotated[
        str,
        Query(max_length=64, description="The data set's name again.", examples=["audience"]),
    ],
) -> Erased:
    """Delete every row of one data set, and for photos their vectors, originals and thumbnails."""
    check_confirmation(confirm, dataset, "it")
    removed = erasing.erase_dataset(tenant_id, dataset)
    return Erased(tenant_id=tenant_id, erased=dataset, removed=StoreCountsOut.of(removed))


@router.delete("/tenant")
def delete_tenant(
    tenant_id: TenantId,
    erasing: Eraser,
    confirm: Annotated[
        str, Query(max_length=64, description="The tenant's id again.", examples=[TENANT_ID])
    ],
) -> Erased:
    """Delete the tenant and everything it has in every store; its keys and users stop working."""
    check_confirmation(confirm, tenant_id, "the tenant and all its data")
    removed = erasing.erase_tenant(tenant_id)
    return Erased(tenant_id=tenant_id, erased="tenant", removed=StoreCountsOut.of(removed))

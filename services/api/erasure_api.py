"""Routes that delete a tenant's data sets or the whole tenant, and report what was removed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.api.erasure import DATASETS, StoreCounts, TenantEraser, dataset_tables
from shared.openapi_examples import TENANT_ID, response_examples
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


class Erased(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"tenant_id": TENANT_ID, "erased": "photos", "removed": _PHOTO_COUNTS}]
        }
    )

    tenant_id: str
    erased: str = Field(description="'tenant' or the name of the data set.")
    removed: StoreCountsOut


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
    if confirm != dataset:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"confirmation {confirm!r} does not match: pass confirm={dataset} to delete it",
        )
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
    if confirm != tenant_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"confirmation {confirm!r} does not match: pass confirm={tenant_id} to delete the "
            "tenant and all its data",
        )
    removed = erasing.erase_tenant(tenant_id)
    return Erased(tenant_id=tenant_id, erased="tenant", removed=StoreCountsOut.of(removed))

"""HTTP routes of the search service: text search and similar photos, for the caller's tenant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from services.embedding.runtime import ModelUnavailable
from services.ingest.images import PhotoRejected
from services.ingest.schemas import AssetIdPath
from services.ingest.service import InvalidUpload, normalize_folder
from services.search.groups_api import router as groups_router
from services.search.index import InvalidSearch, SearchFilters, SearchPage
from services.search.service import MAX_LIMIT, MAX_OFFSET, AssetNotFound, SearchService
from services.search.store import ModelMismatch
from shared.openapi_examples import ASSET_ID, BASE_URL, OTHER_ASSET_ID
from shared.tenancy import TenantId

router = APIRouter(tags=["search"])
# Visual groups are part of the search service and are served wherever its routes are.
router.include_router(groups_router)

MAX_QUERY_PHOTO_BYTES = 64 * 1024 * 1024
"""Largest photo accepted as a query; a larger one is refused before it is decoded."""


_HIT = {
    "asset_id": ASSET_ID, "score": 0.3127, "filename": "IMG_4711.jpg",
    "folder": "Projekter/2023/Trapper", "tags": ["trapper", "glas"],
    "taken_at": "2023-05-17T10:42:08Z",
}
_OTHER_HIT = {
    "asset_id": OTHER_ASSET_ID, "score": 0.2894, "filename": "IMG_4702.jpg",
    "folder": "Projekter/2023/Trapper/Vindeltrappe", "tags": ["trapper"], "taken_at": None,
}


class SearchHitPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_HIT]})

    asset_id: str
    score: float = Field(description="Cosine similarity to the query; higher is closer.")
    filename: str
    folder: str
    tags: list[str]
    taken_at: datetime | None = Field(description="When the photo was taken (UTC), if known.")


class SearchPagePublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "hits": [_HIT, _OTHER_HIT], "limit": 2, "offset": 0, "has_more": True,
                "model": "xlm-roberta-base-ViT-B-32__laion5b_s13b_b90k",
                "next": f"{BASE_URL}/v1/search?q=vindeltrappe+med+glasr%C3%A6kv%C3%A6rk&limit=2"
                "&offset=2",
            }]
        }
    )

    hits: list[SearchHitPublic]
    limit: int
    offset: int
    has_more: bool = Field(description="True when another page follows this one.")
    model: str = Field(description="The embedding model whose vectors were searched.")
    next: str | None = Field(
        default=None,
        description="Link to the next page; null on the last page and for a search by uploaded "
        "photo, whose photo a link cannot carry.",
    )

    @classmethod
    def from_page(cls, page: SearchPage) -> SearchPagePublic:
        hits = [
            SearchHitPublic(
                asset_id=hit.asset_id,
                score=hit.score,
                filename=hit.filename,
                folder=hit.folder,
                tags=list(hit.tags),
                taken_at=hit.taken_at,
            )
            for hit in page.hits
        ]
        return cls(
            hits=hits,
            limit=page.limit,
            offset=page.offset,
            has_more=page.has_more,
            model=page.model_id,
        )


def get_search(request: Request) -> SearchService:
    return request.app.state.search


SearchDep = Annotated[SearchService, Depends(get_search)]


def search_filters(
    taken_from: Annotated[
        date | datetime | None,
        Query(
            description="Only photos taken at or after this date or ISO 8601 time; a date "
            "means its first moment, a time without a zone means UTC.",
            examples=["2023-01-01"],
        ),
    ] = None,
    taken_to: Annotated[
        date | datetime | None,
        Query(
            description="Only photos taken at or before this date or ISO 8601 time; a date "
            "includes the whole day, a time without a zone means UTC.",
            examples=["2023-12-31"],
        ),
    ] = None,
    folder: Annotated[
        str | None,
        Query(
            min_length=1, max_length=1024, description="Only photos in exactly this folder.",
            examples=["Projekter/2023/Trapper"],
        ),
    ] = None,
    tag: Annotated[
        str | None,
        Query(
            min_length=1, max_length=256, description="Only photos with this tag.",
            examples=["glas"],
        ),
    ] = None,
) -> SearchFilters:
    try:
        # The same spelling rule as at upload, so "/site/" finds photos filed under "site".
        folder = normalize_folder(folder) if folder is not None else None
        return SearchFilters(
            taken_from=_first_moment(taken_from),
            taken_to=_last_moment(taken_to),
            folder=folder or None,
            tag=tag,
        )
    except (InvalidSearch, InvalidUpload) as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None


FiltersDep = Annotated[SearchFilters, Depends(search_filters)]
Limit = Annotated[
    int | None,
    Query(
        ge=1, le=MAX_LIMIT, description="Hits per page; the server's default when absent.",
        examples=[20],
    ),
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Hits to skip.", examples=[20])]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Parameters that cannot be combined, or a photo that was rejected."},
    409: {"description": "The collection holds vectors of another model than the encoder's."},
    503: {"description": "The embedding model is not available; the detail says why."},
}
_NO_ASSET: dict[int | str, dict[str, Any]] = {
    404: {"description": "The tenant has no indexed photo with this id."},
}


@router.get("/v1/search", response_model=SearchPagePublic, responses=_ERRORS)
def search_text(
    request: Request,
    tenant_id: TenantId,
    search: SearchDep,
    filters: FiltersDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=1000, description="What the photos show, in any "
              "language the model reads.",
              examples=["vindeltrappe med glasrækværk", "spiral staircase with glass railing"]),
    ],
    limit: Limit = None,
    offset: Offset = 0,
) -> SearchPagePublic:
    """Find the tenant's photos that match a description, best match first."""
    page = _answer(lambda: search.search_text(tenant_id, q, filters, limit, offset))
    return _with_next_link(request, page)


@router.get(
    "/v1/assets/{asset_id}/similar",
    response_model=SearchPagePublic,
    responses={**_ERRORS, **_NO_ASSET},
)
def similar_to_asset(
    request: Request,
    asset_id: AssetIdPath,
    tenant_id: TenantId,
    search: SearchDep,
    filters: FiltersDep,
    limit: Limit = None,
    offset: Offset = 0,
    exclude_self: Annotated[
        bool,
        Query(
            description="Leave the photo itself out; by default it comes first.", examples=[True]
        ),
    ] = False,
) -> SearchPagePublic:
    """Find the tenant's photos that look like one of its indexed photos."""
    page = _answer(
        lambda: search.similar_to_asset(
            tenant_id, asset_id, filters, limit, offset, exclude_self=exclude_self
        )
    )
    return _with_next_link(request, page)


@router.post(
    "/v1/search/similar",
    response_model=SearchPagePublic,
    responses={**_ERRORS, 413: {"description": "The photo is larger than the limit."}},
)
async def similar_to_photo(
    tenant_id: TenantId,
    search: SearchDep,
    filters: FiltersDep,
    photo: Annotated[UploadFile, File(description="A photo (JPEG, PNG, WebP, TIFF, GIF, HEIC).")],
    limit: Limit = None,
    offset: Offset = 0,
) -> SearchPagePublic:
    """Find the tenant's photos that look like an uploaded photo, which is not stored."""
    data = await photo.read(MAX_QUERY_PHOTO_BYTES + 1)
    if len(data) > MAX_QUERY_PHOTO_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"The photo is over the limit of {MAX_QUERY_PHOTO_BYTES:,} bytes; send a smaller copy.",
        )

    def run() -> SearchPage:
        image = search.decode_photo(data)
        return search.similar_to_photo(tenant_id, image, filters, limit, offset)

    return await run_in_threadpool(_answer, run)


def _answer(run: Callable[[], SearchPage]) -> SearchPagePublic:
    try:
        return SearchPagePublic.from_page(run())
    except InvalidSearch as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    except PhotoRejected as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"The photo was rejected: {error.reason}"
        ) from None
    except AssetNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except ModelUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from None
    except ModelMismatch as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None


def _with_next_link(request: Request, page: SearchPagePublic) -> SearchPagePublic:
    next_offset = page.offset + page.limit
    # Past MAX_OFFSET the link would be rejected, so the last reachable page has none.
    if page.has_more and next_offset <= MAX_OFFSET:
        page.next = str(request.url.include_query_params(offset=next_offset))
    return page


def _first_moment(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return _as_utc(value)
    return datetime.combine(value, time.min, UTC)


def _last_moment(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return _as_utc(value)
    return datetime.combine(value, time.max, UTC)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)

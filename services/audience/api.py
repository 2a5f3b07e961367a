"""HTTP resources of the audience service for the web frontend, under /v1/audience.

Every route takes the tenant from TenantId, and another tenant's object returns 404 as if it
did not exist. Bad input returns 422 (or 413 for an upload that is too large) with a sentence
that names the problem.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from services.audience.importing import InvalidImport
from services.audience.importing.records import AccountRole
from services.audience.job_kinds import COMMUNITIES
from services.audience.schemas import (
    CommunityMemberOut,
    CommunityMemberPage,
    CommunityOut,
    CommunityRunIn,
    CommunityRunOut,
    ComparisonOut,
    EngagementOut,
    ErasureOut,
    ImportOut,
    PersonOut,
)
from services.audience.service import (
    AudienceService,
    InvalidRequest,
    NotFound,
    validate_influencer_count,
)
from shared.jobs.api import JobOut, queued_job_example, start_job
from shared.openapi_examples import (
    AUDIENCE_IMPORT_ID,
    BASE_URL,
    COMMUNITY_RUN_ID,
    INFLUENCER,
    response_examples,
)
from shared.pagination import (
    Cursor,
    Limit,
    Page,
    next_offset_link,
    offset_from,
    offset_page,
)
from shared.tenancy import TenantId

router = APIRouter(prefix="/v1/audience", tags=["audience"])
# Bounded so that an id past the database's 64-bit integers is a 422, not a failed query.
CommunityId = Annotated[int, Path(ge=0, le=2**63 - 1, examples=[2])]
Handle = Annotated[str, Path(description="A current or earlier handle.", examples=["sofa_sanne"])]

MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def audience_service(request: Request) -> AudienceService:
    return request.app.state.audience


Service = Annotated[AudienceService, Depends(audience_service)]


def _not_found(error: NotFound) -> HTTPException:
    return HTTPException(status_code=404, detail=str(error))


def _invalid(error: Exception) -> HTTPException:
    return HTTPException(status_code=422, detail=str(error))


@router.post("/imports", status_code=201, response_model=ImportOut)
def create_import(
    tenant_id: TenantId,
    service: Service,
    file: Annotated[UploadFile, File(description="Export zip, Graph API JSON or CSV.")],
    account: Annotated[
        str | None,
        Form(
            description="Handle of the account the file is about, if it names none.",
            examples=["nordlys_mobler"],
        ),
    ] = None,
    role: Annotated[
        AccountRole | None, Form(description="Role of that account.", examples=["brand"])
    ] = None,
) -> ImportOut:
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"{file.filename} is larger than {MAX_UPLOAD_BYTES} bytes")
    try:
        result = service.import_file(
            tenant_id, file.filename or "upload", data, account=account, role=role
        )
    except InvalidImport as error:
        raise _invalid(error) from error
    return ImportOut.model_validate(result)


@router.get("/imports/{import_id}", response_model=ImportOut)
def get_import(
    tenant_id: TenantId,
    service: Service,
    import_id: Annotated[str, Path(examples=[AUDIENCE_IMPORT_ID])],
) -> ImportOut:
    try:
        return ImportOut.model_validate(service.get_import(tenant_id, import_id))
    except NotFound as error:
        raise _not_found(error) from error


@router.post(
    "/community-runs", status_code=202, response_model=JobOut,
    responses=queued_job_example(COMMUNITIES),
)
def create_community_run(
    request: Request, tenant_id: TenantId, service: Service, body: CommunityRunIn | None = None
) -> JobOut:
    """Start a community run as a job; its result names the run to read when it succeeds."""
    if not service.has_audience(tenant_id):
        raise HTTPException(
            409, "the tenant has no audience members yet; import followers or comments first"
        )
    requested = body or CommunityRunIn()
    return start_job(request, tenant_id, COMMUNITIES, requested.model_dump())


@router.get("/community-runs/{run_id}", response_model=CommunityRunOut)
def get_community_run(
    tenant_id: TenantId,
    service: Service,
    run_id: Annotated[
        str,
        Path(description="A run's id, or latest for the newest run.",
             examples=[COMMUNITY_RUN_ID, "latest"]),
    ],
) -> CommunityRunOut:
    try:
        if run_id == "latest":
            run_id = service.latest_run_id(tenant_id)
        return CommunityRunOut.model_validate(service.community_run(tenant_id, run_id))
    except NotFound as error:
        raise _not_found(error) from error


@router.get("/communities", response_model=Page[CommunityOut])
def list_communities(
    request: Request, tenant_id: TenantId, service: Service, limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CommunityOut]:
    """Return one page of the latest run's communities, largest first."""
    offset = offset_from(cursor)
    try:
        run = service.community_run(tenant_id, service.latest_run_id(tenant_id))
    except NotFound as error:
        raise _not_found(error) from error
    rows = [CommunityOut.model_validate(c) for c in run.communities[offset : offset + limit + 1]]
    return offset_page(request, rows, offset, limit)


@router.get("/communities/{community_id}", response_model=CommunityOut)
def get_community(tenant_id: TenantId, service: Service, community_id: CommunityId) -> CommunityOut:
    try:
        return CommunityOut.model_validate(service.community(tenant_id, community_id))
    except NotFound as error:
        raise _not_found(error) from error


@router.get("/communities/{community_id}/members", response_model=CommunityMemberPage)
def list_community_members(
    request: Request,
    tenant_id: TenantId,
    service: Service,
    community_id: CommunityId,
    limit: Annotated[int, Query(ge=1, le=500, examples=[50])] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, examples=[50])] = 0,
) -> CommunityMemberPage:
    try:
        total, rows = service.community_members(tenant_id, community_id, limit, offset)
    except NotFound as error:
        raise _not_found(error) from error
    items = [CommunityMemberOut.model_validate(row) for row in rows]
    return CommunityMemberPage(
        total=total, limit=limit, offset=offset, items=items,
        next=next_offset_link(request, offset, limit, total),
    )


@router.get("/comparison", response_model=ComparisonOut)
def compare_influencers(
    tenant_id: TenantId,
    service: Service,
    influencers: Annotated[
        str,
        Query(
            description="Comma-separated handles of 1 to 20 influencers.",
            examples=["hyggeligt_hjem,nordisk.bolig"],
        ),
    ],
) -> ComparisonOut:
    handles = [h for h in (part.strip() for part in influencers.split(",")) if h]
    try:
        validate_influencer_count(handles)
        return ComparisonOut.model_validate(service.compare(tenant_id, handles))
    except InvalidRequest as error:
        raise _invalid(error) from error
    except NotFound as error:
        raise _not_found(error) from error


@router.get("/accounts/{handle}/engagement", response_model=EngagementOut)
def get_engagement(
    tenant_id: TenantId,
    service: Service,
    handle: Annotated[str, Path(description="The account's handle.", examples=[INFLUENCER])],
) -> EngagementOut:
    try:
        return EngagementOut.model_validate(service.engagement(tenant_id, handle))
    except InvalidRequest as error:
        raise _invalid(error) from error
    except NotFound as error:
        raise _not_found(error) from error


@router.get(
    "/people",
    response_model=Page[str],
    responses=response_examples({
        "application/json": {
            "items": ["hygge_helle", "hyggehanne"],
            "next": f"{BASE_URL}/v1/audience/people?q=hygge&limit=2&cursor=2",
        }
    }),
)
def find_people(
    request: Request,
    tenant_id: TenantId,
    service: Service,
    q: Annotated[
        str,
        Query(min_length=1, max_length=30, description="Start of a handle.", examples=["hygge"]),
    ],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[str]:
    """Return one page of the handles that start with ``q``, in alphabetical order."""
    offset = offset_from(cursor)
    return offset_page(request, service.find_people(tenant_id, q, limit + 1, offset), offset, limit)


@router.get("/people/{handle}", response_model=PersonOut)
def get_person(tenant_id: TenantId, service: Service, handle: Handle) -> PersonOut:
    """Return everything stored about one person, found by current or earlier handle."""
    try:
        return PersonOut.model_validate(service.person(tenant_id, handle))
    except InvalidRequest as error:
        raise _invalid(error) from error
    except NotFound as error:
        raise _not_found(error) from error


# The model documents the body; the JSONResponse itself passes through unchanged.
@router.get("/people/{handle}/export", response_model=PersonOut)
def export_person(tenant_id: TenantId, service: Service, handle: Handle) -> JSONResponse:
    """Return the same data as a JSON file download, for an access or portability request."""
    person = get_person(tenant_id, service, handle)
    return JSONResponse(
        person.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="{person.handle}.json"'},
    )


@router.delete("/people/{handle}", response_model=ErasureOut)
def erase_person(tenant_id: TenantId, service: Service, handle: Handle) -> ErasureOut:
    """Erase the person's data; later imports skip the person's handles."""
    try:
        return ErasureOut.model_validate(service.erase(tenant_id, handle))
    except InvalidRequest as error:
        raise _invalid(error) from error
    except NotFound as error:
        raise _not_found(error) from error

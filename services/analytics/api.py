"""HTTP API of the analytics service: imports, figures, themes, overview and members.

Handlers read the service from ``request.app.state.analytics`` and the tenant from TenantId.
An id of another tenant gets 404, as if it did not exist.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from services.analytics.enrichment.register_file import RegisterFileConnector
from services.analytics.figures import Figure
from services.analytics.importing.columns import FileKind, MissingColumns
from services.analytics.importing.tables import UnreadableFile
from services.analytics.job_kinds import THEMES as THEMES_JOB
from services.analytics.participation import FIGURES
from services.analytics.schemas import (
    MEMBER_EXPORT,
    MEMBER_MATCH,
    MONTHS,
    NO_SHOWS,
    NO_SHOWS_CSV,
    OVERVIEW,
    OVERVIEW_HTML,
    THEMES,
    THEMES_OVER_TIME,
    THEMES_OVER_TIME_CSV,
    THEMES_PER_MEMBER,
    THEMES_PER_MEMBER_CSV,
    ColumnMappingOut,
    EnrichmentReportOut,
    FigureNamesOut,
    FigureOut,
    FigureSetOut,
    ImportReportOut,
    MemberDeletionOut,
)
from services.analytics.service import AnalyticsService
from shared.jobs.api import JobOut, queued_job_example, start_job
from shared.openapi_examples import MEMBER_ID, response_examples
from shared.pagination import Cursor, Limit, Page, offset_from, offset_page
from shared.tenancy import TenantId

router = APIRouter(tags=["analytics"])

ImportKind = Literal["members", "events", "participations"]
ImportKindPath = Annotated[ImportKind, Path(examples=["members"])]
OutputFormat = Literal["json", "csv"]
FormatQuery = Annotated[
    OutputFormat, Query(description="json, or csv for a CSV file download", examples=["csv"])
]
DanishQuery = Annotated[
    bool, Query(description="CSV with ';' and decimal commas", examples=[True])
]
MemberIdPath = Annotated[str, Path(description="The member's id.", examples=[MEMBER_ID])]

# Options each figure accepts from the query string.
FIGURE_OPTIONS = {
    "conversion": ("window_days", "as_of"),
    "cohorts": ("as_of",),
    "lapsed": ("after_days", "min_attended", "as_of"),
    "top-members": ("limit",),
}


class MemberMatch(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [MEMBER_MATCH]})

    member_id: str
    kind: str = Field(examples=["person", "organisation"])
    name: str
    email: str | None
    organisation_id: str | None


class ColumnMappingBody(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"mapping": {"Firmanavn": "organisation"}}]}
    )

    mapping: dict[str, str]
    """Header name in the tenant's files -> field name, e.g. {"Firmanavn": "organisation"}."""


def _service(request: Request) -> AnalyticsService:
    return request.app.state.analytics


def _figure_response(figure: Figure, output: OutputFormat, danish: bool) -> object:
    if output == "csv":
        return Response(
            content=figure.to_csv(danish=danish).encode("utf-8-sig" if danish else "utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{figure.name}.csv"'},
        )
    return figure.as_dict()


@router.post("/v1/analytics/imports/{kind}", response_model=ImportReportOut)
async def import_file(
    kind: ImportKindPath,
    request: Request,
    tenant_id: TenantId,
    file: Annotated[UploadFile, File(description="CSV or XLSX export")],
    mapping: Annotated[
        str | None,
        Form(
            description="JSON object: header name -> field, for this file only",
            examples=['{"Firmanavn": "organisation"}'],
        ),
    ] = None,
) -> dict[str, object]:
    override = _parse_mapping(mapping) if mapping else None
    data = await file.read()
    try:
        report = _service(request).import_file(
            tenant_id, FileKind(kind), file.filename or "upload", data, override
        )
    except (UnreadableFile, MissingColumns, ValueError) as error:
        raise HTTPException(422, str(error)) from None
    return asdict(report)


def _parse_mapping(text: str) -> dict[str, str]:
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as error:
        raise HTTPException(422, f"invalid column mapping: not JSON ({error})") from None
    if not isinstance(mapping, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in mapping.items()
    ):
        raise HTTPException(422, "invalid column mapping: expected an object of header: field")
    return mapping


@router.get("/v1/analytics/column-mappings/{kind}", response_model=ColumnMappingOut)
def get_column_mapping(kind: ImportKindPath, request: Request, tenant_id: TenantId) -> dict:
    mapping = _service(request).importer.saved_mapping(tenant_id, FileKind(kind))
    return {"kind": kind, "mapping": mapping}


@router.put("/v1/analytics/column-mappings/{kind}", response_model=ColumnMappingOut)
def put_column_mapping(
    kind: ImportKindPath, body: ColumnMappingBody, request: Request, tenant_id: TenantId
) -> dict:
    try:
        _service(request).importer.save_mapping(tenant_id, FileKind(kind), body.mapping)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    return {"kind": kind, "mapping": body.mapping}


@router.post("/v1/analytics/enrichment/company-register", response_model=EnrichmentReportOut)
async def enrich_from_register(
    request: Request,
    tenant_id: TenantId,
    file: Annotated[UploadFile, File(description="Company register extract, CSV or XLSX")],
) -> dict[str, object]:
    connector = RegisterFileConnector(filename=file.filename or "register", data=await file.read())
    try:
        report = _service(request).enrich(tenant_id, connector)
    except (UnreadableFile, MissingColumns) as error:
        raise HTTPException(422, str(error)) from None
    return asdict(report) | {"rejected": [asdict(row) for row in connector.rejected]}


@router.get("/v1/analytics/participation", response_model=FigureNamesOut)
def list_figures() -> dict[str, list[str]]:
    return {"figures": list(FIGURES)}


@router.get(
    "/v1/analytics/figures",
    response_model=FigureSetOut,
    responses=response_examples(
        {"application/json": {"figures": {"no-shows": NO_SHOWS, "months": MONTHS}}}
    ),
)
def several_figures(
    request: Request,
    tenant_id: TenantId,
    names: Annotated[
        str,
        Query(
            description="Comma-separated figure names, as listed by /participation",
            examples=["no-shows,months"],
        ),
    ],
) -> dict[str, dict[str, object]]:
    """Several figures with default options from one read of the data, for dashboards."""
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in FIGURES]
    if not wanted or unknown:
        shown = ", ".join(unknown) if unknown else "none"
        raise HTTPException(
            422, f"unknown figure names: {shown}; available: {', '.join(FIGURES)}"
        )
    figures = _service(request).figures(tenant_id, list(dict.fromkeys(wanted)))
    return {"figures": {name: figure.as_dict() for name, figure in figures.items()}}


@router.get(
    "/v1/analytics/participation/{figure}",
    response_model=FigureOut,
    responses=response_examples({"application/json": NO_SHOWS, "text/csv": NO_SHOWS_CSV}),
)
def participation_figure(
    figure: Annotated[
        str, Path(description="A figure name, as listed by /participation", examples=["no-shows"])
    ],
    request: Request,
    tenant_id: TenantId,
    format: FormatQuery = "json",
    danish: DanishQuery = False,
    window_days: Annotated[int | None, Query(ge=1, le=3650, examples=[180])] = None,
    after_days: Annotated[int | None, Query(ge=1, le=3650, examples=[365])] = None,
    min_attended: Annotated[int | None, Query(ge=1, examples=[2])] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, examples=[10])] = None,
    as_of: Annotated[date | None, Query(examples=["2024-06-30"])] = None,
) -> object:
    if figure not in FIGURES:
        raise HTTPException(404, f"unknown figure {figure!r}; available: {', '.join(FIGURES)}")
    query_options = {
        "window_days": window_days, "after_days": after_days, "min_attended": min_attended,
        "limit": limit, "as_of": as_of,
    }
    options = {
        name: value
        for name, value in query_options.items()
        if value is not None and name in FIGURE_OPTIONS.get(figure, ())
    }
    return _figure_response(_service(request).figure(tenant_id, figure, **options), format, danish)


@router.post("/v1/analytics/themes/runs", status_code=202, responses=queued_job_example(THEMES_JOB))
def start_theme_run(request: Request, tenant_id: TenantId) -> JobOut:
    return start_job(request, tenant_id, THEMES_JOB, {})


# The run and the themes are the theme store's own records, so the body has an example only.
@router.get("/v1/analytics/themes", responses=response_examples({"application/json": THEMES}))
def get_themes(request: Request, tenant_id: TenantId) -> dict[str, object]:
    service = _service(request)
    run = service.themes.latest_run(tenant_id)
    return {
        "run": None if run is None else run.model_dump(),
        "themes": [asdict(view) for view in service.themes.themes(tenant_id)],
    }


@router.get(
    "/v1/analytics/themes/over-time",
    response_model=FigureOut,
    responses=response_examples(
        {"application/json": THEMES_OVER_TIME, "text/csv": THEMES_OVER_TIME_CSV}
    ),
)
def themes_over_time(
    request: Request,
    tenant_id: TenantId,
    period: Annotated[Literal["month", "quarter", "year"], Query(examples=["year"])] = "quarter",
    format: FormatQuery = "json",
    danish: DanishQuery = False,
) -> object:
    figure = _service(request).themes.over_time(tenant_id, period)
    return _figure_response(figure, format, danish)


@router.get(
    "/v1/analytics/themes/per-member",
    response_model=FigureOut,
    responses=response_examples(
        {"application/json": THEMES_PER_MEMBER, "text/csv": THEMES_PER_MEMBER_CSV}
    ),
)
def themes_per_member(
    request: Request, tenant_id: TenantId, format: FormatQuery = "json", danish: DanishQuery = False
) -> object:
    return _figure_response(_service(request).themes.per_member(tenant_id), format, danish)


@router.get("/v1/analytics/overview", responses=response_examples({"application/json": OVERVIEW}))
def overview(request: Request, tenant_id: TenantId) -> dict[str, object]:
    return _service(request).overview(tenant_id)


@router.get(
    "/v1/analytics/overview.html",
    response_class=HTMLResponse,
    responses=response_examples({"text/html": OVERVIEW_HTML}),
)
def overview_html(request: Request, tenant_id: TenantId) -> HTMLResponse:
    return HTMLResponse(_service(request).overview_html(tenant_id))


@router.get("/v1/analytics/members")
def find_members(
    request: Request,
    tenant_id: TenantId,
    q: Annotated[
        str,
        Query(
            min_length=2, description="Part of a name, e-mail or CVR number",
            examples=["skov rådgivning", "12345678"],
        ),
    ],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MemberMatch]:
    """Return one page of the members that match ``q``, in order of name."""
    offset = offset_from(cursor)
    found = _service(request).find_members(tenant_id, q, limit + 1, offset)
    return offset_page(request, [MemberMatch(**member) for member in found], offset, limit)


# An export carries every stored field of the member, so the body has an example, not a model.
@router.get(
    "/v1/analytics/members/{member_id}/export",
    responses=response_examples({"application/json": MEMBER_EXPORT}),
)
def export_member(
    member_id: MemberIdPath, request: Request, tenant_id: TenantId
) -> dict[str, object]:
    exported = _service(request).export_member(tenant_id, member_id)
    if exported is None:
        raise HTTPException(404, "Member not found")
    return exported


@router.delete("/v1/analytics/members/{member_id}", response_model=MemberDeletionOut)
def delete_member(
    member_id: MemberIdPath, request: Request, tenant_id: TenantId
) -> dict[str, object]:
    report = _service(request).delete_member(tenant_id, member_id)
    if report is None:
        raise HTTPException(404, "Member not found")
    return asdict(report)

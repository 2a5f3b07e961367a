"""Response models and OpenAPI examples of the analytics API, kept apart from its routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.openapi_examples import MEMBER_ID, ORGANISATION_ID, TENANT_ID

_MEMBERS_IMPORT = {
    "kind": "members", "import_id": "3f9c2a7e5b1d4c08a6e2f7b9d0c1e4a5", "rows": 3, "created": 2,
    "updated": 0, "unchanged": 0,
    "rejected": [
        {"line": 4, "reason": "invalid CVR number '1234': expected 8 digits, e.g. 12345678"}
    ],
    "skipped_erased": 0,
    "columns": {
        "name": "Navn", "organisation": "Virksomhed", "cvr": "CVR", "email": "E-mail",
        "joined_on": "Medlem siden",
    },
    "members_created": 0, "events_created": 0, "warnings": [],
}


class RejectedRowOut(BaseModel):
    line: int = Field(description="Line of the file, counting the header as line 1.")
    reason: str


class ImportReportOut(BaseModel):
    """Outcome counts of one import: created + updated + unchanged + skipped_erased + rejected
    rows add up to ``rows``."""

    model_config = ConfigDict(json_schema_extra={"examples": [_MEMBERS_IMPORT]})

    kind: str
    import_id: str = Field(
        description="Lists and deletes the import under /v1/datasets/analytics/imports."
    )
    rows: int = Field(description="Data rows in the file.")
    created: int
    updated: int
    unchanged: int = Field(description="Rows that changed nothing, repeats included.")
    rejected: list[RejectedRowOut]
    skipped_erased: int = Field(description="Rows naming a member erased on request.")
    columns: dict[str, str] = Field(description="Field -> the file's header it was read from.")
    members_created: int = Field(description="Members a sign-up list added besides.")
    events_created: int = Field(description="Events a sign-up list added besides.")
    warnings: list[str] = Field(description="The rows that added members or events.")


class ColumnMappingOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "members", "mapping": {"Firmanavn": "organisation"}}]
        }
    )

    kind: str
    mapping: dict[str, str] = Field(description="Header name in the tenant's files -> field.")


class EnrichmentReportOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "source": "company-register-file", "organisations_with_cvr": 2, "matched": 1,
                "updated": 1, "unmatched_cvr": ["23456789"],
                "rejected": [
                    {"line": 3, "reason": "invalid CVR number '1234': expected 8 digits, "
                     "e.g. 12345678"}
                ],
            }]
        }
    )

    source: str
    organisations_with_cvr: int
    matched: int
    updated: int
    unmatched_cvr: list[str] = Field(description="The tenant's CVR numbers the extract lacks.")
    rejected: list[RejectedRowOut] = Field(description="Rows of the extract that were unreadable.")


class FigureNamesOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "figures": ["members", "event-types", "months", "seasons", "repeat-rate",
                            "conversion", "cohorts", "lapsed", "top-members", "no-shows"]
            }]
        }
    )

    figures: list[str]


class FigureOut(BaseModel):
    name: str
    definition: str = Field(description="How the figure is computed.")
    columns: list[str]
    rows: list[dict[str, Any]] = Field(description="One object per row, keyed by the columns.")


class FigureSetOut(BaseModel):
    figures: dict[str, FigureOut] = Field(description="Figure name -> figure.")


class MemberDeletionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"member_id": MEMBER_ID, "participations_deleted": 2, "contacts_unlinked": 0}
            ]
        }
    )

    member_id: str
    participations_deleted: int
    contacts_unlinked: int = Field(
        description="Contact persons of a deleted organisation, now linked to none."
    )


NO_SHOWS = {
    "name": "no-shows",
    "definition": "No-show rate = no-shows / (attended + no-shows), overall and per event type; "
    "cancellations are not no-shows.",
    "columns": ["scope", "expected", "no_show", "cancelled", "no_show_rate"],
    "rows": [
        {"scope": "all events", "expected": 5, "no_show": 1, "cancelled": 0, "no_show_rate": 0.2},
        {"scope": "type: Foredrag", "expected": 1, "no_show": 0, "cancelled": 0,
         "no_show_rate": 0.0},
        {"scope": "type: Workshop", "expected": 4, "no_show": 1, "cancelled": 0,
         "no_show_rate": 0.25},
    ],
}
NO_SHOWS_CSV = (
    "scope,expected,no_show,cancelled,no_show_rate\n"
    "all events,5,1,0,0.2\n"
    "type: Foredrag,1,0,0,0\n"
    "type: Workshop,4,1,0,0.25\n"
)
MONTHS = {
    "name": "months",
    "definition": "Events held and attendances per calendar month.",
    "columns": ["month", "events", "attended", "attended_per_event"],
    "rows": [
        {"month": "2024-01", "events": 1, "attended": 1, "attended_per_event": 1.0},
        {"month": "2024-02", "events": 2, "attended": 3, "attended_per_event": 1.5},
    ],
}
_GREEN_THEME = "co2, regnskab, bæredygtighed"
_MARKETING_THEME = "b2b, medier, nyhedsbreve"
THEMES_OVER_TIME = {
    "name": "themes-over-time",
    "definition": "Events and attendances per theme and year; theme -1 holds the events that "
    "fit no theme.",
    "columns": ["period", "theme_id", "theme", "events", "attended"],
    "rows": [
        {"period": "2024", "theme_id": 0, "theme": _GREEN_THEME, "events": 3, "attended": 2},
        {"period": "2024", "theme_id": 1, "theme": _MARKETING_THEME, "events": 3, "attended": 2},
    ],
}
THEMES_OVER_TIME_CSV = (
    "period,theme_id,theme,events,attended\n"
    f'2024,0,"{_GREEN_THEME}",3,2\n'
    f'2024,1,"{_MARKETING_THEME}",3,2\n'
)
THEMES_PER_MEMBER = {
    "name": "themes-per-member",
    "definition": "Events each member attended, per theme.",
    "columns": ["member_id", "name", "theme_id", "theme", "attended"],
    "rows": [
        {"member_id": MEMBER_ID, "name": "Mette Skov", "theme_id": 0, "theme": _GREEN_THEME,
         "attended": 2},
    ],
}
THEMES_PER_MEMBER_CSV = (
    "member_id,name,theme_id,theme,attended\n"
    f'{MEMBER_ID},Mette Skov,0,"{_GREEN_THEME}",2\n'
)
_THEME = {
    "theme_id": 0, "label": _GREEN_THEME,
    "keywords": ["co2", "regnskab", "bæredygtighed", "energi", "grøn", "klimamål"],
    "size": 3,
    "typical": [
        {"event_id": "9a89c3a1922d7221048604ec", "title": "Grøn omstilling",
         "held_on": "2024-03-06", "description": "Bæredygtighed og klimamål i små virksomheder."},
        {"event_id": "0efddb9a011235b015738cae", "title": "CO2-regnskab", "held_on": "2024-02-07",
         "description": "Sådan laver I et CO2-regnskab for virksomheden."},
    ],
    "trend": "new",
    "events_by_year": {"2024": 3},
}
THEMES = {
    "run": {
        "tenant_id": TENANT_ID, "model_id": "multilingual-e5-small-q4", "text_count": 6,
        "outlier_count": 0, "seed": 0, "run_id": "30aed4c663844e28bd84474985e2f042",
        "theme_count": 2, "created_at": "2026-03-02T10:12:19.798989Z",
    },
    "themes": [_THEME],
}
OVERVIEW = {
    "tenant_id": TENANT_ID,
    "generated_at": "2026-03-02T10:15:00+00:00",
    "reference_date": "2024-06-05",
    "totals": {"organisations": 2, "persons": 2, "events": 6, "sign_ups": 5, "attended": 4},
    "themes": [_THEME],
    "theme_run": {
        "run_id": "30aed4c663844e28bd84474985e2f042", "created_at": "2026-03-02T10:12:19+00:00",
        "texts": 6, "themes": 2, "outliers": 0,
    },
    "top_members": [
        {"member_id": "be924061159651844a52b428", "name": "Lars Bech",
         "organisation": "Bech Maskiner A/S", "signed_up": 3, "attended": 2},
        {"member_id": MEMBER_ID, "name": "Mette Skov", "organisation": "Skov Rådgivning ApS",
         "signed_up": 2, "attended": 2},
    ],
    "event_types": [
        {"type": "Workshop", "events": 4, "signed_up": 4, "attended": 3,
         "attended_per_event": 0.75, "no_show_rate": 0.25},
        {"type": "Foredrag", "events": 2, "signed_up": 1, "attended": 1,
         "attended_per_event": 0.5, "no_show_rate": 0.0},
    ],
    "new_this_year": {
        "year": 2024, "events_this_year": 6, "events_same_period_last_year": 4,
        "new_members": 1, "new_member_names": ["Lars Bech"], "new_event_types": ["Foredrag"],
        "new_or_rising_themes": [_GREEN_THEME],
    },
}
MEMBER_EXPORT = {
    "member_id": MEMBER_ID, "kind": "person", "name": "Mette Skov", "email": "mette@skov.dk",
    "cvr": None, "industry": None, "industry_code": None, "employee_band": None,
    "postcode": None, "joined_on": "2022-02-01", "enriched_from": None,
    "created_at": "2026-03-02T10:05:19.555732Z", "updated_at": "2026-03-02T10:05:19.555922Z",
    "organisation": "Skov Rådgivning ApS",
    "participations": [
        {"event_id": "b5fa1605e01dbd4712047bbf", "event_title": "Energi i produktionen",
         "held_on": "2024-01-10", "status": "attended"},
        {"event_id": "0efddb9a011235b015738cae", "event_title": "CO2-regnskab",
         "held_on": "2024-02-07", "status": "attended"},
    ],
    "imports": [
        {"import_id": "3f9c2a7e5b1d4c08a6e2f7b9d0c1e4a5", "kind": "members",
         "filename": "medlemmer-2026.xlsx", "imported_at": "2026-03-02T10:05:19.561204Z"},
    ],
    "exported_at": "2026-03-02T10:20:41.021680Z",
}
MEMBER_MATCH = {
    "member_id": MEMBER_ID, "kind": "person", "name": "Mette Skov", "email": "mette@skov.dk",
    "organisation_id": ORGANISATION_ID,
}
# Abridged: the real page also has a style sheet and the themes, members and event types.
OVERVIEW_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Overview · staalbyg</title>
</head>
<body>
<h1>Overview</h1>
<p class="muted">Tenant staalbyg · data up to 2024-06-05 · generated 2026-03-02T10:15:00+00:00</p>
<div class="totals">
  <div><b>2</b>organisations</div>
  <div><b>2</b>contact persons</div>
  <div><b>6</b>events</div>
  <div><b>5</b>sign-ups</div>
  <div><b>4</b>attendances</div>
</div>
</body>
</html>
"""

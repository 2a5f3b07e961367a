"""The onboarding overview of a tenant: main themes, engaged members, event types, what is new."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.analytics import participation
from services.analytics.models import MemberKind, ParticipationStatus, utcnow
from services.analytics.participation import ParticipationData
from services.analytics.themes.service import ThemeService

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def build_overview(
    data: ParticipationData,
    themes: ThemeService,
    tenant_id: str,
    theme_count: int = 6,
    top_count: int = 5,
) -> dict[str, object]:
    reference = data.reference_date()
    theme_views = themes.themes(tenant_id, as_of=reference)
    run = themes.latest_run(tenant_id)
    run_summary = None
    if run is not None:
        run_summary = {
            "run_id": run.run_id,
            "created_at": run.created_at.isoformat(timespec="seconds"),
            "texts": run.text_count,
            "themes": run.theme_count,
            "outliers": run.outlier_count,
        }
    return {
        "tenant_id": tenant_id,
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "reference_date": reference.isoformat() if reference else None,
        "totals": _totals(data),
        "themes": [asdict(view) for view in theme_views[:theme_count]],
        "theme_run": run_summary,
        "top_members": participation.top_members(data, limit=top_count).as_dict()["rows"],
        "event_types": participation.per_event_type(data).as_dict()["rows"][:top_count],
        "new_this_year": _new_this_year(data, reference, theme_views) if reference else None,
    }


def render_html(overview: dict[str, object]) -> str:
    return _TEMPLATES.get_template("overview.html").render(overview=overview)


def _totals(data: ParticipationData) -> dict[str, int]:
    kinds = Counter(member.kind for member in data.members.values())
    statuses = Counter(row.status for row in data.participations)
    return {
        "organisations": kinds[MemberKind.ORGANISATION],
        "persons": kinds[MemberKind.PERSON],
        "events": len(data.events),
        "sign_ups": len(data.participations),
        "attended": statuses[ParticipationStatus.ATTENDED],
    }


def _new_this_year(data: ParticipationData, reference: date, theme_views) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Compare this calendar year up to the reference date with the same span last year."""
    year = reference.year
    same_day_last_year = _same_day(reference, year - 1)
    events_this_year = sum(1 for e in data.events.values() if date(year, 1, 1) <= e.held_on)
    events_last_year = sum(
        1 for e in data.events.values() if date(year - 1, 1, 1) <= e.held_on <= same_day_last_year
    )
    first_type_year: dict[str, int] = {}
    for event in sorted(data.events.values(), key=lambda event: event.held_on):
        first_type_year.setdefault(event.type or "(none)", event.held_on.year)
    first_signup: dict[str, date] = {}
    for row in data.participations:
        held_on = data.events[row.event_id].held_on
        first_signup[row.member_id] = min(first_signup.get(row.member_id, held_on), held_on)
    new_members = sorted(
        member.name
        for member_id, member in data.members.items()
        if (member.joined_on or first_signup.get(member_id, date.min)).year == year
    )
    return {
        "year": year,
        "events_this_year": events_this_year,
        "events_same_period_last_year": events_last_year,
        "new_members": len(new_members),
        "new_member_names": new_members[:10],
        "new_event_types": sorted(name for name, first in first_type_year.items() if first == year),
        "new_or_rising_themes": [
            view.label for view in theme_views if view.trend in ("new", "rising")
        ],
    }


def _same_day(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)

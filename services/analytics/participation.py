"""Participation figures for one tenant: who comes, to what, when, and who stopped coming.

Each sign-up has one final status. "Attended" counts events a member came to. The no-show
rate is no-shows / (attended + no-shows): of those expected to come, the share who did not.
Figures that depend on "now" use a reference date, by default the tenant's latest event, so
the same data always gives the same figures.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.analytics.figures import Figure, rate
from services.analytics.models import Event, Member, Participation, ParticipationStatus

ATTENDED = ParticipationStatus.ATTENDED
NO_SHOW = ParticipationStatus.NO_SHOW
CANCELLED = ParticipationStatus.CANCELLED

SEASON_ORDER = ("winter", "spring", "summer", "autumn")
# Meteorological seasons: December to February is winter, and so on in threes.
SEASONS = {month: SEASON_ORDER[(month % 12) // 3] for month in range(1, 13)}


@dataclass(frozen=True)
class ParticipationData:
    members: dict[str, Member]
    events: dict[str, Event]
    participations: list[Participation]

    @classmethod
    def load(cls, engine: Engine, tenant_id: str) -> ParticipationData:
        with Session(engine) as session:
            members = session.exec(select(Member).where(Member.tenant_id == tenant_id))
            events = session.exec(select(Event).where(Event.tenant_id == tenant_id))
            participations = session.exec(
                select(Participation).where(Participation.tenant_id == tenant_id)
            )
            return cls(
                members={member.member_id: member for member in members},
                events={event.event_id: event for event in events},
                participations=list(participations),
            )

    def reference_date(self) -> date | None:
        return max((event.held_on for event in self.events.values()), default=None)

    def attended_dates(self) -> dict[str, list[date]]:
        """Member id -> sorted dates of the events the member attended."""
        dates: dict[str, list[date]] = defaultdict(list)
        for row in self.participations:
            if row.status == ATTENDED:
                dates[row.member_id].append(self.events[row.event_id].held_on)
        return {member_id: sorted(values) for member_id, values in dates.items()}

    def organisation_name(self, member: Member) -> str:
        organisation = self.members.get(member.organisation_id or "")
        return organisation.name if organisation else ""


FIGURES = (
    "members", "event-types", "months", "seasons", "repeat-rate", "conversion", "cohorts",
    "lapsed", "top-members", "no-shows",
)


def compute(data: ParticipationData, name: str, **options: object) -> Figure:
    """Compute one named figure; raises KeyError for an unknown name."""
    functions = {
        "members": per_member, "event-types": per_event_type, "months": per_month,
        "seasons": per_season, "repeat-rate": repeat_rate, "conversion": conversion,
        "cohorts": cohorts, "lapsed": lapsed_members, "top-members": top_members,
        "no-shows": no_show_rates,
    }
    return functions[name](data, **options)  # type: ignore[operator]


def per_member(data: ParticipationData) -> Figure:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in data.participations:
        counts[row.member_id][row.status.value] += 1
    attended = data.attended_dates()
    rows = []
    for member_id, counter in counts.items():
        member = data.members[member_id]
        dates = attended.get(member_id, [])
        expected = counter[ATTENDED] + counter[NO_SHOW]
        rows.append([
            member_id, member.name, data.organisation_name(member), counter.total(),
            counter[ATTENDED], counter[CANCELLED], counter[NO_SHOW],
            rate(counter[ATTENDED], expected), dates[0] if dates else None,
            dates[-1] if dates else None,
        ])
    rows.sort(key=lambda row: (-row[4], row[1], row[0]))
    return Figure(
        name="members",
        definition="Sign-ups per member by final status; attendance rate = attended / "
        "(attended + no-shows).",
        columns=["member_id", "name", "organisation", "signed_up", "attended", "cancelled",
                 "no_show", "attendance_rate", "first_attended", "last_attended"],
        rows=rows,
    )


def per_event_type(data: ParticipationData) -> Figure:
    events_by_type = Counter(event.type or "(none)" for event in data.events.values())
    status_by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for row in data.participations:
        status_by_type[data.events[row.event_id].type or "(none)"][row.status.value] += 1
    rows = []
    for event_type, events in events_by_type.items():
        counter = status_by_type[event_type]
        rows.append([
            event_type, events, counter.total(), counter[ATTENDED],
            round(counter[ATTENDED] / events, 2), rate(counter[NO_SHOW],
            counter[ATTENDED] + counter[NO_SHOW]),
        ])
    rows.sort(key=lambda row: (-row[3], row[0]))
    return Figure(
        name="event-types",
        definition="Events and sign-ups per event type; attended per event is the mean number "
        "of members who came.",
        columns=["type", "events", "signed_up", "attended", "attended_per_event", "no_show_rate"],
        rows=rows,
    )


def _per_period(data: ParticipationData, period_of) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    events = Counter(period_of(event.held_on) for event in data.events.values())
    attended = Counter(
        period_of(data.events[row.event_id].held_on)
        for row in data.participations
        if row.status == ATTENDED
    )
    return {period: (count, attended[period]) for period, count in events.items()}


def per_month(data: ParticipationData) -> Figure:
    periods = _per_period(data, lambda day: f"{day.year:04d}-{day.month:02d}")
    rows = [
        [month, events, attended, round(attended / events, 2)]
        for month, (events, attended) in sorted(periods.items())
    ]
    return Figure(
        name="months",
        definition="Events held and attendances per calendar month.",
        columns=["month", "events", "attended", "attended_per_event"],
        rows=rows,
    )


def per_season(data: ParticipationData) -> Figure:
    periods = _per_period(data, lambda day: SEASONS[day.month])
    rows = [
        [season, *periods[season], round(periods[season][1] / periods[season][0], 2)]
        for season in SEASON_ORDER
        if season in periods
    ]
    return Figure(
        name="seasons",
        definition="Events and attendances per season over all years: winter is December to "
        "February, spring March to May, summer June to August, autumn September to November.",
        columns=["season", "events", "attended", "attended_per_event"],
        rows=rows,
    )


def repeat_rate(data: ParticipationData) -> Figure:
    attended = data.attended_dates()
    attending = len(attended)
    repeating = sum(1 for dates in attended.values() if len(dates) >= 2)
    return Figure(
        name="repeat-rate",
        definition="Share of members who attended at least one event that attended two or more.",
        columns=["attending_members", "repeat_members", "repeat_rate"],
        rows=[[attending, repeating, rate(repeating, attending)]],
    )


def conversion(
    data: ParticipationData, window_days: int = 180, as_of: date | None = None
) -> Figure:
    """First-to-second-event conversion within a window after the first attended event.

    Only members whose first event lies at least ``window_days`` before the reference date
    count, so a newcomer who has not yet had the chance to come back does not lower the rate.
    """
    reference = as_of or data.reference_date()
    eligible = converted = 0
    gaps: list[int] = []
    for dates in data.attended_dates().values():
        if reference is None or dates[0] > reference - timedelta(days=window_days):
            continue
        eligible += 1
        if len(dates) >= 2 and (dates[1] - dates[0]).days <= window_days:
            converted += 1
            gaps.append((dates[1] - dates[0]).days)
    median_gap = statistics.median(gaps) if gaps else None
    return Figure(
        name="conversion",
        definition=f"Of the members whose first attended event was at least {window_days} days "
        f"before {reference}, the share who attended a second event within {window_days} days.",
        columns=["eligible_members", "converted", "conversion_rate", "median_days_to_second"],
        rows=[[eligible, converted, rate(converted, eligible), median_gap]],
    )


def cohorts(data: ParticipationData, as_of: date | None = None) -> Figure:
    """Members by join year; members without a join date join in the year of their first
    sign-up."""
    reference = as_of or data.reference_date()
    first_signup: dict[str, date] = {}
    for row in data.participations:
        held_on = data.events[row.event_id].held_on
        first_signup[row.member_id] = min(first_signup.get(row.member_id, held_on), held_on)
    attended = data.attended_dates()
    groups: dict[int, list[str]] = defaultdict(list)
    for member_id, member in data.members.items():
        joined = member.joined_on or first_signup.get(member_id)
        if joined is not None and (member_id in first_signup or member.joined_on):
            groups[joined.year].append(member_id)
    rows = []
    for year, member_ids in sorted(groups.items()):
        active = [member_id for member_id in member_ids if member_id in attended]
        attendances = sum(len(attended[member_id]) for member_id in active)
        recent = sum(
            1
            for member_id in active
            if reference and attended[member_id][-1] > reference - timedelta(days=365)
        )
        rows.append([
            year, len(member_ids), len(active), attendances,
            round(attendances / len(member_ids), 2), rate(recent, len(member_ids)),
        ])
    return Figure(
        name="cohorts",
        definition="Members by join year (or year of first sign-up when no join date is "
        "known): how many attended at all, attendances per member, and the share who attended "
        f"in the 365 days up to {reference}.",
        columns=["join_year", "members", "attending_members", "attended",
                 "attended_per_member", "active_last_year"],
        rows=rows,
    )


def lapsed_members(
    data: ParticipationData,
    after_days: int = 365,
    min_attended: int = 2,
    as_of: date | None = None,
) -> Figure:
    reference = as_of or data.reference_date()
    rows = []
    for member_id, dates in data.attended_dates().items():
        if reference is None or len(dates) < min_attended:
            continue
        days_since = (reference - dates[-1]).days
        if days_since > after_days:
            member = data.members[member_id]
            rows.append([
                member_id, member.name, data.organisation_name(member), len(dates), dates[-1],
                days_since,
            ])
    rows.sort(key=lambda row: (-row[3], row[5], row[1]))
    return Figure(
        name="lapsed",
        definition=f"Members who attended at least {min_attended} events but none in the "
        f"{after_days} days up to {reference}.",
        columns=["member_id", "name", "organisation", "attended", "last_attended", "days_since"],
        rows=rows,
    )


def top_members(data: ParticipationData, limit: int = 10) -> Figure:
    ranked = per_member(data).rows
    rows = [row[:5] for row in ranked if row[4] > 0][:limit]
    return Figure(
        name="top-members",
        definition=f"The {limit} members who attended most events; ties by name.",
        columns=["member_id", "name", "organisation", "signed_up", "attended"],
        rows=rows,
    )


def no_show_rates(data: ParticipationData) -> Figure:
    overall: Counter[str] = Counter()
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for row in data.participations:
        overall[row.status.value] += 1
        by_type[data.events[row.event_id].type or "(none)"][row.status.value] += 1
    rows = [_no_show_row("all events", overall)]
    rows += [_no_show_row(f"type: {name}", counter) for name, counter in sorted(by_type.items())]
    return Figure(
        name="no-shows",
        definition="No-show rate = no-shows / (attended + no-shows), overall and per event "
        "type; cancellations are not no-shows.",
        columns=["scope", "expected", "no_show", "cancelled", "no_show_rate"],
        rows=rows,
    )


def _no_show_row(scope: str, counter: Counter[str]) -> list[object]:
    expected = counter[ATTENDED] + counter[NO_SHOW]
    return [scope, expected, counter[NO_SHOW], counter[CANCELLED], rate(counter[NO_SHOW], expected)]

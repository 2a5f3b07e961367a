"""Theme runs for a tenant: embed event descriptions, find themes, store and read them back."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from services.analytics.figures import Figure
from services.analytics.models import (
    Event,
    Member,
    Participation,
    ParticipationStatus,
    TextEmbedding,
    Theme,
    ThemeAssignment,
    ThemeRun,
)
from services.analytics.themes.clustering import ClusterOptions
from services.analytics.themes.embedding import TextEmbedder
from services.analytics.themes.finder import find_themes
from shared.jobs import JobContext

logger = logging.getLogger(__name__)

_IN_CHUNK = 500
OUTLIER = -1


class NoTexts(ValueError):
    """The tenant has no event with a title or description to find themes in."""


class EventsDeleted(RuntimeError):
    """Events of a running theme run were deleted before its themes were stored."""


def theme_text(event: Event) -> str:
    """Return the text embedded for an event: its title, then its description if it has one."""
    return f"{event.title}. {event.description}" if event.description else event.title


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ThemeView:
    theme_id: int
    label: str
    keywords: list[str]
    size: int
    typical: list[dict[str, object]]
    trend: str
    events_by_year: dict[int, int]


class ThemeService:
    def __init__(self, engine: Engine, embedder: TextEmbedder, options: ClusterOptions) -> None:
        self.engine = engine
        self.embedder = embedder
        self.options = options

    def run(self, context: JobContext) -> dict[str, object]:
        """Find and store the themes of the tenant's events; the body of a themes job."""
        tenant_id = context.tenant_id
        with Session(self.engine) as session:
            events = list(
                session.exec(
                    select(Event).where(Event.tenant_id == tenant_id).order_by(
                        col(Event.held_on), col(Event.event_id)
                    )
                )
            )
        if not events:
            raise NoTexts("no events to find themes in: import an events file first")
        texts = [theme_text(event) for event in events]
        context.progress(0.0, f"embedding {len(texts)} descriptions", force=True)
        vectors = self._embed_cached(tenant_id, texts, context)
        context.progress(0.85, "clustering", force=True)
        result = find_themes(texts, vectors, self.options)
        context.progress(0.95, "storing themes", force=True)
        run_id = uuid.uuid4().hex
        self._store(tenant_id, run_id, events, result)
        return {
            "run_id": run_id,
            "texts": len(texts),
            "themes": len(result.themes),
            "outliers": result.outlier_count,
        }

    def _embed_cached(
        self, tenant_id: str, texts: list[str], context: JobContext
    ) -> np.ndarray:
        model_id = self.embedder.model_id
        hashes = [text_hash(text) for text in texts]
        cached: dict[str, np.ndarray] = {}
        unique = sorted(set(hashes))
        with Session(self.engine) as session:
            for start in range(0, len(unique), _IN_CHUNK):
                rows = session.exec(
                    select(TextEmbedding).where(
                        TextEmbedding.tenant_id == tenant_id,
                        TextEmbedding.model_id == model_id,
                        col(TextEmbedding.text_hash).in_(unique[start : start + _IN_CHUNK]),
                    )
                )
                for row in rows:
                    cached[row.text_hash] = np.frombuffer(row.vector, dtype=np.float32)
        missing = {digest: text for digest, text in zip(hashes, texts, strict=True)}
        missing = {digest: text for digest, text in missing.items() if digest not in cached}
        logger.info(
            "tenant %s: %d descriptions, %d distinct, %d to embed with %s",
            tenant_id, len(texts), len(unique), len(missing), model_id,
        )
        if missing:
            new_vectors = self.embedder.embed_passages(
                list(missing.values()),
                progress=lambda done, total: context.progress(
                    0.85 * done / total, f"embedded {done} of {total} descriptions"
                ),
            )
            with Session(self.engine) as session:
                for digest, vector in zip(missing, new_vectors, strict=True):
                    cached[digest] = vector
                    session.add(
                        TextEmbedding(
                            tenant_id=tenant_id, model_id=model_id, text_hash=digest,
                            vector=vector.astype(np.float32).tobytes(),
                        )
                    )
                session.commit()
        return np.stack([cached[digest] for digest in hashes])

    def _store(self, tenant_id: str, run_id: str, events: list[Event], result) -> None:  # type: ignore[no-untyped-def]
        with Session(self.engine) as session:
            # An import deleted during the run took events the themes were found in; storing
            # the run would keep their words.
            existing = set(
                session.exec(select(Event.event_id).where(Event.tenant_id == tenant_id))
            )
            deleted = sum(1 for event in events if event.event_id not in existing)
            if deleted:
                raise EventsDeleted(
                    f"{deleted} of the {len(events)} events were deleted during the run; start "
                    "a new theme run"
                )
            session.add(
                ThemeRun(
                    run_id=run_id, tenant_id=tenant_id, model_id=self.embedder.model_id,
                    seed=self.options.seed, text_count=len(events),
                    theme_count=len(result.themes), outlier_count=result.outlier_count,
                )
            )
            for theme in result.themes:
                session.add(
                    Theme(
                        run_id=run_id, theme_id=theme.theme_id, tenant_id=tenant_id,
                        label=theme.label, keywords=json.dumps(theme.keywords, ensure_ascii=False),
                        size=theme.size,
                        typical_event_ids=json.dumps([events[i].event_id for i in theme.typical]),
                    )
                )
            for event, label, similarity in zip(
                events, result.labels.tolist(), result.similarity.tolist(), strict=True
            ):
                session.add(
                    ThemeAssignment(
                        run_id=run_id, event_id=event.event_id, tenant_id=tenant_id,
                        theme_id=int(label), similarity=round(float(similarity), 4),
                    )
                )
            session.commit()
        self._drop_older_runs(tenant_id, run_id)

    def _drop_older_runs(self, tenant_id: str, keep_run_id: str) -> None:
        with Session(self.engine) as session:
            old = session.exec(
                select(ThemeRun.run_id).where(
                    ThemeRun.tenant_id == tenant_id, ThemeRun.run_id != keep_run_id
                )
            ).all()
            for table in (ThemeAssignment, Theme, ThemeRun):
                session.exec(delete(table).where(col(table.run_id).in_(old)))  # type: ignore[attr-defined]
            session.commit()

    def latest_run(self, tenant_id: str) -> ThemeRun | None:
        with Session(self.engine) as session:
            return session.exec(
                select(ThemeRun)
                .where(ThemeRun.tenant_id == tenant_id)
                .order_by(col(ThemeRun.created_at).desc())
            ).first()

    def themes(self, tenant_id: str, as_of: date | None = None) -> list[ThemeView]:
        run = self.latest_run(tenant_id)
        if run is None:
            return []
        with Session(self.engine) as session:
            themes = session.exec(
                select(Theme).where(Theme.run_id == run.run_id).order_by(col(Theme.theme_id))
            ).all()
            events = self._assigned_events(session, tenant_id, run.run_id)
        reference = as_of or max((event.held_on for event, _ in events), default=date.today())
        by_theme: dict[int, list[Event]] = defaultdict(list)
        for event, theme_id in events:
            by_theme[theme_id].append(event)
        event_by_id = {event.event_id: event for event, _ in events}
        views = []
        for theme in themes:
            typical = [
                _example(event_by_id[event_id])
                for event_id in json.loads(theme.typical_event_ids)
                if event_id in event_by_id
            ]
            dates = [event.held_on for event in by_theme[theme.theme_id]]
            views.append(
                ThemeView(
                    theme_id=theme.theme_id, label=theme.label,
                    keywords=json.loads(theme.keywords), size=theme.size, typical=typical,
                    trend=trend(dates, [event.held_on for event, _ in events], reference),
                    events_by_year=dict(sorted(Counter(day.year for day in dates).items())),
                )
            )
        return views

    @staticmethod
    def _assigned_events(session: Session, tenant_id: str, run_id: str) -> list[tuple[Event, int]]:
        rows = session.exec(
            select(Event, ThemeAssignment.theme_id)
            .join(ThemeAssignment, col(ThemeAssignment.event_id) == col(Event.event_id))
            .where(Event.tenant_id == tenant_id, ThemeAssignment.run_id == run_id)
        ).all()
        return [(event, theme_id) for event, theme_id in rows]

    def over_time(self, tenant_id: str, period: str = "quarter") -> Figure:
        """Events and attendances per theme and period (month, quarter or year)."""
        period_of = _PERIODS[period]
        run = self.latest_run(tenant_id)
        counts: Counter[tuple[str, int]] = Counter()
        attended: Counter[tuple[str, int]] = Counter()
        labels: dict[int, str] = {OUTLIER: "(no theme)"}
        if run is not None:
            with Session(self.engine) as session:
                labels |= {
                    theme.theme_id: theme.label
                    for theme in session.exec(select(Theme).where(Theme.run_id == run.run_id))
                }
                events = self._assigned_events(session, tenant_id, run.run_id)
                attendance = _attendance_by_event(session, tenant_id)
            for event, theme_id in events:
                key = (period_of(event.held_on), theme_id)
                counts[key] += 1
                attended[key] += attendance.get(event.event_id, 0)
        rows: list[list[object]] = []
        for (period_key, theme_id), count in sorted(counts.items()):
            label = labels.get(theme_id, "")
            rows.append([period_key, theme_id, label, count, attended[(period_key, theme_id)]])
        return Figure(
            name="themes-over-time",
            definition=f"Events and attendances per theme and {period}; theme -1 holds the "
            "events that fit no theme.",
            columns=["period", "theme_id", "theme", "events", "attended"],
            rows=rows,
        )

    def per_member(self, tenant_id: str) -> Figure:
        """Attended events per member and theme: what each member comes for."""
        run = self.latest_run(tenant_id)
        rows: list[list[object]] = []
        if run is not None:
            with Session(self.engine) as session:
                labels = {
                    theme.theme_id: theme.label
                    for theme in session.exec(select(Theme).where(Theme.run_id == run.run_id))
                }
                theme_of = {
                    assignment.event_id: assignment.theme_id
                    for assignment in session.exec(
                        select(ThemeAssignment).where(ThemeAssignment.run_id == run.run_id)
                    )
                }
                members = {
                    member.member_id: member
                    for member in session.exec(select(Member).where(Member.tenant_id == tenant_id))
                }
                counts: Counter[tuple[str, int]] = Counter()
                for row in session.exec(
                    select(Participation).where(
                        Participation.tenant_id == tenant_id,
                        Participation.status == ParticipationStatus.ATTENDED,
                    )
                ):
                    theme_id = theme_of.get(row.event_id)
                    if theme_id is not None and theme_id != OUTLIER:
                        counts[(row.member_id, theme_id)] += 1
            for (member_id, theme_id), count in counts.items():
                member = members[member_id]
                rows.append([member_id, member.name, theme_id, labels[theme_id], count])
            rows.sort(key=lambda row: (row[1], row[0], -row[4], row[2]))
        return Figure(
            name="themes-per-member",
            definition="Events each member attended, per theme.",
            columns=["member_id", "name", "theme_id", "theme", "attended"],
            rows=rows,
        )


def trend(theme_dates: list[date], all_dates: list[date], reference: date) -> str:
    """Compare the theme's share of events in the last 12 months with the 12 before."""
    recent_start = reference - timedelta(days=365)
    earlier_start = recent_start - timedelta(days=365)

    def share(dates: list[date], total: list[date], start: date, end: date) -> float | None:
        whole = sum(1 for day in total if start < day <= end)
        return sum(1 for day in dates if start < day <= end) / whole if whole else None

    recent = share(theme_dates, all_dates, recent_start, reference)
    earlier = share(theme_dates, all_dates, earlier_start, recent_start)
    if not recent:
        return "quiet" if earlier else "no recent events"
    if not earlier:
        return "new"
    ratio = recent / earlier
    if ratio >= 1.25:
        return "rising"
    if ratio <= 0.8:
        return "falling"
    return "steady"


def _attendance_by_event(session: Session, tenant_id: str) -> Counter[str]:
    return Counter(
        row.event_id
        for row in session.exec(
            select(Participation).where(
                Participation.tenant_id == tenant_id,
                Participation.status == ParticipationStatus.ATTENDED,
            )
        )
    )


def _example(event: Event) -> dict[str, object]:
    return {
        "event_id": event.event_id,
        "title": event.title,
        "held_on": event.held_on.isoformat(),
        "description": event.description,
    }


_PERIODS = {
    "month": lambda day: f"{day.year:04d}-{day.month:02d}",
    "quarter": lambda day: f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}",
    "year": lambda day: f"{day.year:04d}",
}
PERIODS = tuple(_PERIODS)

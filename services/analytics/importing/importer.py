"""Import members, events and participations from CSV/XLSX exports, idempotently.

Rows are upserted on natural keys (CVR number or name for an organisation, e-mail or name and
organisation for a person, title and date for an event), so importing the same file twice
changes nothing. Rows that cannot be read are reported with their line number; the rest import.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from services.analytics.importing.columns import FileKind, check_saved_mapping, map_columns
from services.analytics.importing.erased import ErasedMembers
from services.analytics.importing.keys import content_hash, event_id
from services.analytics.importing.members import MemberIndex
from services.analytics.importing.outcomes import Outcome, RowOutcomes
from services.analytics.importing.provenance import (
    EVENT,
    MEMBER,
    PARTICIPATION,
    participation_key,
    record_import,
)
from services.analytics.importing.records import (
    EventRecord,
    ParticipationRecord,
    parse_event,
    parse_member,
    parse_participation,
)
from services.analytics.importing.tables import read_table
from services.analytics.importing.values import InvalidValue
from services.analytics.models import ColumnMapping, Event, Participation, utcnow

logger = logging.getLogger(__name__)

IMPORTABLE = (FileKind.MEMBERS, FileKind.EVENTS, FileKind.PARTICIPATIONS)


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    """Outcome counts of one import, one count per data row of the file.

    ``created + updated + unchanged + skipped_erased + len(rejected) == rows``. A row counts by
    the strongest thing it did, and a row that repeats an earlier one of the same file counts as
    unchanged. ``skipped_erased`` counts rows that name a member erased on request.
    ``members_created`` and ``events_created`` count the records a sign-up list added besides,
    and ``warnings`` names the rows that added them. ``import_id`` names the import for
    listing and deleting it later.
    """

    kind: str
    import_id: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    skipped_erased: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    members_created: int = 0
    events_created: int = 0
    warnings: list[str] = field(default_factory=list)

    def count(self, outcomes: RowOutcomes) -> None:
        self.created = outcomes.tally["created"]
        self.updated = outcomes.tally["updated"]
        self.unchanged = outcomes.tally["unchanged"]


class Importer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save_mapping(self, tenant_id: str, kind: FileKind, mapping: dict[str, str]) -> None:
        check_saved_mapping(kind, mapping)
        with Session(self.engine) as session:
            row = session.get(ColumnMapping, (tenant_id, kind.value))
            row = row or ColumnMapping(tenant_id=tenant_id, kind=kind.value, mapping="{}")
            row.mapping = json.dumps(mapping, ensure_ascii=False, sort_keys=True)
            row.updated_at = utcnow()
            session.add(row)
            session.commit()

    def saved_mapping(self, tenant_id: str, kind: FileKind) -> dict[str, str]:
        with Session(self.engine) as session:
            row = session.get(ColumnMapping, (tenant_id, kind.value))
            return json.loads(row.mapping) if row else {}

    def import_file(
        self,
        tenant_id: str,
        kind: FileKind,
        filename: str,
        data: bytes,
        mapping: dict[str, str] | None = None,
    ) -> ImportReport:
        """Import one file; raises UnreadableFile or MissingColumns when nothing can import."""
        if kind not in IMPORTABLE:
            raise ValueError(f"cannot import a {kind} file here; expected one of {IMPORTABLE}")
        started = time.perf_counter()
        table = read_table(filename, data)
        saved = self.saved_mapping(tenant_id, kind) | (mapping or {})
        columns = map_columns(kind, table.headers, saved)
        report = ImportReport(
            kind=kind.value, import_id=uuid.uuid4().hex,
            rows=len(table.rows) + len(table.unreadable), columns=columns,
            rejected=[RejectedRow(row.line, row.reason) for row in table.unreadable],
        )
        with Session(self.engine, expire_on_commit=False) as session:
            match kind:
                case FileKind.MEMBERS:
                    named = self._import_members(session, tenant_id, table.rows, columns, report)
                case FileKind.EVENTS:
                    named = self._import_events(session, tenant_id, table.rows, columns, report)
                case FileKind.PARTICIPATIONS:
                    named = self._import_participations(
                        session, tenant_id, table.rows, columns, report
                    )
            report.rejected.sort(key=lambda row: row.line)
            record_import(session, tenant_id, report.import_id, filename, report, named)
            session.commit()
        logger.info(
            "imported %s file %r for tenant %s as import %s: %d rows, %d created, %d updated, "
            "%d unchanged, %d skipped as erased, %d rejected in %.2f s",
            kind, filename, tenant_id, report.import_id, report.rows, report.created,
            report.updated,
            report.unchanged, report.skipped_erased, len(report.rejected),
            time.perf_counter() - started,
        )
        return report

    def _import_members(self, session, tenant_id, rows, columns, report) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
        index = MemberIndex.load(session, tenant_id)
        erased = ErasedMembers.load(session, tenant_id)
        for row in rows:
            try:
                record = parse_member(row.values, columns)
            except InvalidValue as error:
                report.rejected.append(RejectedRow(row.line, str(error)))
                continue
            if erased.matches(record, index):
                report.skipped_erased += 1
                continue
            index.rows.begin_row()
            index.upsert(record)
            index.rows.end_row()
        report.count(index.rows)
        return {MEMBER: index.created | index.touched}

    def _import_events(self, session, tenant_id, rows, columns, report) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
        events = EventIndex.load(session, tenant_id)
        for row in rows:
            try:
                record = parse_event(row.values, columns)
            except InvalidValue as error:
                report.rejected.append(RejectedRow(row.line, str(error)))
                continue
            events.rows.begin_row()
            events.upsert(record)
            events.rows.end_row()
        report.count(events.rows)
        return {EVENT: events.created | events.touched}

    def _import_participations(  # type: ignore[no-untyped-def]
        self, session, tenant_id, rows, columns, report
    ) -> dict[str, set[str]]:
        members = MemberIndex.load(session, tenant_id)
        events = EventIndex.load(session, tenant_id)
        existing = {
            (row.member_id, row.event_id): row
            for row in session.exec(
                select(Participation).where(Participation.tenant_id == tenant_id)
            )
        }
        erased = ErasedMembers.load(session, tenant_id)
        new_members: list[str] = []
        new_events: list[str] = []
        named: set[tuple[str, str]] = set()
        outcomes = RowOutcomes()
        for row in rows:
            try:
                record = parse_participation(row.values, columns)
            except InvalidValue as error:
                report.rejected.append(RejectedRow(row.line, str(error)))
                continue
            if erased.matches(record.member, members):
                report.skipped_erased += 1
                continue
            members_before, events_before = len(members.created), len(events.created)
            outcomes.begin_row()
            outcome, key = self._upsert_participation(
                session, tenant_id, record, members, events, existing
            )
            outcomes.mark(outcome)
            outcomes.end_row()
            named.add(key)
            if len(members.created) > members_before:
                new_members.append(f"line {row.line} ({_participant_label(record)})")
            if len(events.created) > events_before:
                label = f"{record.event_title} {record.event_date.isoformat()}"
                new_events.append(f"line {row.line} ({label})")
        report.count(outcomes)
        report.members_created = members.counts()[0]
        report.events_created = events.counts()[0]
        if new_members:
            report.warnings.append(
                "created members for people the member list does not contain: "
                + _listing(new_members)
            )
        if new_events:
            report.warnings.append(
                "created events the event list does not contain: " + _listing(new_events)
            )
        return {
            PARTICIPATION: {participation_key(*key) for key in named},
            MEMBER: members.created | members.touched | {member_id for member_id, _ in named},
            EVENT: events.created | {event_id for _, event_id in named},
        }

    @staticmethod
    def _upsert_participation(  # type: ignore[no-untyped-def]
        session, tenant_id, record: ParticipationRecord, members, events, existing
    ) -> tuple[Outcome, tuple[str, str]]:
        member_id = members.upsert_participant(record.member)
        event = events.find_or_create(record.event_title, record.event_date)
        key = (member_id, event.event_id)
        row = existing.get(key)
        if row is None:
            row = Participation(
                tenant_id=tenant_id, member_id=member_id, event_id=event.event_id,
                status=record.status,
            )
            existing[key] = row
            session.add(row)
            return "created", key
        if row.status == record.status:
            return "unchanged", key
        row.status = record.status
        row.updated_at = utcnow()
        session.add(row)
        return "updated", key


_LISTED_MAX = 20


def _participant_label(record: ParticipationRecord) -> str:
    member = record.member
    if member.email:
        return member.email
    if member.name:
        return member.name
    return member.organisation or member.cvr or f"member number {member.member_number}"


def _listing(rows: list[str]) -> str:
    """Join the rows, listing at most ``_LISTED_MAX`` so that a long file gives a short warning."""
    listed = ", ".join(rows[:_LISTED_MAX])
    more = len(rows) - _LISTED_MAX
    return f"{listed} and {more} more" if more > 0 else listed


class EventIndex:
    """The tenant's events by id, loaded once per import so each row is a dict look-up."""

    def __init__(self, session: Session, tenant_id: str, events: list[Event]) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.by_id = {event.event_id: event for event in events}
        self.created: set[str] = set()
        self.updated: set[str] = set()
        self.touched: set[str] = set()
        self.rows = RowOutcomes()

    @classmethod
    def load(cls, session: Session, tenant_id: str) -> EventIndex:
        events = list(session.exec(select(Event).where(Event.tenant_id == tenant_id)))
        return cls(session, tenant_id, events)

    def upsert(self, record: EventRecord) -> Event:
        fields = {
            "title": record.title, "held_on": record.held_on, "type": record.type,
            "location": record.location, "description": record.description,
        }
        event = self.find_or_create(record.title, record.held_on)
        digest = content_hash(fields)
        if event.content_hash != digest:
            for name, value in fields.items():
                setattr(event, name, value)
            if event.content_hash:
                self.rows.mark("updated")
            if event.event_id not in self.created:
                self.updated.add(event.event_id)
            event.content_hash = digest
            event.updated_at = utcnow()
            self.session.add(event)
        self.touched.add(event.event_id)
        return event

    def find_or_create(self, title: str, held_on) -> Event:  # type: ignore[no-untyped-def]
        key = event_id(self.tenant_id, title, held_on)
        event = self.by_id.get(key)
        if event is None:
            event = Event(tenant_id=self.tenant_id, event_id=key, title=title, held_on=held_on)
            self.by_id[key] = event
            self.created.add(key)
            self.rows.mark("created")
            self.session.add(event)
        return event

    def counts(self) -> tuple[int, int, int]:
        created = len(self.created)
        updated = len(self.updated - self.created)
        return created, updated, len(self.touched - self.created - self.updated)

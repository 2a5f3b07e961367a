"""Records of what each member, event or sign-up import named, and the deletion of one import.

Deleting an import removes the records that no other import of the tenant names. A member or
event that another import also names stays, with its current values. Records imported before
imports were recorded belong to no import; deleting the whole analytics data set removes them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from services.analytics.models import (
    AnalyticsImport,
    AnalyticsImportRecord,
    Event,
    Member,
    Participation,
    TextEmbedding,
    Theme,
    ThemeAssignment,
    ThemeRun,
)
from services.analytics.themes.service import text_hash, theme_text
from shared.imports import ImportInfo, ImportNotFound, ImportRemoval

if TYPE_CHECKING:
    from services.analytics.importing.importer import ImportReport

log = logging.getLogger(__name__)
T = TypeVar("T")

MEMBER, EVENT, PARTICIPATION = "member", "event", "participation"
RECORD_KINDS = (MEMBER, EVENT, PARTICIPATION)
_CHUNK = 500
RECORDS = AnalyticsImportRecord.__table__  # type: ignore[attr-defined]


def participation_key(member_id: str, event_id: str) -> str:
    return f"{member_id} {event_id}"


def record_import(
    session: Session,
    tenant_id: str,
    import_id: str,
    filename: str,
    report: ImportReport,
    named: dict[str, set[str]],
) -> None:
    """Add the import and the records it named to the session; the caller commits."""
    summary = {
        name: value for name, value in asdict(report).items()
        if isinstance(value, int) and not isinstance(value, bool)
    }
    session.add(
        AnalyticsImport(
            import_id=import_id, tenant_id=tenant_id, kind=report.kind, filename=filename,
            summary=json.dumps(summary),
        )
    )
    rows = [
        {"tenant_id": tenant_id, "import_id": import_id, "record_kind": kind, "record_key": key}
        for kind, keys in named.items()
        for key in sorted(keys)
    ]
    for chunk in _chunks(rows):
        session.execute(insert(RECORDS), list(chunk))


class AnalyticsImports:
    """The tenant's member, event and sign-up imports, listed and deleted one at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_imports(self, tenant_id: str, limit: int, offset: int) -> list[ImportInfo]:
        counts = (
            select(RECORDS.c.import_id, func.count().label("records"))
            .where(RECORDS.c.tenant_id == tenant_id)
            .group_by(RECORDS.c.import_id)
            .subquery()
        )
        query = (
            select(AnalyticsImport, counts.c.records)
            .outerjoin(counts, counts.c.import_id == AnalyticsImport.import_id)
            .where(AnalyticsImport.tenant_id == tenant_id)
            .order_by(col(AnalyticsImport.created_at).desc(), col(AnalyticsImport.import_id))
            .limit(limit)
            .offset(offset)
        )
        with Session(self.engine) as session:
            return [
                ImportInfo(
                    import_id=row.import_id, kind=row.kind, label=row.filename,
                    created_at=row.created_at, records=records or 0,
                )
                for row, records in session.execute(query)
            ]

    def delete_import(self, tenant_id: str, import_id: str) -> ImportRemoval:
        """Delete the import and the records only it named; raises ImportNotFound."""
        removal = ImportRemoval()
        with Session(self.engine) as session:
            found = session.get(AnalyticsImport, import_id)
            if found is None or found.tenant_id != tenant_id:
                raise ImportNotFound(f"import {import_id!r} was not found")
            named = _named_by(session, tenant_id, import_id)
            shared = _named_elsewhere(session, tenant_id, import_id, named)
            removal.kept = sum(len(keys) for keys in shared.values())
            orphans = {kind: named[kind] - shared[kind] for kind in RECORD_KINDS}
            referred = _organisations_of_others(session, tenant_id, orphans[MEMBER])
            orphans[MEMBER] -= referred
            removal.kept += len(referred)

            _delete_participations(session, tenant_id, orphans, removal)
            _delete_events(session, tenant_id, orphans[EVENT], removal)
            _delete_members(session, tenant_id, orphans[MEMBER], removal)

            removal.add(
                "analytics_import_records",
                session.execute(
                    delete(RECORDS).where(
                        RECORDS.c.tenant_id == tenant_id, RECORDS.c.import_id == import_id
                    )
                ).rowcount,
            )
            imports = session.execute(
                delete(AnalyticsImport).where(col(AnalyticsImport.import_id) == import_id)
            ).rowcount
            if not imports:
                session.rollback()
                raise ImportNotFound(f"import {import_id!r} was deleted by another request")
            removal.add("analytics_imports", imports)
            session.commit()
        log.info(
            "deleted analytics import %s of tenant %s: removed %s, kept %d records that other "
            "imports name", import_id, tenant_id, removal.database, removal.kept,
        )
        return removal


def forget_member(session: Session, tenant_id: str, member_id: str) -> None:
    """Delete the import records of an erased member and of their participations."""
    session.execute(
        delete(RECORDS).where(
            RECORDS.c.tenant_id == tenant_id,
            (
                (RECORDS.c.record_kind == MEMBER) & (RECORDS.c.record_key == member_id)
                | (RECORDS.c.record_kind == PARTICIPATION)
                & RECORDS.c.record_key.startswith(f"{member_id} ")
            ),
        )
    )


def imports_naming_member(
    session: Session, tenant_id: str, member_id: str
) -> list[AnalyticsImport]:
    """Return the imports that named the member, oldest first, for the member's data export."""
    named = select(RECORDS.c.import_id).where(
        RECORDS.c.tenant_id == tenant_id,
        RECORDS.c.record_kind == MEMBER,
        RECORDS.c.record_key == member_id,
    )
    query = (
        select(AnalyticsImport)
        .where(
            col(AnalyticsImport.tenant_id) == tenant_id,
            col(AnalyticsImport.import_id).in_(named),
        )
        .order_by(col(AnalyticsImport.created_at))
    )
    return list(session.execute(query).scalars())


def _organisations_of_others(
    session: Session, tenant_id: str, member_ids: set[str]
) -> set[str]:
    """Return the organisations among ``member_ids`` that a member outside them belongs to."""
    if not member_ids:
        return set()
    rows = session.execute(
        select(Member.organisation_id, Member.member_id).where(
            col(Member.tenant_id) == tenant_id, col(Member.organisation_id).is_not(None)
        )
    )
    return {
        organisation_id for organisation_id, member_id in rows
        if organisation_id in member_ids and member_id not in member_ids
    }


def _named_by(session: Session, tenant_id: str, import_id: str) -> dict[str, set[str]]:
    named: dict[str, set[str]] = {kind: set() for kind in RECORD_KINDS}
    rows = session.execute(
        select(RECORDS.c.record_kind, RECORDS.c.record_key).where(
            RECORDS.c.tenant_id == tenant_id, RECORDS.c.import_id == import_id
        )
    )
    for kind, key in rows:
        named.setdefault(kind, set()).add(key)
    return named


def _named_elsewhere(
    session: Session, tenant_id: str, import_id: str, named: dict[str, set[str]]
) -> dict[str, set[str]]:
    """Return the keys of ``named`` that another import of the tenant names too."""
    shared: dict[str, set[str]] = {kind: set() for kind in RECORD_KINDS}
    for kind in RECORD_KINDS:
        for chunk in _chunks(sorted(named[kind])):
            shared[kind].update(
                session.execute(
                    select(RECORDS.c.record_key).where(
                        RECORDS.c.tenant_id == tenant_id,
                        RECORDS.c.import_id != import_id,
                        RECORDS.c.record_kind == kind,
                        RECORDS.c.record_key.in_(chunk),
                    )
                ).scalars()
            )
    return shared


def _delete_participations(
    session: Session, tenant_id: str, orphans: dict[str, set[str]], removal: ImportRemoval
) -> None:
    """Delete the orphaned participations, and every participation of an orphaned member or
    event, since a participation cannot outlive either."""
    table = Participation.__table__  # type: ignore[attr-defined]
    pairs = [tuple(key.split(" ", 1)) for key in sorted(orphans[PARTICIPATION])]
    for chunk in _chunks(pairs):
        removal.add("participations", session.execute(
            delete(table).where(
                table.c.tenant_id == tenant_id,
                tuple_(table.c.member_id, table.c.event_id).in_(list(chunk)),
            )
        ).rowcount)
    for column, kind in ((table.c.member_id, MEMBER), (table.c.event_id, EVENT)):
        for chunk in _chunks(sorted(orphans[kind])):
            removal.add("participations", session.execute(
                delete(table).where(table.c.tenant_id == tenant_id, column.in_(chunk))
            ).rowcount)


def _delete_events(
    session: Session, tenant_id: str, event_ids: set[str], removal: ImportRemoval
) -> None:
    """Delete the events, the theme runs that grouped them and the cached vectors of their texts.

    A run's themes are described by its events' words. A run that included a deleted event is
    therefore deleted too, and a new run finds the themes of what remains.
    """
    if not event_ids:
        return
    events = list(
        session.execute(select(Event).where(col(Event.tenant_id) == tenant_id)).scalars()
    )
    gone = {text_hash(theme_text(e)) for e in events if e.event_id in event_ids}
    gone -= {text_hash(theme_text(e)) for e in events if e.event_id not in event_ids}

    runs: set[str] = set()
    for chunk in _chunks(sorted(event_ids)):
        runs.update(session.execute(
            select(ThemeAssignment.run_id).where(
                col(ThemeAssignment.tenant_id) == tenant_id,
                col(ThemeAssignment.event_id).in_(chunk),
            )
        ).scalars())
        removal.add("events", session.execute(
            delete(Event).where(col(Event.tenant_id) == tenant_id, col(Event.event_id).in_(chunk))
        ).rowcount)

    for table, name in (
        (ThemeAssignment, "theme_assignments"), (Theme, "themes"), (ThemeRun, "theme_runs"),
    ):
        removal.add(name, session.execute(
            delete(table).where(
                col(table.tenant_id) == tenant_id, col(table.run_id).in_(sorted(runs))
            )
        ).rowcount)
    for chunk in _chunks(sorted(gone)):
        removal.add("text_embeddings", session.execute(
            delete(TextEmbedding).where(
                col(TextEmbedding.tenant_id) == tenant_id,
                col(TextEmbedding.text_hash).in_(chunk),
            )
        ).rowcount)


def _delete_members(
    session: Session, tenant_id: str, member_ids: set[str], removal: ImportRemoval
) -> None:
    """Delete the members. The caller keeps the organisations that remaining members belong to.

    Unlike an erasure on request, no hashes are kept: a later import may bring them back.
    """
    for chunk in _chunks(sorted(member_ids)):
        removal.add("members", session.execute(
            delete(Member).where(
                col(Member.tenant_id) == tenant_id, col(Member.member_id).in_(chunk)
            )
        ).rowcount)


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]

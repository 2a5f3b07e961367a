"""Personal data of members: find, export and delete one person's data within a tenant."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, or_, select

from services.analytics.importing.erased import erased_rows
from services.analytics.importing.provenance import forget_member, imports_naming_member
from services.analytics.models import (
    AnalyticsImport,
    AnalyticsImportRecord,
    ColumnMapping,
    ErasedMember,
    Event,
    Job,
    Member,
    Participation,
    TextEmbedding,
    Theme,
    ThemeAssignment,
    ThemeRun,
    utcnow,
)

logger = logging.getLogger(__name__)

_EXPORTED_FIELDS = (
    "member_id", "kind", "name", "email", "cvr", "industry", "industry_code", "employee_band",
    "postcode", "joined_on", "enriched_from", "created_at", "updated_at",
)


@dataclass(frozen=True)
class DeletionReport:
    member_id: str
    participations_deleted: int
    contacts_unlinked: int


def escape_like(text: str) -> str:
    """Escape LIKE's wildcards so that ``%`` and ``_`` in a query match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_members(
    engine: Engine, tenant_id: str, query: str, limit: int = 50, offset: int = 0
) -> list[Member]:
    """Return a slice of the members whose name, e-mail, CVR number or organisation contains
    the query, in order of name."""
    pattern = f"%{escape_like(query.strip().casefold())}%"
    with Session(engine) as session:
        organisations = select(Member.member_id).where(
            Member.tenant_id == tenant_id, col(Member.name_key).like(pattern, escape="\\")
        )
        return list(
            session.exec(
                select(Member)
                .where(
                    Member.tenant_id == tenant_id,
                    or_(
                        col(Member.name_key).like(pattern, escape="\\"),
                        col(Member.email).like(pattern, escape="\\"),
                        col(Member.cvr).like(pattern, escape="\\"),
                        col(Member.organisation_id).in_(organisations),
                    ),
                )
                .order_by(col(Member.name_key), col(Member.member_id))
                .offset(offset)
                .limit(limit)
            )
        )


def export_member(engine: Engine, tenant_id: str, member_id: str) -> dict[str, object] | None:
    """Everything stored about one member, or None when the tenant has no such member."""
    with Session(engine) as session:
        member = session.get(Member, (tenant_id, member_id))
        if member is None:
            return None
        organisation = session.get(Member, (tenant_id, member.organisation_id or ""))
        rows = session.exec(
            select(Participation, Event)
            .join(Event, col(Event.event_id) == col(Participation.event_id))
            .where(
                Participation.tenant_id == tenant_id,
                Event.tenant_id == tenant_id,
                Participation.member_id == member_id,
            )
            .order_by(col(Event.held_on))
        ).all()
        exported: dict[str, object] = {name: getattr(member, name) for name in _EXPORTED_FIELDS}
        exported["organisation"] = organisation.name if organisation else None
        exported["participations"] = [
            {
                "event_id": event.event_id,
                "event_title": event.title,
                "held_on": event.held_on,
                "status": participation.status.value,
            }
            for participation, event in rows
        ]
        exported["imports"] = [
            {"import_id": row.import_id, "kind": row.kind, "filename": row.filename,
             "imported_at": row.created_at}
            for row in imports_naming_member(session, tenant_id, member_id)
        ]
        exported["exported_at"] = utcnow()
        return exported


def delete_member(engine: Engine, tenant_id: str, member_id: str) -> DeletionReport | None:
    """Delete a member and their participations; contacts of a deleted organisation stay,
    without it. Hashes of the member's identifiers are kept so that later imports skip the
    member. Returns None when the tenant has no such member."""
    with Session(engine) as session:
        member = session.get(Member, (tenant_id, member_id))
        if member is None:
            return None
        participations = session.exec(
            delete(Participation).where(
                Participation.tenant_id == tenant_id, Participation.member_id == member_id
            )
        ).rowcount
        contacts = list(
            session.exec(
                select(Member).where(
                    Member.tenant_id == tenant_id, Member.organisation_id == member_id
                )
            )
        )
        for contact in contacts:
            contact.organisation_id = None
            session.add(contact)
        for erased in erased_rows(tenant_id, member):
            session.merge(erased)
        forget_member(session, tenant_id, member_id)
        session.delete(member)
        session.commit()
    logger.info(
        "deleted member %s of tenant %s with %d participations", member_id, tenant_id,
        participations,
    )
    return DeletionReport(member_id, participations, len(contacts))


def delete_tenant(engine: Engine, tenant_id: str) -> None:
    """Delete every analytics row of a tenant."""
    tables = (
        ThemeAssignment, Theme, ThemeRun, TextEmbedding, Participation, Event, Member,
        ColumnMapping, Job, ErasedMember, AnalyticsImportRecord, AnalyticsImport,
    )
    with Session(engine) as session:
        for table in tables:
            session.exec(delete(table).where(col(table.tenant_id) == tenant_id))  # type: ignore[attr-defined]
        session.commit()
    logger.info("deleted all analytics data of tenant %s", tenant_id)

"""Join company facts onto a tenant's organisations by CVR number."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.analytics.enrichment.base import CompanyDataConnector
from services.analytics.importing.keys import content_hash
from services.analytics.importing.members import TRACKED_FIELDS
from services.analytics.models import Member, MemberKind, utcnow

logger = logging.getLogger(__name__)


@dataclass
class EnrichmentReport:
    source: str
    organisations_with_cvr: int = 0
    matched: int = 0
    updated: int = 0
    unmatched_cvr: list[str] = field(default_factory=list)


def enrich_members(
    engine: Engine, tenant_id: str, connector: CompanyDataConnector
) -> EnrichmentReport:
    """Set each matched organisation's industry code and employee band from the connector.

    The industry text is set only where the tenant's own files left it empty, because the
    members' own wording is kept."""
    report = EnrichmentReport(source=connector.name)
    with Session(engine, expire_on_commit=False) as session:
        organisations = list(
            session.exec(
                select(Member).where(
                    Member.tenant_id == tenant_id,
                    Member.kind == MemberKind.ORGANISATION,
                    col(Member.cvr).is_not(None),
                )
            )
        )
        report.organisations_with_cvr = len(organisations)
        facts = connector.lookup({member.cvr for member in organisations if member.cvr})
        for member in organisations:
            found = facts.get(member.cvr or "")
            if found is None:
                report.unmatched_cvr.append(member.cvr or "")
                continue
            report.matched += 1
            before = (member.industry_code, member.industry, member.employee_band)
            member.industry_code = found.industry_code or member.industry_code
            member.employee_band = found.employee_band or member.employee_band
            member.industry = member.industry or found.industry
            if (member.industry_code, member.industry, member.employee_band) != before:
                report.updated += 1
                member.enriched_from = connector.name
                member.content_hash = content_hash(
                    {name: getattr(member, name) for name in TRACKED_FIELDS}
                )
                member.updated_at = utcnow()
                session.add(member)
        session.commit()
    report.unmatched_cvr.sort()
    logger.info(
        "enriched tenant %s from %s: %d of %d organisations matched, %d updated",
        tenant_id, connector.name, report.matched, report.organisations_with_cvr, report.updated,
    )
    return report

"""The audit log of each tenant: sign-ins, key use, uploads, deletions and exports."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from services.api.models import AuditEvent
from shared.db import session_scope

log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self, tenant_id: str, actor: str, action: str, *, target: str = "",
        succeeded: bool = True, status_code: int | None = None,
    ) -> None:
        event = AuditEvent(
            tenant_id=tenant_id, actor=actor[:80], action=action[:80], target=target[:300],
            outcome="succeeded" if succeeded else "failed", status_code=status_code,
        )
        with session_scope(self._engine) as session:
            session.add(event)
            session.commit()
        log.info("audit: tenant %s, %s %s %s (%s)", tenant_id, actor, action, target,
                 event.outcome)

    def page(self, tenant_id: str, after_id: int | None, limit: int) -> list[AuditEvent]:
        """Return events newest first, those older than ``after_id`` when it is given."""
        query = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
        if after_id is not None:
            query = query.where(col(AuditEvent.id) < after_id)
        query = query.order_by(col(AuditEvent.id).desc()).limit(limit)
        with session_scope(self._engine) as session:
            return list(session.exec(query))

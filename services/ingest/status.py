"""Status consumers: move each asset forward as the pipeline reports on it.

Consumer group "ingest-status" reads asset.embedded, asset.indexed and the dead letters of
asset.ingested and asset.embedded. Every change is one conditional UPDATE that only moves an
asset forward in the order stored < embedded < failed < indexed, so replays, duplicates and
late records are no-ops. An indexed asset stays indexed, because its vector is searchable
whatever a late record reports, and a failed asset becomes indexed when a later try succeeds.

An asset.indexed record for an asset that no longer exists means the photo, its upload or its
tenant was deleted while the photo was on its way to the index. The vector was written after
the deletion removed the others, so this group sends asset.deleted again to remove it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf.message import Message
from sqlalchemy import select, tuple_, update
from sqlalchemy.engine import Engine

from services.ingest.metrics import STATUS_CHANGES
from services.ingest.models import Asset, AssetStatus, utcnow
from shared.bus.base import MessageBus
from shared.bus.topics import (
    ASSET_DELETED,
    ASSET_EMBEDDED,
    ASSET_INDEXED,
    ASSET_INGESTED,
    CONTRACT_VERSION,
)
from shared.consumer import Decoded, PublishDeadLetter, RetryPolicy, build_consumer
from shared.contracts.v1.assets_pb2 import AssetDeleted, AssetEmbedded, AssetIndexed, DeadLetter
from shared.db import session_scope

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)

STATUS_GROUP = "ingest-status"
MAX_BATCH = 64

_RANK = {
    AssetStatus.STORED: 0,
    AssetStatus.EMBEDDED: 1,
    AssetStatus.FAILED: 2,
    AssetStatus.INDEXED: 3,
}


@dataclass(frozen=True)
class StatusChange:
    tenant_id: str
    asset_id: str
    status: AssetStatus
    reason: str | None = None


def apply_status_changes(engine: Engine, changes: Sequence[StatusChange]) -> int:
    """Apply each change that moves its asset forward, in one transaction.

    Returns how many assets changed. Changes for assets that do not exist (deleted since) and
    changes that would move an asset backwards or keep it where it is are skipped.
    """
    applied = 0
    with session_scope(engine) as session:
        for change in changes:
            earlier = [status for status, rank in _RANK.items() if rank < _RANK[change.status]]
            statement = (
                update(Asset)
                .where(
                    Asset.tenant_id == change.tenant_id,  # type: ignore[arg-type]
                    Asset.asset_id == change.asset_id,  # type: ignore[arg-type]
                    Asset.status.in_(earlier),  # type: ignore[attr-defined]
                )
                .values(
                    status=change.status,
                    failure_reason=change.reason if change.status == AssetStatus.FAILED else None,
                    updated_at=utcnow(),
                )
            )
            if session.execute(statement).rowcount:  # type: ignore[attr-defined]
                applied += 1
                STATUS_CHANGES.labels(change.status.value).inc()
                log.info(
                    "asset status: tenant=%s asset=%s status=%s%s",
                    change.tenant_id, change.asset_id, change.status.value,
                    f" reason={change.reason}" if change.reason else "",
                )
        session.commit()
    return applied


def missing_assets(engine: Engine, changes: Sequence[StatusChange]) -> list[tuple[str, str]]:
    """Return the (tenant, asset) pairs of ``changes`` that have no asset row."""
    pairs = sorted({(change.tenant_id, change.asset_id) for change in changes})
    if not pairs:
        return []
    with session_scope(engine) as session:
        rows = session.execute(
            select(Asset.tenant_id, Asset.asset_id).where(  # type: ignore[call-overload]
                tuple_(Asset.tenant_id, Asset.asset_id).in_(pairs)
            )
        )
        found = {(tenant_id, asset_id) for tenant_id, asset_id in rows}
    return [pair for pair in pairs if pair not in found]


class StatusConsumers:
    """The "ingest-status" consumers, wired to the bus by ``subscribe``."""

    def __init__(self, engine: Engine, bus: MessageBus, retry: RetryPolicy) -> None:
        self._engine = engine
        self._bus = bus
        self._retry = retry
        # A record this group cannot apply goes to its topic's dead letters with this stage,
        # and ``on_dead_letter`` skips that stage: the asset itself did not fail.
        self._dead_letter = PublishDeadLetter(bus, stage=STATUS_GROUP, group=STATUS_GROUP)

    def subscribe(self) -> None:
        self._add(ASSET_EMBEDDED.name, AssetEmbedded, self.on_embedded)
        self._add(ASSET_INDEXED.name, AssetIndexed, self.on_indexed)
        self._add(ASSET_INGESTED.dead_letter, DeadLetter, self.on_dead_letter)
        self._add(ASSET_EMBEDDED.dead_letter, DeadLetter, self.on_dead_letter)

    def on_embedded(self, items: Sequence[Decoded[AssetEmbedded]]) -> None:
        changes = [_change(item.message, AssetStatus.EMBEDDED) for item in items]
        apply_status_changes(self._engine, changes)

    def on_indexed(self, items: Sequence[Decoded[AssetIndexed]]) -> None:
        changes = [_change(item.message, AssetStatus.INDEXED) for item in items]
        apply_status_changes(self._engine, changes)
        for tenant_id, asset_id in missing_assets(self._engine, changes):
            log.info(
                "asset %s of tenant %s was indexed after its deletion; removing its vector",
                asset_id, tenant_id,
            )
            deleted = AssetDeleted(
                version=CONTRACT_VERSION, tenant_id=tenant_id, asset_id=asset_id
            )
            self._bus.publish(ASSET_DELETED.name, tenant_id, deleted.SerializeToString())

    def on_dead_letter(self, items: Sequence[Decoded[DeadLetter]]) -> None:
        changes = []
        for item in items:
            letter = item.message
            if letter.stage == STATUS_GROUP:
                continue
            if not letter.asset_id:
                log.warning(
                    "dead letter without an asset id on %s: tenant=%s stage=%s reason=%s",
                    item.record.topic, letter.tenant_id, letter.stage, letter.reason,
                )
                continue
            reason = f"{letter.stage}: {letter.reason}" if letter.stage else letter.reason
            changes.append(_change(letter, AssetStatus.FAILED, reason))
        apply_status_changes(self._engine, changes)

    def _add(
        self, topic: str, message_type: type[M], task: Callable[[Sequence[Decoded[M]]], None]
    ) -> None:
        handler = build_consumer(
            message_type=message_type,
            task=task,
            topic=topic,
            group=STATUS_GROUP,
            retry=self._retry,
            dead_letter=self._dead_letter,
        )
        self._bus.subscribe(topic, STATUS_GROUP, handler, max_batch=MAX_BATCH)


def _change(
    message: AssetEmbedded | AssetIndexed | DeadLetter,
    status: AssetStatus,
    reason: str | None = None,
) -> StatusChange:
    return StatusChange(message.tenant_id, message.asset_id, status, reason)

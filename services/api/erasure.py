"""Deleting a tenant's data from every store: database tables, vectors and stored objects.

The database part needs no list of tables: every table registered on SQLModel's metadata has a
``tenant_id`` column, and a data set is the tables of the service module that owns it. A table
added later is therefore erased with the rest without a change here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Table, delete, func, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from shared.db import session_scope
from shared.storage import ObjectStore

log = logging.getLogger(__name__)

# A data set is the tables of the models modules under these prefixes: photos include their
# visual groups.
DATASETS: dict[str, tuple[str, ...]] = {
    "photos": ("services.ingest.", "services.search."),
    "analytics": ("services.analytics.",),
    "audience": ("services.audience.",),
}


class VectorIndex(Protocol):
    def count_tenant(self, tenant_id: str) -> int: ...

    def delete_tenant(self, tenant_id: str) -> None: ...


@dataclass
class StoreCounts:
    """Counts of a tenant's items per store: those stored, or those removed."""

    database: dict[str, int] = field(default_factory=dict)
    vectors: int = 0
    objects: int = 0

    @property
    def total(self) -> int:
        return sum(self.database.values()) + self.vectors + self.objects


def tenant_tables() -> list[Table]:
    """Return every table with a tenant column, children before the tables they reference."""
    return [t for t in reversed(SQLModel.metadata.sorted_tables) if "tenant_id" in t.c]


# Hashes of people erased on request, which later imports skip. Deleting a data set keeps them,
# or a re-imported file would bring the people back; deleting the tenant removes them.
ERASURE_RECORDS = frozenset({"analytics_erased_members", "audience_erased_handles"})


def dataset_tables(dataset: str) -> list[Table]:
    prefixes = DATASETS[dataset]
    owned = {
        mapper.local_table.name
        for mapper in SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
        if mapper.class_.__module__.startswith(prefixes)
    }
    return [t for t in tenant_tables() if t.name in owned and t.name not in ERASURE_RECORDS]


class TenantEraser:
    def __init__(
        self, engine: Engine, objects: ObjectStore | None, vectors: VectorIndex | None
    ) -> None:
        self._engine = engine
        self._objects = objects
        self._vectors = vectors

    def inventory(self, tenant_id: str, tables: list[Table] | None = None) -> StoreCounts:
        """Count the tenant's items in each store (only in ``tables`` when given)."""
        counts = StoreCounts()
        with session_scope(self._engine) as session:
            for table in tables if tables is not None else tenant_tables():
                query = select(func.count()).select_from(table)
                rows = session.execute(query.where(table.c.tenant_id == tenant_id)).scalar_one()
                if rows:
                    counts.database[table.name] = rows
        if self._vectors is not None:
            counts.vectors = self._vectors.count_tenant(tenant_id)
        if self._objects is not None:
            counts.objects = self._objects.count_prefix(tenant_id)
        return counts

    def erase_tenant(self, tenant_id: str) -> StoreCounts:
        """Delete everything of the tenant, the tenant itself included; returns what was removed.

        A photo still on its way through the bus can be indexed after this returns. The
        ingest status consumer then finds no asset row and sends asset.deleted again.
        """
        removed = self._erase_outside_database(tenant_id)
        removed.database = self._delete_rows(tenant_id, tenant_tables())
        removed.vectors += self._delete_vectors(tenant_id)
        log.info("erased tenant %s: %s", tenant_id, removed)
        return removed

    def erase_dataset(self, tenant_id: str, dataset: str) -> StoreCounts:
        """Delete one data set of the tenant: the rows of its service, and for photos their
        vectors and stored objects."""
        if dataset != "photos":
            removed = StoreCounts(database=self._delete_rows(tenant_id, dataset_tables(dataset)))
            log.info("erased data set %s of tenant %s: %s", dataset, tenant_id, removed)
            return removed
        removed = self._erase_outside_database(tenant_id)
        removed.database = self._delete_rows(tenant_id, dataset_tables(dataset))
        removed.vectors += self._delete_vectors(tenant_id)
        log.info("erased data set %s of tenant %s: %s", dataset, tenant_id, removed)
        return removed

    def _erase_outside_database(self, tenant_id: str) -> StoreCounts:
        # Vectors and objects go first: should this stop half-way, the rows that remain still
        # list the photos, so deleting again finds and removes the rest. A photo indexed after
        # this but before its row is deleted is not removed by the status consumer, so the
        # callers delete the vectors once more after the rows.
        removed = StoreCounts(vectors=self._delete_vectors(tenant_id))
        if self._objects is not None:
            removed.objects = self._objects.delete_prefix(tenant_id)
        return removed

    def _delete_vectors(self, tenant_id: str) -> int:
        if self._vectors is None:
            return 0
        count = self._vectors.count_tenant(tenant_id)
        if count:
            self._vectors.delete_tenant(tenant_id)
        return count

    def _delete_rows(self, tenant_id: str, tables: list[Table]) -> dict[str, int]:
        removed: dict[str, int] = {}
        with session_scope(self._engine) as session:
            for table in tables:
                result = session.execute(delete(table).where(table.c.tenant_id == tenant_id))
                if result.rowcount:
                    removed[table.name] = result.rowcount
            session.commit()
        return removed

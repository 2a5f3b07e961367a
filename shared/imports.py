"""Types that every service's imports share: an import's listing and the result of deleting one.

An import is one file or upload a tenant sent: a member list, an Instagram export, a batch of
photos. Each service records which of its records every import named. Deleting an import
removes the records that no other import of the tenant names. A record that another import
also names stays, with the values it has now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class ImportNotFound(LookupError):
    """The tenant has no import with this id (another tenant's import is not found either)."""


class ImportInProgress(RuntimeError):
    """The import is still running; it can be deleted once it has finished."""


@dataclass(frozen=True)
class ImportInfo:
    import_id: str
    kind: str
    label: str
    created_at: datetime
    records: int
    files: int = 1


@dataclass
class ImportRemoval:
    """Counts of what deleting an import removed, per store, and of the records that stayed."""

    database: dict[str, int] = field(default_factory=dict)
    vectors: int = 0
    objects: int = 0
    kept: int = 0

    def add(self, table: str, rows: int) -> None:
        if rows:
            self.database[table] = self.database.get(table, 0) + rows


class ImportRegistry(Protocol):
    """One service's imports: listed newest first, and deleted one at a time."""

    def list_imports(self, tenant_id: str, limit: int, offset: int) -> list[ImportInfo]: ...

    def delete_import(self, tenant_id: str, import_id: str) -> ImportRemoval: ...

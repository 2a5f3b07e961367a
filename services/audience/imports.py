"""Records of what each Instagram import named, and the deletion of one import.

Deleting an import removes the records that no other import of the tenant names. An account
also stays while a remaining follow, engagement or post still refers to it, and a post while a
remaining engagement does. Community runs keep their communities, without the deleted accounts.
Records imported before imports were recorded belong to no import; deleting the whole audience
data set removes them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, delete, func, insert, select, tuple_, update
from sqlalchemy.engine import Connection, Engine

from services.audience.models import AudienceImport, Community
from services.audience.store import (
    ACCOUNTS,
    ALIASES,
    ENGAGEMENTS,
    FOLLOWS,
    IMPORT_RECORDS,
    MEMBERSHIPS,
    POSTS,
    NamedRecords,
)
from services.audience.vectors import forget_texts
from shared.imports import ImportInfo, ImportNotFound, ImportRemoval

log = logging.getLogger(__name__)
T = TypeVar("T")

ACCOUNT, POST, FOLLOW, ENGAGEMENT = "account", "post", "follow", "engagement"
IMPORTS: Table = AudienceImport.__table__  # type: ignore[attr-defined]
COMMUNITIES: Table = Community.__table__  # type: ignore[attr-defined]
_CHUNK = 500

Key = tuple[int, int | None]


def record_named(
    connection: Connection, tenant_id: str, import_id: str, named: NamedRecords
) -> None:
    rows: list[dict[str, Any]] = []
    singles = ((ACCOUNT, named.accounts), (POST, named.posts), (ENGAGEMENT, named.engagements))
    for kind, ids in singles:
        rows += [_record_row(tenant_id, import_id, kind, record_id, None) for record_id in ids]
    rows += [_record_row(tenant_id, import_id, FOLLOW, a, b) for a, b in named.follows]
    for chunk in _chunks(rows):
        connection.execute(insert(IMPORT_RECORDS), list(chunk))


def prune_import_records(connection: Connection, tenant_id: str) -> None:
    """Delete the tenant's import records whose account, post or engagement is gone."""
    for kind, table in ((ACCOUNT, ACCOUNTS), (POST, POSTS), (ENGAGEMENT, ENGAGEMENTS)):
        connection.execute(
            delete(IMPORT_RECORDS).where(
                IMPORT_RECORDS.c.tenant_id == tenant_id,
                IMPORT_RECORDS.c.record_kind == kind,
                IMPORT_RECORDS.c.record_id.not_in(
                    select(table.c.id).where(table.c.tenant_id == tenant_id)
                ),
            )
        )
    existing = select(FOLLOWS.c.follower_id, FOLLOWS.c.followed_id).where(
        FOLLOWS.c.tenant_id == tenant_id
    )
    connection.execute(
        delete(IMPORT_RECORDS).where(
            IMPORT_RECORDS.c.tenant_id == tenant_id,
            IMPORT_RECORDS.c.record_kind == FOLLOW,
            tuple_(IMPORT_RECORDS.c.record_id, IMPORT_RECORDS.c.other_id).not_in(existing),
        )
    )


def scrub_typical_members(connection: Connection, tenant_id: str, handles: set[str]) -> int:
    """Remove the handles from the tenant's communities' lists of typical members."""
    changed = 0
    rows = connection.execute(
        select(COMMUNITIES.c.id, COMMUNITIES.c.typical_members).where(
            COMMUNITIES.c.tenant_id == tenant_id
        )
    ).all()
    for row in rows:
        typical = json.loads(row.typical_members)
        kept = [handle for handle in typical if handle not in handles]
        if len(kept) != len(typical):
            connection.execute(
                update(COMMUNITIES)
                .where(COMMUNITIES.c.id == row.id)
                .values(typical_members=json.dumps(kept))
            )
            changed += 1
    return changed


class AudienceImports:
    """The tenant's Instagram imports, listed and deleted one at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_imports(self, tenant_id: str, limit: int, offset: int) -> list[ImportInfo]:
        counts = (
            select(IMPORT_RECORDS.c.import_id, func.count().label("records"))
            .where(IMPORT_RECORDS.c.tenant_id == tenant_id)
            .group_by(IMPORT_RECORDS.c.import_id)
            .subquery()
        )
        query = (
            select(IMPORTS, counts.c.records)
            .outerjoin(counts, counts.c.import_id == IMPORTS.c.import_id)
            .where(IMPORTS.c.tenant_id == tenant_id)
            .order_by(IMPORTS.c.created_at.desc(), IMPORTS.c.import_id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as connection:
            return [
                ImportInfo(
                    import_id=row.import_id, kind=row.source, label=row.filename,
                    created_at=row.created_at, records=row.records or 0,
                )
                for row in connection.execute(query)
            ]

    def delete_import(self, tenant_id: str, import_id: str) -> ImportRemoval:
        """Delete the import and the records only it named; raises ImportNotFound."""
        removal = ImportRemoval()
        with self.engine.begin() as connection:
            found = connection.execute(
                select(IMPORTS.c.import_id).where(
                    IMPORTS.c.tenant_id == tenant_id, IMPORTS.c.import_id == import_id
                )
            ).first()
            if found is None:
                raise ImportNotFound(f"import {import_id!r} was not found")
            named = _named_by(connection, tenant_id, import_id)
            shared = _named_elsewhere(connection, tenant_id, import_id, named)
            orphans = {kind: named[kind] - shared[kind] for kind in named}
            texts = _delete_engagements(connection, tenant_id, orphans[ENGAGEMENT], removal)
            _delete_follows(connection, tenant_id, orphans[FOLLOW], removal)
            texts += _delete_posts(connection, tenant_id, orphans[POST], removal)
            _delete_accounts(connection, tenant_id, orphans[ACCOUNT], removal)
            removal.kept = sum(len(named[kind]) for kind in named) - _removed_records(removal)
            removal.add("audience_import_records", connection.execute(
                delete(IMPORT_RECORDS).where(
                    IMPORT_RECORDS.c.tenant_id == tenant_id,
                    IMPORT_RECORDS.c.import_id == import_id,
                )
            ).rowcount)
            imports = connection.execute(
                delete(IMPORTS).where(IMPORTS.c.import_id == import_id)
            ).rowcount
            if not imports:
                # Raising rolls the transaction back: another request deleted the import first.
                raise ImportNotFound(f"import {import_id!r} was deleted by another request")
            removal.add("audience_imports", imports)
            prune_import_records(connection, tenant_id)
        removal.add("audience_text_vectors", forget_texts(self.engine, tenant_id, texts))
        log.info(
            "deleted audience import %s of tenant %s: removed %s, kept %d records",
            import_id, tenant_id, removal.database, removal.kept,
        )
        return removal


def _record_row(
    tenant_id: str, import_id: str, kind: str, record_id: int, other_id: int | None
) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id, "import_id": import_id, "record_kind": kind,
        "record_id": record_id, "other_id": other_id,
    }


def _removed_records(removal: ImportRemoval) -> int:
    tables = ("audience_accounts", "audience_posts", "audience_follows", "audience_engagements")
    return sum(removal.database.get(table, 0) for table in tables)


def _named_by(connection: Connection, tenant_id: str, import_id: str) -> dict[str, set[Key]]:
    named: dict[str, set[Key]] = {kind: set() for kind in (ACCOUNT, POST, FOLLOW, ENGAGEMENT)}
    rows = connection.execute(
        select(
            IMPORT_RECORDS.c.record_kind, IMPORT_RECORDS.c.record_id, IMPORT_RECORDS.c.other_id
        ).where(IMPORT_RECORDS.c.tenant_id == tenant_id, IMPORT_RECORDS.c.import_id == import_id)
    )
    for kind, record_id, other_id in rows:
        named[kind].add((record_id, other_id))
    return named


def _named_elsewhere(
    connection: Connection, tenant_id: str, import_id: str, named: dict[str, set[Key]]
) -> dict[str, set[Key]]:
    """Return the records of ``named`` that another import of the tenant names too."""
    shared: dict[str, set[Key]] = {kind: set() for kind in named}
    for kind, keys in named.items():
        for chunk in _chunks(sorted({record_id for record_id, _ in keys})):
            rows = connection.execute(
                select(IMPORT_RECORDS.c.record_id, IMPORT_RECORDS.c.other_id).where(
                    IMPORT_RECORDS.c.tenant_id == tenant_id,
                    IMPORT_RECORDS.c.import_id != import_id,
                    IMPORT_RECORDS.c.record_kind == kind,
                    IMPORT_RECORDS.c.record_id.in_(chunk),
                )
            )
            shared[kind].update(
                (record_id, other_id) for record_id, other_id in rows
                if (record_id, other_id) in keys
            )
    return shared


def _delete_engagements(
    connection: Connection, tenant_id: str, keys: set[Key], removal: ImportRemoval
) -> list[str]:
    """Delete the engagements; return their texts, whose cached vectors go too."""
    texts: list[str] = []
    for chunk in _chunks(sorted(record_id for record_id, _ in keys)):
        where = (ENGAGEMENTS.c.tenant_id == tenant_id, ENGAGEMENTS.c.id.in_(chunk))
        found = connection.execute(select(ENGAGEMENTS.c.text).where(*where)).scalars()
        texts += [text for text in found if text]
        deleted = connection.execute(delete(ENGAGEMENTS).where(*where)).rowcount
        removal.add("audience_engagements", deleted)
    return texts


def _delete_follows(
    connection: Connection, tenant_id: str, keys: set[Key], removal: ImportRemoval
) -> None:
    for chunk in _chunks(sorted(keys, key=lambda key: (key[0], key[1] or 0))):
        removal.add("audience_follows", connection.execute(
            delete(FOLLOWS).where(
                FOLLOWS.c.tenant_id == tenant_id,
                tuple_(FOLLOWS.c.follower_id, FOLLOWS.c.followed_id).in_(list(chunk)),
            )
        ).rowcount)


def _delete_posts(
    connection: Connection, tenant_id: str, keys: set[Key], removal: ImportRemoval
) -> list[str]:
    """Delete the posts that no remaining engagement refers to; return their captions."""
    captions: list[str] = []
    for chunk in _chunks(sorted(record_id for record_id, _ in keys)):
        referred = select(ENGAGEMENTS.c.post_id).where(
            ENGAGEMENTS.c.tenant_id == tenant_id, ENGAGEMENTS.c.post_id.is_not(None)
        )
        where = (
            POSTS.c.tenant_id == tenant_id, POSTS.c.id.in_(chunk), POSTS.c.id.not_in(referred)
        )
        found = connection.execute(select(POSTS.c.caption).where(*where)).scalars()
        captions += [caption for caption in found if caption]
        removal.add("audience_posts", connection.execute(delete(POSTS).where(*where)).rowcount)
    return captions


def _delete_accounts(
    connection: Connection, tenant_id: str, keys: set[Key], removal: ImportRemoval
) -> None:
    """Delete the accounts that no remaining follow, engagement or post refers to."""
    referred = [
        select(FOLLOWS.c.follower_id).where(FOLLOWS.c.tenant_id == tenant_id),
        select(FOLLOWS.c.followed_id).where(FOLLOWS.c.tenant_id == tenant_id),
        select(ENGAGEMENTS.c.account_id).where(ENGAGEMENTS.c.tenant_id == tenant_id),
        select(ENGAGEMENTS.c.target_id).where(
            ENGAGEMENTS.c.tenant_id == tenant_id, ENGAGEMENTS.c.target_id.is_not(None)
        ),
        select(POSTS.c.owner_id).where(POSTS.c.tenant_id == tenant_id),
    ]
    handles: set[str] = set()
    for chunk in _chunks(sorted(record_id for record_id, _ in keys)):
        conditions = [ACCOUNTS.c.tenant_id == tenant_id, ACCOUNTS.c.id.in_(chunk)]
        conditions += [ACCOUNTS.c.id.not_in(query) for query in referred]
        gone = connection.execute(
            select(ACCOUNTS.c.id, ACCOUNTS.c.handle).where(*conditions)
        ).all()
        ids = [row.id for row in gone]
        handles.update(row.handle for row in gone)
        aliases = connection.execute(
            select(ALIASES.c.handle).where(ALIASES.c.account_id.in_(ids))
        ).scalars()
        handles.update(aliases)
        removal.add("audience_community_memberships", connection.execute(
            delete(MEMBERSHIPS).where(MEMBERSHIPS.c.account_id.in_(ids))
        ).rowcount)
        removal.add("audience_aliases", connection.execute(
            delete(ALIASES).where(ALIASES.c.account_id.in_(ids))
        ).rowcount)
        removal.add("audience_accounts", connection.execute(
            delete(ACCOUNTS).where(ACCOUNTS.c.id.in_(ids))
        ).rowcount)
    scrubbed = scrub_typical_members(connection, tenant_id, handles)
    log.debug("tenant %s: removed deleted accounts from %d communities", tenant_id, scrubbed)


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]

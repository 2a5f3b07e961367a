"""Write import batches into the audience tables: accounts resolved once per tenant.

An account is found by its Instagram id first (stable through a change of handle), then by its
handle or an earlier handle. When a source shows a known id under a new handle, the account is
renamed and the old handle is kept as an alias. An account that was known only by the new
handle (from a follower list, which has no ids) is merged into it, so one person counts once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from services.audience.importing.records import (
    ROLE_RANK,
    AccountRecord,
    AccountRole,
    ImportBatch,
    PostRecord,
    hashtags_of,
)
from services.audience.models import (
    AudienceAccount,
    AudienceAlias,
    AudienceEngagement,
    AudienceFollow,
    AudienceImportRecord,
    AudiencePost,
    CommunityMembership,
    ErasedHandle,
    utcnow,
)

logger = logging.getLogger(__name__)

_CHUNK = 5000
ACCOUNTS: Table = AudienceAccount.__table__  # type: ignore[attr-defined]
ALIASES: Table = AudienceAlias.__table__  # type: ignore[attr-defined]
POSTS: Table = AudiencePost.__table__  # type: ignore[attr-defined]
FOLLOWS: Table = AudienceFollow.__table__  # type: ignore[attr-defined]
ENGAGEMENTS: Table = AudienceEngagement.__table__  # type: ignore[attr-defined]
ERASED: Table = ErasedHandle.__table__  # type: ignore[attr-defined]
MEMBERSHIPS: Table = CommunityMembership.__table__  # type: ignore[attr-defined]
IMPORT_RECORDS: Table = AudienceImportRecord.__table__  # type: ignore[attr-defined]


def handle_hash(tenant_id: str, handle: str) -> str:
    """Return the hash kept for an erased handle; the tenant id salts it."""
    return hashlib.sha256(f"{tenant_id}\x00{handle}".encode()).hexdigest()


@dataclass
class ImportSummary:
    accounts_created: int = 0
    accounts_renamed: int = 0
    accounts_merged: int = 0
    posts_created: int = 0
    posts_updated: int = 0
    posts_marked_deleted: int = 0
    follows_added: int = 0
    engagements_added: int = 0
    skipped_erased: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Accounts:
    """The tenant's accounts as maps, kept current while a batch is applied."""

    by_handle: dict[str, int]
    by_alias: dict[str, int]
    by_platform_id: dict[str, int]
    platform_id_of: dict[int, str | None]
    role_of: dict[int, AccountRole]
    handle_of: dict[int, str]

    def find(self, handle: str) -> int | None:
        return self.by_handle.get(handle) or self.by_alias.get(handle)


@dataclass
class NamedRecords:
    """The ids of the records one batch named: what deleting its import looks at."""

    accounts: set[int] = field(default_factory=set)
    posts: set[int] = field(default_factory=set)
    follows: set[tuple[int, int]] = field(default_factory=set)
    engagements: set[int] = field(default_factory=set)


def apply_batch(engine: Engine, tenant_id: str, batch: ImportBatch) -> ImportSummary:
    """Store the batch for the tenant in one transaction and return what changed."""
    with engine.begin() as connection:
        summary, _ = store_batch(connection, tenant_id, batch)
    return summary


def store_batch(
    connection: Connection, tenant_id: str, batch: ImportBatch
) -> tuple[ImportSummary, NamedRecords]:
    """Store the batch in the caller's transaction; return what changed and what it named."""
    summary = ImportSummary(warnings=list(batch.warnings))
    named = NamedRecords()
    erased = _erased_in_batch(connection, tenant_id, batch)
    summary.skipped_erased = len(erased)
    accounts = _load_accounts(connection, tenant_id, batch)
    _resolve_accounts(connection, tenant_id, batch, accounts, erased, summary)
    named.accounts = {
        account_id
        for handle in batch.accounts
        if handle not in erased and (account_id := accounts.find(handle)) is not None
    }
    post_ids = _store_posts(connection, tenant_id, batch, accounts, summary)
    named.posts = {
        post_ids[key]
        for key in [post.post_key for post in batch.posts]
        + [e.post_key for e in batch.engagements if e.post_key and e.actor not in erased]
        if key in post_ids
    }
    named.follows = _store_follows(connection, tenant_id, batch, accounts, erased, summary)
    named.engagements = _store_engagements(
        connection, tenant_id, batch, accounts, post_ids, erased, summary
    )
    logger.info(
        "tenant %s: stored %s batch: %d accounts created, %d follows, %d engagements, "
        "%d posts created",
        tenant_id,
        batch.source,
        summary.accounts_created,
        summary.follows_added,
        summary.engagements_added,
        summary.posts_created,
    )
    return summary, named


def _erased_in_batch(connection: Connection, tenant_id: str, batch: ImportBatch) -> set[str]:
    hashes = {handle_hash(tenant_id, handle): handle for handle in batch.accounts}
    if not hashes:
        return set()
    found: set[str] = set()
    keys = list(hashes)
    for start in range(0, len(keys), _CHUNK):
        rows = connection.execute(
            select(ERASED.c.handle_hash).where(
                ERASED.c.tenant_id == tenant_id,
                ERASED.c.handle_hash.in_(keys[start : start + _CHUNK]),
            )
        )
        found.update(hashes[row.handle_hash] for row in rows)
    return found


def _load_accounts(connection: Connection, tenant_id: str, batch: ImportBatch) -> _Accounts:
    """Load the tenant's accounts that the batch names by handle, earlier handle or id."""
    handles = sorted(batch.accounts)
    platform_ids = sorted({r.platform_id for r in batch.accounts.values() if r.platform_id})
    aliases = []
    for chunk in _chunks(handles):
        aliases += connection.execute(
            select(ALIASES.c.handle, ALIASES.c.account_id).where(
                ALIASES.c.tenant_id == tenant_id, ALIASES.c.handle.in_(chunk)
            )
        ).all()
    columns = (ACCOUNTS.c.id, ACCOUNTS.c.handle, ACCOUNTS.c.platform_id, ACCOUNTS.c.role)
    rows = {}
    for column, values in (
        (ACCOUNTS.c.handle, handles),
        (ACCOUNTS.c.platform_id, platform_ids),
        (ACCOUNTS.c.id, sorted({row.account_id for row in aliases})),
    ):
        for chunk in _chunks(values):
            for row in connection.execute(
                select(*columns).where(ACCOUNTS.c.tenant_id == tenant_id, column.in_(chunk))
            ):
                rows[row.id] = row
    return _Accounts(
        by_handle={row.handle: row.id for row in rows.values()},
        by_alias={row.handle: row.account_id for row in aliases},
        by_platform_id={row.platform_id: row.id for row in rows.values() if row.platform_id},
        platform_id_of={row.id: row.platform_id for row in rows.values()},
        role_of={row.id: AccountRole(row.role) for row in rows.values()},
        handle_of={row.id: row.handle for row in rows.values()},
    )


def _resolve_accounts(
    connection: Connection,
    tenant_id: str,
    batch: ImportBatch,
    accounts: _Accounts,
    erased: set[str],
    summary: ImportSummary,
) -> None:
    new_records: list[AccountRecord] = []
    updates: dict[int, dict[str, Any]] = {}
    for handle in sorted(batch.accounts):
        if handle in erased:
            continue
        record = batch.accounts[handle]
        account_id = _match_account(connection, tenant_id, record, accounts, summary)
        if account_id is None:
            new_records.append(record)
            continue
        values = _account_changes(account_id, record, accounts)
        if values:
            updates.setdefault(account_id, {}).update(values)
    _update_accounts(connection, updates)
    _insert_accounts(connection, tenant_id, new_records, accounts)
    summary.accounts_created += len(new_records)


def _update_accounts(connection: Connection, updates: dict[int, dict[str, Any]]) -> None:
    """Run the updates as one executemany per set of changed columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    now = utcnow()
    for account_id, values in updates.items():
        groups.setdefault(tuple(sorted(values)), []).append(
            {"account": account_id, "now": now, **{f"new_{k}": v for k, v in values.items()}}
        )
    for columns, rows in groups.items():
        statement = (
            update(ACCOUNTS)
            .where(ACCOUNTS.c.id == bindparam("account"))
            .values(
                {name: bindparam(f"new_{name}") for name in columns}
                | {"updated_at": bindparam("now")}
            )
        )
        for chunk in _chunks(rows):
            connection.execute(statement, list(chunk))


def _match_account(
    connection: Connection,
    tenant_id: str,
    record: AccountRecord,
    accounts: _Accounts,
    summary: ImportSummary,
) -> int | None:
    by_handle = accounts.find(record.handle)
    if record.platform_id is None or record.platform_id not in accounts.by_platform_id:
        return by_handle
    account_id = accounts.by_platform_id[record.platform_id]
    if accounts.handle_of[account_id] == record.handle:
        return account_id
    holder = accounts.by_handle.get(record.handle)
    if holder is not None and holder != account_id:
        if accounts.platform_id_of.get(holder) not in (None, record.platform_id):
            # NOTE: the handle now belongs to another Instagram id. The batch does not show which
            # account renamed to what, so the match stays with the platform id.
            summary.warnings.append(
                f"{record.handle} is held by two Instagram ids; the accounts are kept apart."
            )
            accounts.by_alias[record.handle] = account_id
            return account_id
        _merge_accounts(connection, tenant_id, source=holder, target=account_id, accounts=accounts)
        summary.accounts_merged += 1
    _rename_account(connection, tenant_id, account_id, record.handle, accounts)
    summary.accounts_renamed += 1
    return account_id


def _rename_account(
    connection: Connection, tenant_id: str, account_id: int, handle: str, accounts: _Accounts
) -> None:
    old = accounts.handle_of[account_id]
    connection.execute(
        delete(ALIASES).where(ALIASES.c.tenant_id == tenant_id, ALIASES.c.handle.in_([old, handle]))
    )
    connection.execute(
        insert(ALIASES).values(tenant_id=tenant_id, handle=old, account_id=account_id)
    )
    connection.execute(
        update(ACCOUNTS)
        .where(ACCOUNTS.c.id == account_id)
        .values(handle=handle, updated_at=utcnow())
    )
    del accounts.by_handle[old]
    accounts.by_alias.pop(handle, None)
    accounts.by_alias[old] = account_id
    accounts.by_handle[handle] = account_id
    accounts.handle_of[account_id] = handle
    logger.info("tenant %s: account %d renamed from %s to %s", tenant_id, account_id, old, handle)


def _merge_accounts(
    connection: Connection, tenant_id: str, *, source: int, target: int, accounts: _Accounts
) -> None:
    """Move everything of account ``source`` to ``target`` and delete ``source``."""
    for column in ("follower_id", "followed_id"):
        other = "followed_id" if column == "follower_id" else "follower_id"
        existing = select(FOLLOWS.c[other]).where(FOLLOWS.c[column] == target)
        connection.execute(
            delete(FOLLOWS).where(FOLLOWS.c[column] == source, FOLLOWS.c[other].in_(existing))
        )
        connection.execute(
            update(FOLLOWS).where(FOLLOWS.c[column] == source).values({column: target})
        )
    for column in ("account_id", "target_id"):
        connection.execute(
            update(ENGAGEMENTS).where(ENGAGEMENTS.c[column] == source).values({column: target})
        )
    connection.execute(update(POSTS).where(POSTS.c.owner_id == source).values(owner_id=target))
    connection.execute(
        update(ALIASES).where(ALIASES.c.account_id == source).values(account_id=target)
    )
    for column in ("record_id", "other_id"):
        connection.execute(
            update(IMPORT_RECORDS)
            .where(
                IMPORT_RECORDS.c.tenant_id == tenant_id,
                IMPORT_RECORDS.c.record_kind.in_(["account", "follow"]),
                IMPORT_RECORDS.c[column] == source,
            )
            .values({column: target})
        )
    connection.execute(delete(MEMBERSHIPS).where(MEMBERSHIPS.c.account_id == source))
    connection.execute(delete(ACCOUNTS).where(ACCOUNTS.c.id == source))
    handle = accounts.handle_of.pop(source)
    del accounts.by_handle[handle]
    rank = max(accounts.role_of.pop(source), accounts.role_of[target], key=ROLE_RANK.__getitem__)
    accounts.role_of[target] = rank
    connection.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == target).values(role=rank))
    for alias, owner in list(accounts.by_alias.items()):
        if owner == source:
            accounts.by_alias[alias] = target
    logger.info("tenant %s: account %d merged into %d", tenant_id, source, target)


def _profile_values(record: AccountRecord, role: AccountRole) -> dict[str, Any]:
    if role == AccountRole.MEMBER:
        return {}
    values = {
        "bio": record.bio,
        "followers_count": record.followers_count,
        "follows_count": record.follows_count,
        "media_count": record.media_count,
    }
    return {name: value for name, value in values.items() if value is not None}


def _account_changes(account_id: int, record: AccountRecord, accounts: _Accounts) -> dict[str, Any]:
    """Return the columns that the record changes, and note them in ``accounts``."""
    role = accounts.role_of[account_id]
    if record.role is not None and ROLE_RANK[record.role] > ROLE_RANK[role]:
        role = record.role
    values = _profile_values(record, role)
    if role != accounts.role_of[account_id]:
        values["role"] = role
        accounts.role_of[account_id] = role
    if record.platform_id and accounts.platform_id_of.get(account_id) is None:
        values["platform_id"] = record.platform_id
        accounts.platform_id_of[account_id] = record.platform_id
        accounts.by_platform_id[record.platform_id] = account_id
    return values


def _insert_accounts(
    connection: Connection, tenant_id: str, records: Sequence[AccountRecord], accounts: _Accounts
) -> None:
    now = utcnow()
    rows = []
    for record in records:
        role = record.role or AccountRole.MEMBER
        row = {
            "tenant_id": tenant_id,
            "handle": record.handle,
            "platform_id": record.platform_id,
            "role": role,
            "bio": None,
            "followers_count": None,
            "follows_count": None,
            "media_count": None,
            "created_at": now,
            "updated_at": now,
        }
        row.update(_profile_values(record, role))
        rows.append(row)
    for chunk in _chunks(rows):
        connection.execute(insert(ACCOUNTS), chunk)
    handles = [record.handle for record in records]
    for chunk in _chunks(handles):
        found = connection.execute(
            select(ACCOUNTS.c.id, ACCOUNTS.c.handle, ACCOUNTS.c.platform_id, ACCOUNTS.c.role).where(
                ACCOUNTS.c.tenant_id == tenant_id, ACCOUNTS.c.handle.in_(chunk)
            )
        )
        for row in found:
            accounts.by_handle[row.handle] = row.id
            accounts.handle_of[row.id] = row.handle
            accounts.role_of[row.id] = AccountRole(row.role)
            accounts.platform_id_of[row.id] = row.platform_id
            if row.platform_id:
                accounts.by_platform_id[row.platform_id] = row.id


@dataclass
class _PostIndex:
    """The tenant's posts by key, by shortcode and by (owner, second posted, caption)."""

    by_key: dict[str, int]
    by_content: dict[tuple[int, Any, str], int]

    def find(self, owner_id: int, post: PostRecord) -> int | None:
        found = self.by_key.get(post.post_key)
        if found is None and post.shortcode:
            found = self.by_key.get(f"shortcode:{post.shortcode}")
        if found is None and post.posted_at is not None:
            found = self.by_content.get((owner_id, _second(post.posted_at), post.caption))
        return found

    def add(self, post_id: int, owner_id: int, post: PostRecord) -> None:
        self.by_key[post.post_key] = post_id
        if post.shortcode:
            self.by_key[f"shortcode:{post.shortcode}"] = post_id
        if post.posted_at is not None:
            self.by_content[(owner_id, _second(post.posted_at), post.caption)] = post_id


def _load_post_index(connection: Connection, tenant_id: str) -> _PostIndex:
    existing = connection.execute(
        select(
            POSTS.c.id,
            POSTS.c.post_key,
            POSTS.c.shortcode,
            POSTS.c.owner_id,
            POSTS.c.posted_at,
            POSTS.c.caption,
            POSTS.c.known,
        ).where(POSTS.c.tenant_id == tenant_id)
    ).all()
    by_key = {row.post_key: row.id for row in existing}
    by_key.update({f"shortcode:{row.shortcode}": row.id for row in existing if row.shortcode})
    # The export names a post by its file uri and the Graph API by its media id. The owner,
    # the second it was posted and the caption identify the post across both.
    by_content = {
        (row.owner_id, _second(row.posted_at), row.caption): row.id
        for row in existing
        if row.known and row.posted_at is not None
    }
    return _PostIndex(by_key, by_content)


def _store_posts(
    connection: Connection,
    tenant_id: str,
    batch: ImportBatch,
    accounts: _Accounts,
    summary: ImportSummary,
) -> dict[str, int]:
    """Upsert the batch's posts and return the ids of every post key the batch refers to."""
    index = _load_post_index(connection, tenant_id)
    seen_keys: dict[int, set[str]] = {}
    for post in batch.posts:
        owner_id = accounts.find(post.owner)
        if owner_id is None:
            continue
        post_id = index.find(owner_id, post)
        values = {
            "owner_id": owner_id,
            "caption": post.caption,
            "hashtags": " ".join(hashtags_of(post.caption)),
            "posted_at": post.posted_at,
            "known": True,
            "deleted": False,
        }
        for name in ("like_count", "comments_count", "shortcode"):
            if getattr(post, name) is not None:
                values[name] = getattr(post, name)
        if post_id is None:
            post_id = connection.execute(
                insert(POSTS).values(tenant_id=tenant_id, post_key=post.post_key, **values)
            ).inserted_primary_key[0]
            summary.posts_created += 1
        else:
            connection.execute(update(POSTS).where(POSTS.c.id == post_id).values(values))
            summary.posts_updated += 1
        index.add(post_id, owner_id, post)
        seen_keys.setdefault(owner_id, set()).add(post.post_key)

    _mark_deleted_posts(connection, tenant_id, batch, accounts, seen_keys, summary)
    _add_placeholder_posts(connection, tenant_id, batch, accounts, index.by_key)
    return index.by_key


def _second(moment: Any) -> Any:
    return moment.replace(microsecond=0, tzinfo=None) if moment is not None else None


def _mark_deleted_posts(
    connection: Connection,
    tenant_id: str,
    batch: ImportBatch,
    accounts: _Accounts,
    seen_keys: dict[int, set[str]],
    summary: ImportSummary,
) -> None:
    for owner in batch.complete_post_lists:
        owner_id = accounts.find(owner)
        keys = seen_keys.get(owner_id or -1, set())
        if owner_id is None or not keys:
            continue
        # Only posts named the same way are compared: an export lists file uris, not media ids.
        prefixes = {key.split(":", 1)[0] + ":" for key in keys}
        result = connection.execute(
            update(POSTS)
            .where(
                POSTS.c.tenant_id == tenant_id,
                POSTS.c.owner_id == owner_id,
                POSTS.c.known.is_(True),
                POSTS.c.post_key.not_in(keys),
                *[POSTS.c.post_key.like(f"{prefix}%") for prefix in prefixes],
            )
            .values(deleted=True)
        )
        summary.posts_marked_deleted += result.rowcount or 0


def _add_placeholder_posts(
    connection: Connection,
    tenant_id: str,
    batch: ImportBatch,
    accounts: _Accounts,
    by_key: dict[str, int],
) -> None:
    """Create a post row for engagements with a post that no imported post list contains."""
    for engagement in batch.engagements:
        key = engagement.post_key
        owner_id = accounts.find(engagement.target_owner) if engagement.target_owner else None
        if key is None or key in by_key or owner_id is None:
            continue
        shortcode = key.split(":", 1)[1] if key.startswith("shortcode:") else None
        by_key[key] = connection.execute(
            insert(POSTS).values(
                tenant_id=tenant_id,
                owner_id=owner_id,
                post_key=key,
                shortcode=shortcode,
                known=False,
            )
        ).inserted_primary_key[0]


def _insert_ignoring_duplicates(connection: Connection, table: Table, rows: list[dict]) -> int:
    dialect = connection.engine.dialect.name
    factory = postgresql_insert if dialect == "postgresql" else sqlite_insert
    added = 0
    for chunk in _chunks(rows):
        result = connection.execute(factory(table).on_conflict_do_nothing(), chunk)
        added += max(result.rowcount or 0, 0)
    return added


def _store_follows(
    connection: Connection,
    tenant_id: str,
    batch: ImportBatch,
    accounts: _Accounts,
    erased: set[str],
    summary: ImportSummary,
) -> set[tuple[int, int]]:
    """Insert the batch's follows; return every (follower, followed) pair it named."""
    rows: dict[tuple[int, int], dict] = {}
    for follow in batch.follows:
        if follow.follower in erased or follow.followed in erased:
            continue
        follower, followed = accounts.find(follow.follower), accounts.find(follow.followed)
        if follower is None or followed is None or follower == followed:
            continue
        rows[(follower, followed)] = {
            "tenant_id": tenant_id,
            "follower_id": follower,
            "followed_id": followed,
            "followed_at": follow.followed_at,
        }
    summary.follows_added += _insert_ignoring_duplicates(connection, FOLLOWS, list(rows.values()))
    return set(rows)


def _store_engagements(
    connection: Connection,
    tenant_id: str,
    batch: ImportBatch,
    accounts: _Accounts,
    post_ids: dict[str, int],
    erased: set[str],
    summary: ImportSummary,
) -> set[int]:
    """Insert the batch's engagements; return the ids of every engagement it named."""
    rows: dict[str, dict] = {}
    for engagement in batch.engagements:
        if engagement.actor in erased:
            continue
        actor = accounts.find(engagement.actor)
        target = accounts.find(engagement.target_owner) if engagement.target_owner else None
        if actor is None or actor == target or engagement.engagement_key is None:
            continue
        rows[engagement.engagement_key] = {
            "tenant_id": tenant_id,
            "account_id": actor,
            "target_id": target,
            "post_id": post_ids.get(engagement.post_key or ""),
            "kind": engagement.kind,
            "text": engagement.text,
            "engaged_at": engagement.engaged_at,
            "engagement_key": engagement.engagement_key,
        }
    summary.engagements_added += _insert_ignoring_duplicates(
        connection, ENGAGEMENTS, list(rows.values())
    )
    ids: set[int] = set()
    for chunk in _chunks(sorted(rows)):
        ids.update(
            connection.execute(
                select(ENGAGEMENTS.c.id).where(
                    ENGAGEMENTS.c.tenant_id == tenant_id, ENGAGEMENTS.c.engagement_key.in_(chunk)
                )
            ).scalars()
        )
    return ids


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]

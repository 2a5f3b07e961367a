"""Find, export and erase one person's data in a tenant's audience.

A person is found by current handle or by an earlier handle. The export lists every row that
names the account: the account itself, its earlier handles, follows in both directions,
engagements made and received (comment texts included), posts owned and community assignments.
Erasure deletes those rows and the cached text vectors of the person's comments, and keeps a
salted hash of each of the person's handles, so that re-importing an old file does not bring the
person back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.engine import Connection, Engine

from services.audience.imports import prune_import_records, scrub_typical_members
from services.audience.models import Community, utcnow
from services.audience.store import (
    ACCOUNTS,
    ALIASES,
    ENGAGEMENTS,
    ERASED,
    FOLLOWS,
    MEMBERSHIPS,
    POSTS,
    handle_hash,
)
from services.audience.vectors import forget_texts

logger = logging.getLogger(__name__)


class PersonNotFound(LookupError):
    pass


@dataclass
class PersonData:
    handle: str
    earlier_handles: list[str]
    account: dict[str, Any]
    follows: list[dict[str, Any]] = field(default_factory=list)
    followed_by: list[dict[str, Any]] = field(default_factory=list)
    engagements: list[dict[str, Any]] = field(default_factory=list)
    engagements_received: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    community_assignments: list[dict[str, Any]] = field(default_factory=list)
    exported_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class ErasureReport:
    handle: str
    handles_blocked: int
    follows: int
    engagements: int
    posts: int
    community_assignments: int
    text_vectors: int


def find_account_id(connection: Connection, tenant_id: str, handle: str) -> int:
    found = connection.execute(
        select(ACCOUNTS.c.id).where(ACCOUNTS.c.tenant_id == tenant_id, ACCOUNTS.c.handle == handle)
    ).scalar()
    if found is None:
        found = connection.execute(
            select(ALIASES.c.account_id).where(
                ALIASES.c.tenant_id == tenant_id, ALIASES.c.handle == handle
            )
        ).scalar()
    if found is None:
        raise PersonNotFound(f"account {handle} not found")
    return int(found)


def search_handles(
    engine: Engine, tenant_id: str, prefix: str, limit: int, offset: int = 0
) -> list[str]:
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with engine.connect() as connection:
        current = connection.execute(
            select(ACCOUNTS.c.handle)
            .where(ACCOUNTS.c.tenant_id == tenant_id, ACCOUNTS.c.handle.like(pattern, escape="\\"))
            .order_by(ACCOUNTS.c.handle)
            .offset(offset)
            .limit(limit)
        ).scalars()
        return list(current)


def _rows(connection: Connection, statement: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in connection.execute(statement)]


def export_person(engine: Engine, tenant_id: str, handle: str) -> PersonData:
    with engine.connect() as connection:
        account_id = find_account_id(connection, tenant_id, handle)
        account = _rows(connection, select(ACCOUNTS).where(ACCOUNTS.c.id == account_id))[0]
        other = ACCOUNTS.alias("other")
        target = ACCOUNTS.alias("target")
        data = PersonData(
            handle=account["handle"],
            earlier_handles=list(
                connection.execute(
                    select(ALIASES.c.handle).where(ALIASES.c.account_id == account_id)
                ).scalars()
            ),
            account={k: v for k, v in account.items() if k not in ("id", "tenant_id")},
        )
        data.follows = _rows(
            connection,
            select(other.c.handle.label("account"), FOLLOWS.c.followed_at)
            .join(other, other.c.id == FOLLOWS.c.followed_id)
            .where(FOLLOWS.c.follower_id == account_id),
        )
        data.followed_by = _rows(
            connection,
            select(other.c.handle.label("account"), FOLLOWS.c.followed_at)
            .join(other, other.c.id == FOLLOWS.c.follower_id)
            .where(FOLLOWS.c.followed_id == account_id),
        )
        data.engagements = _rows(
            connection,
            select(
                ENGAGEMENTS.c.kind,
                target.c.handle.label("on_account"),
                POSTS.c.post_key.label("post"),
                ENGAGEMENTS.c.text,
                ENGAGEMENTS.c.engaged_at,
            )
            .outerjoin(target, target.c.id == ENGAGEMENTS.c.target_id)
            .outerjoin(POSTS, POSTS.c.id == ENGAGEMENTS.c.post_id)
            .where(ENGAGEMENTS.c.account_id == account_id),
        )
        data.engagements_received = _rows(
            connection,
            select(
                ENGAGEMENTS.c.kind,
                other.c.handle.label("by_account"),
                ENGAGEMENTS.c.text,
                ENGAGEMENTS.c.engaged_at,
            )
            .join(other, other.c.id == ENGAGEMENTS.c.account_id)
            .where(ENGAGEMENTS.c.target_id == account_id),
        )
        data.posts = _rows(
            connection,
            select(
                POSTS.c.post_key,
                POSTS.c.caption,
                POSTS.c.posted_at,
                POSTS.c.like_count,
                POSTS.c.comments_count,
            ).where(POSTS.c.owner_id == account_id),
        )
        data.community_assignments = _community_rows(connection, account_id)
    return data


def _community_rows(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    communities = Community.__table__  # type: ignore[attr-defined]
    return _rows(
        connection,
        select(
            MEMBERSHIPS.c.run_id,
            communities.c.number.label("community"),
            communities.c.label,
            MEMBERSHIPS.c.confidence,
        )
        .join(communities, communities.c.id == MEMBERSHIPS.c.community_id)
        .where(MEMBERSHIPS.c.account_id == account_id),
    )


def erase_person(engine: Engine, tenant_id: str, handle: str) -> ErasureReport:
    with engine.begin() as connection:
        account_id = find_account_id(connection, tenant_id, handle)
        handles = [
            connection.execute(
                select(ACCOUNTS.c.handle).where(ACCOUNTS.c.id == account_id)
            ).scalar_one(),
            *connection.execute(
                select(ALIASES.c.handle).where(ALIASES.c.account_id == account_id)
            ).scalars(),
        ]
        texts = [
            text
            for text in connection.execute(
                select(ENGAGEMENTS.c.text).where(ENGAGEMENTS.c.account_id == account_id)
            ).scalars()
            if text
        ]
        owned_posts = select(POSTS.c.id).where(POSTS.c.owner_id == account_id)
        engagements = connection.execute(
            delete(ENGAGEMENTS).where(
                or_(
                    ENGAGEMENTS.c.account_id == account_id,
                    ENGAGEMENTS.c.target_id == account_id,
                    ENGAGEMENTS.c.post_id.in_(owned_posts),
                )
            )
        ).rowcount
        posts = connection.execute(delete(POSTS).where(POSTS.c.owner_id == account_id)).rowcount
        follows = connection.execute(
            delete(FOLLOWS).where(
                or_(FOLLOWS.c.follower_id == account_id, FOLLOWS.c.followed_id == account_id)
            )
        ).rowcount
        memberships = connection.execute(
            delete(MEMBERSHIPS).where(MEMBERSHIPS.c.account_id == account_id)
        ).rowcount
        connection.execute(delete(ALIASES).where(ALIASES.c.account_id == account_id))
        connection.execute(delete(ACCOUNTS).where(ACCOUNTS.c.id == account_id))
        prune_import_records(connection, tenant_id)
        scrub_typical_members(connection, tenant_id, set(handles))
        for erased in handles:
            connection.execute(
                delete(ERASED).where(
                    ERASED.c.tenant_id == tenant_id,
                    ERASED.c.handle_hash == handle_hash(tenant_id, erased),
                )
            )
            connection.execute(
                insert(ERASED).values(
                    tenant_id=tenant_id, handle_hash=handle_hash(tenant_id, erased)
                )
            )
    vectors = forget_texts(engine, tenant_id, texts)
    logger.info("tenant %s: erased account %d and %d handles", tenant_id, account_id, len(handles))
    return ErasureReport(
        handle=handles[0],
        handles_blocked=len(handles),
        follows=follows or 0,
        engagements=engagements or 0,
        posts=posts or 0,
        community_assignments=memberships or 0,
        text_vectors=vectors,
    )

"""Read a tenant's audience tables into AudienceData arrays for the analyses."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.audience.graph import AudienceData
from services.audience.importing.records import AccountRole, EngagementKind
from services.audience.store import ACCOUNTS, ENGAGEMENTS, FOLLOWS, POSTS


def load_audience(engine: Engine, tenant_id: str) -> AudienceData:
    with engine.connect() as connection:
        accounts = connection.execute(
            select(
                ACCOUNTS.c.id,
                ACCOUNTS.c.handle,
                ACCOUNTS.c.role,
                ACCOUNTS.c.bio,
                ACCOUNTS.c.followers_count,
            )
            .where(ACCOUNTS.c.tenant_id == tenant_id)
            .order_by(ACCOUNTS.c.id)
        ).all()
        follows = connection.execute(
            select(FOLLOWS.c.follower_id, FOLLOWS.c.followed_id).where(
                FOLLOWS.c.tenant_id == tenant_id
            )
        ).all()
        engagements = connection.execute(
            select(
                ENGAGEMENTS.c.account_id,
                ENGAGEMENTS.c.target_id,
                ENGAGEMENTS.c.post_id,
                ENGAGEMENTS.c.kind,
                ENGAGEMENTS.c.text,
            )
            .where(ENGAGEMENTS.c.tenant_id == tenant_id)
            .order_by(ENGAGEMENTS.c.id)
        ).all()
        posts = connection.execute(
            select(
                POSTS.c.id,
                POSTS.c.owner_id,
                POSTS.c.caption,
                POSTS.c.hashtags,
                POSTS.c.like_count,
                POSTS.c.comments_count,
                POSTS.c.known,
                POSTS.c.deleted,
            )
            .where(POSTS.c.tenant_id == tenant_id)
            .order_by(POSTS.c.id)
        ).all()
    return AudienceData(
        account_ids=np.array([row.id for row in accounts], dtype=np.int64),
        handles=[row.handle for row in accounts],
        roles=[AccountRole(row.role) for row in accounts],
        bios={row.id: row.bio for row in accounts if row.bio},
        follows=np.array([tuple(row) for row in follows], dtype=np.int64).reshape(-1, 2),
        engagement_actor=np.array([row.account_id for row in engagements], dtype=np.int64),
        engagement_target=np.array(
            [-1 if row.target_id is None else row.target_id for row in engagements],
            dtype=np.int64,
        ),
        engagement_post=np.array(
            [-1 if row.post_id is None else row.post_id for row in engagements], dtype=np.int64
        ),
        engagement_is_comment=np.array(
            [row.kind == EngagementKind.COMMENT for row in engagements], dtype=bool
        ),
        engagement_text=[row.text for row in engagements],
        post_ids=np.array([row.id for row in posts], dtype=np.int64),
        post_owner=np.array([row.owner_id for row in posts], dtype=np.int64),
        post_caption=[row.caption or "" for row in posts],
        post_hashtags=[row.hashtags or "" for row in posts],
        post_like_count=_counts([row.like_count for row in posts]),
        post_comments_count=_counts([row.comments_count for row in posts]),
        post_known=np.array([bool(row.known) for row in posts], dtype=bool),
        post_deleted=np.array([bool(row.deleted) for row in posts], dtype=bool),
        followers_count={
            row.id: row.followers_count for row in accounts if row.followers_count is not None
        },
    )


def _counts(values: list[int | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)

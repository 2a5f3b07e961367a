"""Small AudienceData values built by hand for the tests."""

from __future__ import annotations

import numpy as np

from services.audience.graph import AudienceData
from services.audience.importing.records import AccountRole


def audience_data(
    accounts: dict[int, tuple[str, AccountRole]],
    follows: list[tuple[int, int]] = (),  # type: ignore[assignment]
    engagements: list[tuple[int, int, int, bool, str | None]] = (),  # type: ignore[assignment]
    posts: list[tuple[int, int, str, float | None, float | None, bool, bool]] = (),  # type: ignore[assignment]
    bios: dict[int, str] | None = None,
    followers_count: dict[int, int] | None = None,
) -> AudienceData:
    """Engagements are (actor, target, post, is_comment, text); posts are
    (id, owner, caption, like_count, comments_count, known, deleted); -1 means unknown."""
    ids = sorted(accounts)
    return AudienceData(
        account_ids=np.array(ids, dtype=np.int64),
        handles=[accounts[i][0] for i in ids],
        roles=[accounts[i][1] for i in ids],
        bios=bios or {},
        follows=np.array(follows, dtype=np.int64).reshape(-1, 2),
        engagement_actor=np.array([e[0] for e in engagements], dtype=np.int64),
        engagement_target=np.array([e[1] for e in engagements], dtype=np.int64),
        engagement_post=np.array([e[2] for e in engagements], dtype=np.int64),
        engagement_is_comment=np.array([e[3] for e in engagements], dtype=bool),
        engagement_text=[e[4] for e in engagements],
        post_ids=np.array([p[0] for p in posts], dtype=np.int64),
        post_owner=np.array([p[1] for p in posts], dtype=np.int64),
        post_caption=[p[2] for p in posts],
        post_hashtags=["" for _ in posts],
        post_like_count=np.array([np.nan if p[3] is None else p[3] for p in posts], dtype=float),
        post_comments_count=np.array(
            [np.nan if p[4] is None else p[4] for p in posts], dtype=float
        ),
        post_known=np.array([p[5] for p in posts], dtype=bool),
        post_deleted=np.array([p[6] for p in posts], dtype=bool),
        followers_count=followers_count or {},
    )

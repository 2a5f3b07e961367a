"""Engagement metrics of a brand or influencer account that survive gaps in the data.

- Hidden like counts: a post whose like count is hidden or unknown is left out of the like
  average (never counted as 0), and the share of such posts is reported. When every post hides
  its likes, the engagement rate falls back to comments alone, and ``rate_basis`` records it.
- Deleted posts: posts absent from a later full post list, and posts known only through a
  comment or like on them, have no counts and are left out of the averages; their engagements
  still count towards the engaged accounts.
- Renamed accounts: the store merges an account seen under a new handle, so an account that
  commented under two handles counts once in ``engaged_accounts``.

The engagement rate is (mean likes + mean comments per post) / reported followers, the common
definition of influencer platforms; it is None when the follower count is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.audience.graph import AudienceData


@dataclass(frozen=True)
class EngagementMetrics:
    handle: str
    followers: int | None
    posts: int
    posts_with_counts: int
    hidden_like_posts: int
    hidden_like_share: float | None
    deleted_or_unlisted_posts: int
    mean_likes: float | None
    mean_comments: float | None
    engagement_rate: float | None
    rate_basis: str | None  # "likes_and_comments", "comments_only" or None
    engaged_accounts: int
    engagements: int
    engagements_on_deleted_or_unlisted_posts: int


def engagement_metrics(data: AudienceData, account_id: int) -> EngagementMetrics:
    handle = data.handle_of()[account_id]
    owned = data.post_owner == account_id
    listed = owned & data.post_known & ~data.post_deleted
    likes = data.post_like_count[listed]
    comments = data.post_comments_count[listed]
    visible_likes = likes[~np.isnan(likes)]
    known_comments = comments[~np.isnan(comments)]
    mean_likes = float(visible_likes.mean()) if len(visible_likes) else None
    mean_comments = float(known_comments.mean()) if len(known_comments) else None
    followers = data.followers_count.get(account_id)
    rate, basis = _rate(mean_likes, mean_comments, followers)

    gone_posts = set(data.post_ids[owned & (~data.post_known | data.post_deleted)].tolist())
    post_owner = dict(zip(data.post_ids.tolist(), data.post_owner.tolist(), strict=True))
    engagers: set[int] = set()
    engagements = on_gone = 0
    for actor, target, post in zip(
        data.engagement_actor.tolist(),
        data.engagement_target.tolist(),
        data.engagement_post.tolist(),
        strict=True,
    ):
        owner = target if target >= 0 else post_owner.get(post, -1)
        if owner != account_id or actor == account_id:
            continue
        engagers.add(actor)
        engagements += 1
        on_gone += post in gone_posts
    listed_count = int(listed.sum())
    hidden = int(np.isnan(likes).sum())
    return EngagementMetrics(
        handle=handle,
        followers=followers,
        posts=listed_count,
        posts_with_counts=int((~np.isnan(likes) | ~np.isnan(comments)).sum()),
        hidden_like_posts=hidden,
        hidden_like_share=hidden / listed_count if listed_count else None,
        deleted_or_unlisted_posts=len(gone_posts),
        mean_likes=mean_likes,
        mean_comments=mean_comments,
        engagement_rate=rate,
        rate_basis=basis,
        engaged_accounts=len(engagers),
        engagements=engagements,
        engagements_on_deleted_or_unlisted_posts=on_gone,
    )


def _rate(
    mean_likes: float | None, mean_comments: float | None, followers: int | None
) -> tuple[float | None, str | None]:
    if not followers:
        return None, None
    if mean_likes is not None:
        return (mean_likes + (mean_comments or 0.0)) / followers, "likes_and_comments"
    if mean_comments is not None:
        return mean_comments / followers, "comments_only"
    return None, None

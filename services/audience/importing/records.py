"""Source-neutral records that every importer produces and the store writes.

Accounts are named by handle: lower case, without "@". Counts that a source hides or does not
give are None, never 0, so an average never mixes unknown counts with real zeros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

# Instagram handles are 1-30 letters, digits, periods and underscores.
HANDLE_PATTERN = re.compile(r"^[a-z0-9._]{1,30}$")
HASHTAG_PATTERN = re.compile(r"#(\w+)", re.UNICODE)


class AccountRole(StrEnum):
    BRAND = "brand"
    INFLUENCER = "influencer"
    MEMBER = "member"


# An import may promote an account (member -> influencer -> brand) but never demote it.
ROLE_RANK = {AccountRole.MEMBER: 0, AccountRole.INFLUENCER: 1, AccountRole.BRAND: 2}


class EngagementKind(StrEnum):
    LIKE = "like"
    COMMENT = "comment"


class InvalidImport(ValueError):
    """The uploaded file is not a supported audience source; the message says why and what is."""


def normalize_handle(raw: str | None) -> str | None:
    """Return the handle in canonical form, or None when it is not a valid Instagram handle."""
    if raw is None:
        return None
    handle = raw.strip().lstrip("@").lower()
    if handle.startswith(("http://", "https://")):
        handle = handle_from_url(handle) or ""
    return handle if HANDLE_PATTERN.match(handle) else None


def handle_from_url(url: str) -> str | None:
    """Return the handle in a profile URL such as https://www.instagram.com/_u/name/."""
    match = re.search(r"instagram\.com/(?:_u/)?([A-Za-z0-9._]{1,30})/?(?:[?#].*)?$", url)
    return match.group(1).lower() if match else None


def hashtags_of(text: str) -> list[str]:
    """Return the hashtags of a caption or comment, lower case, in order, without repeats."""
    seen: dict[str, None] = {}
    for tag in HASHTAG_PATTERN.findall(text or ""):
        seen.setdefault(tag.lower(), None)
    return list(seen)


def from_unix(seconds: int | float | None) -> datetime | None:
    if not seconds:
        return None
    return datetime.fromtimestamp(float(seconds), UTC)


def from_iso(text: str | None) -> datetime | None:
    """Parse the timestamps of Graph API ("2024-05-01T10:00:00+0000") and old exports."""
    if not text:
        return None
    value = text.strip()
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class AccountRecord:
    handle: str
    platform_id: str | None = None
    role: AccountRole | None = None
    # Bio and counts are kept for brand and influencer accounts only (public professional
    # profiles); the store drops them for audience members.
    bio: str | None = None
    followers_count: int | None = None
    follows_count: int | None = None
    media_count: int | None = None


@dataclass
class PostRecord:
    owner: str
    post_key: str
    caption: str = ""
    posted_at: datetime | None = None
    like_count: int | None = None
    comments_count: int | None = None
    # The code in the post's URL (instagram.com/p/<shortcode>/), which liked_posts.json uses.
    shortcode: str | None = None


@dataclass
class FollowRecord:
    follower: str
    followed: str
    followed_at: datetime | None = None


@dataclass
class EngagementRecord:
    actor: str
    kind: EngagementKind
    target_owner: str | None = None
    post_key: str | None = None
    text: str | None = None
    engaged_at: datetime | None = None
    # The source's own id (a Graph API comment id) or one derived from the content, so that
    # importing the same file twice stores each engagement once.
    engagement_key: str | None = None


@dataclass
class ImportBatch:
    source: str
    accounts: dict[str, AccountRecord] = field(default_factory=dict)
    posts: list[PostRecord] = field(default_factory=list)
    follows: list[FollowRecord] = field(default_factory=list)
    engagements: list[EngagementRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Owners whose full post list this batch contains: their known posts that are absent from
    # it were deleted on Instagram.
    complete_post_lists: set[str] = field(default_factory=set)
    files_read: list[str] = field(default_factory=list)

    def account(self, handle: str, **known: object) -> AccountRecord:
        """Return the batch's record for the handle, creating it and filling unknown fields."""
        record = self.accounts.get(handle)
        if record is None:
            record = AccountRecord(handle=handle)
            self.accounts[handle] = record
        for name, value in known.items():
            if value is not None and getattr(record, name) is None:
                setattr(record, name, value)
        return record

    def promote(self, handle: str, role: AccountRole) -> None:
        record = self.account(handle)
        if record.role is None or ROLE_RANK[role] > ROLE_RANK[record.role]:
            record.role = role

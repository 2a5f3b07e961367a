"""Parse Instagram Graph API responses saved as JSON.

Read shapes (one response, or a list of responses such as the pages of one listing):

- media of an account: {"data": [media, ...], "paging": ...}, or one media object;
- comments: {"data": [comment, ...]}, or a media object's nested "comments" edge;
- business discovery of another professional account:
  {"business_discovery": {"username", "biography", "followers_count", "media": {...}}};
- a user with fields: {"username", "biography", "followers_count", "media": {...}}.

A media object names its owner in "username" or "owner.username"; otherwise the owner is the
``account`` argument. Comments name their author in "username" or "from.username", and
"from.id" is the author's Instagram id, which follows the account through a change of handle.

Hidden counts: a missing like_count is None. Meta returns like_count 0 instead of omitting it
when a media is read through another endpoint and its owner hid the likes (Graph API changelog,
2021-05-26), so a 0 in business discovery results is read as hidden (None) too.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from services.audience.importing.records import (
    AccountRole,
    EngagementKind,
    EngagementRecord,
    ImportBatch,
    InvalidImport,
    PostRecord,
    from_iso,
    normalize_handle,
)

logger = logging.getLogger(__name__)

_SHORTCODE = re.compile(r"instagram\.com/(?:[A-Za-z0-9._]+/)?(?:p|reel|tv)/([A-Za-z0-9_-]+)")


def is_graph_api_document(document: Any) -> bool:
    items = document if isinstance(document, list) else [document]
    return bool(items) and all(
        isinstance(item, dict)
        and ("business_discovery" in item or "data" in item or _is_media(item) or _is_user(item))
        for item in items
    )


def parse_graph_api(
    document: Any,
    *,
    name: str,
    account: str | None = None,
    role: AccountRole | None = None,
    media_id: str | None = None,
) -> ImportBatch:
    """Read saved Graph API responses into a batch.

    ``account`` is the owner of media that do not name one (the brand's own /media listing);
    ``role`` is given to that account. ``media_id`` is the media of a bare comments listing.
    """
    default_owner = normalize_handle(account) if account else None
    if account and default_owner is None:
        raise InvalidImport(f"account {account!r} is not a valid Instagram handle.")
    batch = ImportBatch(source="graph_api")
    if default_owner and role:
        batch.promote(default_owner, role)
    reader = _GraphReader(batch, name, default_owner, media_id)
    for response in document if isinstance(document, list) else [document]:
        reader.read_response(response)
    if reader.skipped_comments:
        batch.warnings.append(
            f"{reader.skipped_comments} comments without a valid author handle were skipped."
        )
    if not (batch.posts or batch.engagements or batch.accounts):
        raise InvalidImport(f"{name} contains no media, comments or accounts of the Graph API.")
    return batch


class _GraphReader:
    def __init__(
        self, batch: ImportBatch, name: str, owner: str | None, media_id: str | None
    ) -> None:
        self.batch = batch
        self.name = name
        self.owner = owner
        self.media_id = media_id
        self.skipped_comments = 0

    def read_response(self, response: Any) -> None:
        if not isinstance(response, dict):
            raise InvalidImport(f"{self.name}: a Graph API response must be a JSON object.")
        if isinstance(response.get("business_discovery"), dict):
            self.read_user(response["business_discovery"], discovered=True)
        elif _is_user(response):
            self.read_user(response, discovered=False)
        elif _is_media(response):
            self.read_media(response, owner=self.owner, discovered=False)
        elif isinstance(response.get("data"), list):
            self.read_listing(response["data"])
        else:
            raise InvalidImport(
                f"{self.name}: a response has neither data, business_discovery nor media fields."
            )

    def read_listing(self, items: list[Any]) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            if _is_comment(item):
                self.read_comment(item, media_key=self.media_id, owner=self.owner)
            else:
                self.read_media(item, owner=self.owner, discovered=False)

    def read_user(self, user: dict[str, Any], *, discovered: bool) -> None:
        handle = normalize_handle(user.get("username"))
        if handle is None:
            raise InvalidImport(f"{self.name}: an account without a valid username.")
        self.batch.account(
            handle,
            platform_id=_text(user.get("id")),
            bio=user.get("biography") or None,
            followers_count=_count(user.get("followers_count")),
            follows_count=_count(user.get("follows_count")),
            media_count=_count(user.get("media_count")),
        )
        if discovered:
            self.batch.promote(handle, AccountRole.INFLUENCER)
        media = user.get("media")
        items = media.get("data", []) if isinstance(media, dict) else []
        for item in items:
            if isinstance(item, dict):
                self.read_media(item, owner=handle, discovered=discovered)

    def read_media(self, media: dict[str, Any], *, owner: str | None, discovered: bool) -> None:
        named = media.get("username") or (media.get("owner") or {}).get("username")
        handle = normalize_handle(named) if named else owner
        if handle is None:
            raise InvalidImport(
                f"{self.name}: media {media.get('id')} names no owner; give the account."
            )
        self.batch.account(handle)
        key = _media_key(media)
        likes = _count(media.get("like_count"))
        if discovered and likes == 0:
            likes = None
        caption = media.get("caption") or ""
        shortcode = _SHORTCODE.search(media.get("permalink") or "")
        self.batch.posts.append(
            PostRecord(
                owner=handle,
                post_key=key,
                caption=caption,
                posted_at=from_iso(media.get("timestamp")),
                like_count=likes,
                comments_count=_count(media.get("comments_count")),
                shortcode=shortcode.group(1) if shortcode else None,
            )
        )
        comments = media.get("comments")
        for comment in comments.get("data", []) if isinstance(comments, dict) else []:
            if isinstance(comment, dict):
                self.read_comment(comment, media_key=key, owner=handle)

    def read_comment(
        self, comment: dict[str, Any], *, media_key: str | None, owner: str | None
    ) -> None:
        author = comment.get("from") if isinstance(comment.get("from"), dict) else {}
        handle = normalize_handle(comment.get("username") or author.get("username"))
        if handle is None:
            self.skipped_comments += 1
            return
        media = comment.get("media")
        if isinstance(media, dict) and media.get("id"):
            media_key = f"media:{media['id']}"
        self.batch.account(handle, platform_id=_text(author.get("id")))
        if handle != owner:
            text = comment.get("text") or ""
            comment_id = (
                comment.get("id")
                or hashlib.sha256(
                    f"{handle}|{media_key}|{comment.get('timestamp')}|{text}".encode()
                ).hexdigest()[:24]
            )
            self.batch.engagements.append(
                EngagementRecord(
                    actor=handle,
                    kind=EngagementKind.COMMENT,
                    target_owner=owner,
                    post_key=media_key,
                    text=text,
                    engaged_at=from_iso(comment.get("timestamp")),
                    engagement_key=f"comment:{comment_id}",
                )
            )
        replies = comment.get("replies")
        for reply in replies.get("data", []) if isinstance(replies, dict) else []:
            if isinstance(reply, dict):
                self.read_comment(reply, media_key=media_key, owner=owner)


def _media_key(media: dict[str, Any]) -> str:
    if media.get("id"):
        return f"media:{media['id']}"
    match = _SHORTCODE.search(media.get("permalink") or "")
    if match:
        return f"shortcode:{match.group(1)}"
    raise InvalidImport("a media object has neither an id nor a permalink.")


def _is_media(item: dict[str, Any]) -> bool:
    return "id" in item and any(
        key in item
        for key in ("caption", "media_type", "like_count", "comments_count", "permalink")
    )


def _is_user(item: dict[str, Any]) -> bool:
    return "username" in item and any(
        key in item for key in ("followers_count", "biography", "media", "media_count")
    )


def _is_comment(item: dict[str, Any]) -> bool:
    return "text" in item and ("username" in item or "from" in item)


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        return None
    return count if count >= 0 else None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None

"""Parse an Instagram "Download your information" export (JSON format) of one account.

The export describes its own account: who follows it, whom it follows, its posts, and the
comments and likes it made. Meta has moved and renamed the files over the years; these layouts
are read (paths relative to the export's root folder, N = 1, 2, ... for lists split over files):

followers
    2018-2020: connections.json, key "followers" ({handle: date})
    2020-2021: followers_and_following/followers.json, key "relationships_followers"
    2021-2023: followers_and_following/followers_N.json (a list)
    2023 on:   connections/followers_and_following/followers_N.json
following
    2018-2020: connections.json, key "following"
    2020-2023: followers_and_following/following.json, key "relationships_following"
    2023 on:   connections/followers_and_following/following.json
posts (captions; exports carry no like or comment counts)
    2018-2020: media.json, keys "photos" and "videos"
    2020-2023: content/posts_N.json
    2023 on:   your_instagram_activity/content/posts_N.json, later .../media/posts_N.json
comments the account made
    2018-2020: comments.json, key "media_comments" ([date, text, media owner])
    2020-2023: comments/post_comments.json ("comments_media_comments"),
               comments/post_comments_N.json
    2023 on:   your_instagram_activity/comments/post_comments_N.json
likes the account made
    2018-2020: likes.json, key "media_likes" ([date, media owner])
    2020 on:   likes/liked_posts.json, your_instagram_activity/likes/liked_posts.json
profile (handle and bio)
    2018-2020: profile.json
    2020 on:   personal_information.json ("profile_user"), in later years under
               personal_information/personal_information/

Relationship entries give the handle in string_list_data[0].value; since 2025 some give it only
in "title" or in the profile URL (href), and all three are tried. Every string is repaired with
repair_mojibake, because Meta writes each UTF-8 byte as its own escape.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any

from services.audience.importing.archive import JsonArchive
from services.audience.importing.mojibake import repair_tree
from services.audience.importing.records import (
    AccountRole,
    EngagementKind,
    EngagementRecord,
    FollowRecord,
    ImportBatch,
    InvalidImport,
    PostRecord,
    from_iso,
    from_unix,
    handle_from_url,
    normalize_handle,
)

logger = logging.getLogger(__name__)

_FOLLOWERS = re.compile(r"(^|/)followers_and_following/followers(_\d+)?\.json$")
_FOLLOWING = re.compile(r"(^|/)followers_and_following/following(_\d+)?\.json$")
_POSTS = re.compile(r"(^|/)(content|media)/posts(_\d+)?\.json$")
_COMMENTS = re.compile(r"(^|/)comments/post_comments(_\d+)?\.json$")
_LIKES = re.compile(r"(^|/)likes/liked_posts\.json$")
_PROFILE = re.compile(r"(^|/)personal_information\.json$")
_EXPORT_NAME = re.compile(r"instagram-([a-z0-9._]{1,30})-\d{4}-\d{2}-\d{2}", re.IGNORECASE)
_SHORTCODE = re.compile(r"instagram\.com/(?:[A-Za-z0-9._]+/)?(?:p|reel|tv)/([A-Za-z0-9_-]+)")

# Keys of string_map_data in English exports, and in Danish and Dutch ones where known.
_COMMENT_KEYS = ("Comment", "Kommentar", "Opmerking")
_OWNER_KEYS = ("Media Owner", "Medieejer", "Eigenaar van media")
_USERNAME_KEYS = ("Username", "Brugernavn", "Gebruikersnaam")
_BIO_KEYS = ("Bio", "Biography", "Biografi")


def is_instagram_export(archive: JsonArchive) -> bool:
    matchers = (_FOLLOWERS, _FOLLOWING, _POSTS, _COMMENTS, _LIKES, _PROFILE)
    legacy = {"connections.json", "media.json", "comments.json", "likes.json", "profile.json"}
    return any(m.search(p) for p in archive for m in matchers) or bool(legacy & set(archive))


def parse_instagram_export(
    archive: JsonArchive, *, owner: str | None = None, role: AccountRole = AccountRole.BRAND
) -> ImportBatch:
    """Read every supported file of the export into one batch about the export's account.

    ``owner`` is the account's handle; without it the handle comes from the profile file or
    from the export's name (instagram-<handle>-<date>-<hash>).
    """
    documents = {path: repair_tree(archive.read_json(path)) for path in archive}
    handle = _owner_handle(archive, documents, owner)
    batch = ImportBatch(source="instagram_export")
    batch.promote(handle, role)

    readers: list[tuple[Callable[[str], bool], Callable[[ImportBatch, str, Any], None]]] = [
        (lambda p: p == "connections.json", _read_legacy_connections),
        (lambda p: p == "media.json", _read_legacy_media),
        (lambda p: p == "comments.json", _read_legacy_comments),
        (lambda p: p == "likes.json", _read_legacy_likes),
        (lambda p: p == "profile.json", _read_legacy_profile),
        (lambda p: bool(_FOLLOWERS.search(p)), _read_followers),
        (lambda p: bool(_FOLLOWING.search(p)), _read_following),
        (lambda p: bool(_POSTS.search(p)), _read_posts),
        (lambda p: bool(_COMMENTS.search(p)), _read_comments),
        (lambda p: bool(_LIKES.search(p)), _read_likes),
        (lambda p: bool(_PROFILE.search(p)), _read_profile),
    ]
    for path in sorted(documents):
        for matches, read in readers:
            if matches(path):
                read(batch, handle, documents[path])
                batch.files_read.append(path)
                break
    if not batch.files_read:
        raise InvalidImport(
            f"{archive.name} contains no followers, following, posts, comments or likes file "
            "of an Instagram export (JSON format)."
        )
    if any(_POSTS.search(p) or p == "media.json" for p in batch.files_read):
        batch.complete_post_lists.add(handle)
    logger.info("read Instagram export %s of %s: %s", archive.name, handle, batch.files_read)
    return batch


def _owner_handle(archive: JsonArchive, documents: dict[str, Any], owner: str | None) -> str:
    if owner is not None:
        handle = normalize_handle(owner)
        if handle is None:
            raise InvalidImport(f"owner {owner!r} is not a valid Instagram handle.")
        return handle
    for path, document in documents.items():
        found = None
        if _PROFILE.search(path):
            found = _profile_value(document, _USERNAME_KEYS)
        elif path == "profile.json" and isinstance(document, dict):
            found = document.get("username")
        if normalize_handle(found):
            return normalize_handle(found)  # type: ignore[return-value]
    for name in archive.names:
        match = _EXPORT_NAME.search(name)
        if match and normalize_handle(match.group(1)):
            return normalize_handle(match.group(1))  # type: ignore[return-value]
    raise InvalidImport(
        f"the account of {archive.name} is unknown: it has no profile file and its name is not "
        "instagram-<handle>-<date>-...; give the handle as owner."
    )


def _relationship_entries(document: Any, key: str) -> list[dict[str, Any]]:
    if isinstance(document, dict):
        document = document.get(key, [])
    if not isinstance(document, list):
        return []
    return [entry for entry in document if isinstance(entry, dict)]


def _entry_handle(entry: dict[str, Any]) -> tuple[str | None, int | None]:
    items = entry.get("string_list_data") or [{}]
    item = items[0] if isinstance(items[0], dict) else {}
    for candidate in (item.get("value"), entry.get("title"), handle_from_url(item.get("href", ""))):
        handle = normalize_handle(candidate) if candidate else None
        if handle:
            return handle, item.get("timestamp")
    return None, None


def _read_relationships(batch: ImportBatch, owner: str, document: Any, *, followers: bool) -> None:
    key = "relationships_followers" if followers else "relationships_following"
    skipped = 0
    for entry in _relationship_entries(document, key):
        handle, timestamp = _entry_handle(entry)
        if handle is None:
            skipped += 1
            continue
        batch.account(handle)
        follower, followed = (handle, owner) if followers else (owner, handle)
        batch.follows.append(FollowRecord(follower, followed, from_unix(timestamp)))
    if skipped:
        batch.warnings.append(f"{skipped} {key} entries without a valid handle were skipped.")


def _read_followers(batch: ImportBatch, owner: str, document: Any) -> None:
    _read_relationships(batch, owner, document, followers=True)


def _read_following(batch: ImportBatch, owner: str, document: Any) -> None:
    _read_relationships(batch, owner, document, followers=False)


def _read_posts(batch: ImportBatch, owner: str, document: Any) -> None:
    entries = document if isinstance(document, list) else []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        media = [m for m in entry.get("media", []) if isinstance(m, dict)]
        first = media[0] if media else {}
        caption = entry.get("title") or first.get("title") or ""
        timestamp = entry.get("creation_timestamp") or first.get("creation_timestamp")
        key = first.get("uri") or f"{owner}:{timestamp}:{_digest(caption)}"
        batch.posts.append(
            PostRecord(
                owner=owner,
                post_key=f"export:{key}",
                caption=caption,
                posted_at=from_unix(timestamp),
            )
        )


def _string_map(entry: dict[str, Any]) -> dict[str, Any]:
    data = entry.get("string_map_data")
    return data if isinstance(data, dict) else {}


def _map_value(data: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        item = data.get(key)
        if isinstance(item, dict) and item.get("value"):
            return str(item["value"])
    return None


def _map_timestamp(data: dict[str, Any]) -> int | None:
    for item in data.values():
        if isinstance(item, dict) and item.get("timestamp"):
            return int(item["timestamp"])
    return None


def _read_comments(batch: ImportBatch, owner: str, document: Any) -> None:
    for entry in _relationship_entries(document, "comments_media_comments"):
        data = _string_map(entry)
        text = _map_value(data, _COMMENT_KEYS)
        target = normalize_handle(_map_value(data, _OWNER_KEYS))
        if text is None:
            continue
        _add_comment(batch, owner, target, text, from_unix(_map_timestamp(data)))


def _add_comment(batch: ImportBatch, actor: str, target: str | None, text: str, at: Any) -> None:
    if target is not None:
        batch.account(target)
    key = _digest(f"comment|{actor}|{target}|{at}|{text}")
    batch.engagements.append(
        EngagementRecord(
            actor=actor,
            kind=EngagementKind.COMMENT,
            target_owner=target,
            text=text,
            engaged_at=at,
            engagement_key=f"export:{key}",
        )
    )


def _add_like(batch: ImportBatch, actor: str, target: str | None, href: str, at: Any) -> None:
    if target is not None:
        batch.account(target)
    match = _SHORTCODE.search(href or "")
    post_key = f"shortcode:{match.group(1)}" if match else None
    key = _digest(f"like|{actor}|{target}|{post_key}|{at}")
    batch.engagements.append(
        EngagementRecord(
            actor=actor,
            kind=EngagementKind.LIKE,
            target_owner=target,
            post_key=post_key,
            engaged_at=at,
            engagement_key=f"export:{key}",
        )
    )


def _read_likes(batch: ImportBatch, owner: str, document: Any) -> None:
    for entry in _relationship_entries(document, "likes_media_likes"):
        items = [i for i in entry.get("string_list_data", []) if isinstance(i, dict)] or [{}]
        target = normalize_handle(entry.get("title"))
        for item in items:
            _add_like(batch, owner, target, item.get("href", ""), from_unix(item.get("timestamp")))


def _profile_value(document: Any, keys: tuple[str, ...]) -> str | None:
    users = document.get("profile_user") if isinstance(document, dict) else None
    if not isinstance(users, list) or not users or not isinstance(users[0], dict):
        return None
    return _map_value(_string_map(users[0]), keys)


def _read_profile(batch: ImportBatch, owner: str, document: Any) -> None:
    batch.account(owner, bio=_profile_value(document, _BIO_KEYS))


def _read_legacy_profile(batch: ImportBatch, owner: str, document: Any) -> None:
    if isinstance(document, dict):
        batch.account(owner, bio=document.get("biography") or None)


def _read_legacy_connections(batch: ImportBatch, owner: str, document: Any) -> None:
    if not isinstance(document, dict):
        return
    for direction in ("followers", "following"):
        relations = document.get(direction)
        if not isinstance(relations, dict):
            continue
        for raw, since in relations.items():
            handle = normalize_handle(raw)
            if handle is None:
                continue
            batch.account(handle)
            pair = (handle, owner) if direction == "followers" else (owner, handle)
            batch.follows.append(FollowRecord(*pair, followed_at=from_iso(since)))


def _read_legacy_media(batch: ImportBatch, owner: str, document: Any) -> None:
    if not isinstance(document, dict):
        return
    for kind in ("photos", "videos"):
        for item in document.get(kind, []):
            if not isinstance(item, dict):
                continue
            caption = item.get("caption") or ""
            key = item.get("path") or f"{owner}:{item.get('taken_at')}:{_digest(caption)}"
            batch.posts.append(
                PostRecord(
                    owner=owner,
                    post_key=f"export:{key}",
                    caption=caption,
                    posted_at=from_iso(item.get("taken_at")),
                )
            )


def _read_legacy_comments(batch: ImportBatch, owner: str, document: Any) -> None:
    rows = document.get("media_comments", []) if isinstance(document, dict) else []
    for row in rows:
        if isinstance(row, list) and len(row) >= 3:
            _add_comment(batch, owner, normalize_handle(row[2]), str(row[1]), from_iso(row[0]))


def _read_legacy_likes(batch: ImportBatch, owner: str, document: Any) -> None:
    rows = document.get("media_likes", []) if isinstance(document, dict) else []
    for row in rows:
        if isinstance(row, list) and len(row) >= 2:
            _add_like(batch, owner, normalize_handle(row[1]), "", from_iso(row[0]))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]

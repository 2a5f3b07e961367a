"""Parse a plain CSV of influencer audiences: one row per (influencer, audience account).

A header row is required, and columns are matched case-insensitively. The delimiter may be a
comma, semicolon or tab, and the encoding UTF-8 or Windows-1252, as spreadsheet programs write
them. The columns:

- influencer (or influencer_handle, creator, account): the influencer's handle;
- handle (or username, follower, member, audience_handle): the audience account's handle;
- relation (optional): follower (the default), like or comment;
- followers_count (optional): the influencer's reported audience size; an empty cell is unknown;
- post (optional): the post that was liked or commented on, as its media id;
- text (optional): the comment's text;
- timestamp (optional): ISO 8601 date and time of the follow or engagement.
"""

from __future__ import annotations

import csv
import hashlib
import io

from services.audience.importing.records import (
    AccountRole,
    EngagementKind,
    EngagementRecord,
    FollowRecord,
    ImportBatch,
    InvalidImport,
    from_iso,
    normalize_handle,
)

_COLUMNS = {
    "influencer": ("influencer", "influencer_handle", "creator", "account"),
    "handle": ("handle", "username", "follower", "member", "audience_handle"),
    "relation": ("relation", "relationship", "type"),
    "followers_count": ("followers_count", "followers", "audience_size"),
    "post": ("post", "post_id", "media_id"),
    "text": ("text", "comment"),
    "timestamp": ("timestamp", "date", "time"),
}
_RELATIONS = {
    "follower": None,
    "follows": None,
    "follow": None,
    "following": None,
    "": None,
    "like": EngagementKind.LIKE,
    "liker": EngagementKind.LIKE,
    "liked": EngagementKind.LIKE,
    "comment": EngagementKind.COMMENT,
    "commenter": EngagementKind.COMMENT,
    "commented": EngagementKind.COMMENT,
}
_MAX_WARNED_LINES = 10


def parse_audience_csv(name: str, data: bytes) -> ImportBatch:
    """Read the CSV into a batch; rows with an invalid handle are skipped and listed as warnings."""
    reader = _dict_reader(name, data)
    columns = _resolve_columns(name, reader.fieldnames or [])
    batch = ImportBatch(source="audience_csv")
    bad_lines: list[int] = []
    for line, row in enumerate(reader, start=2):
        if not _read_row(batch, row, columns):
            bad_lines.append(line)
    if bad_lines:
        shown = ", ".join(str(line) for line in bad_lines[:_MAX_WARNED_LINES])
        batch.warnings.append(
            f"{len(bad_lines)} rows with an invalid handle, influencer or relation were skipped "
            f"(lines {shown}{', ...' if len(bad_lines) > _MAX_WARNED_LINES else ''})."
        )
    if not batch.accounts:
        raise InvalidImport(f"{name} contains no valid rows.")
    return batch


def _dict_reader(name: str, data: bytes) -> csv.DictReader[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Danish Windows saves "CSV" as Windows-1252.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise InvalidImport(
                f"{name} is neither UTF-8 nor Windows-1252 text: {error}"
            ) from error
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    return csv.DictReader(io.StringIO(text), delimiter=delimiter)


def _resolve_columns(name: str, header: list[str]) -> dict[str, str]:
    lowered = {column.strip().lower(): column for column in header if column}
    columns = {}
    for field, aliases in _COLUMNS.items():
        found = next((lowered[alias] for alias in aliases if alias in lowered), None)
        if found is not None:
            columns[field] = found
    missing = [field for field in ("influencer", "handle") if field not in columns]
    if missing:
        raise InvalidImport(
            f"{name} lacks the column(s) {', '.join(missing)}; the header has "
            f"{', '.join(header) or 'no columns'}."
        )
    return columns


def _read_row(batch: ImportBatch, row: dict[str, str | None], columns: dict[str, str]) -> bool:
    def cell(field: str) -> str:
        return (row.get(columns[field]) or "").strip() if field in columns else ""

    influencer = normalize_handle(cell("influencer"))
    handle = normalize_handle(cell("handle"))
    relation = cell("relation").lower()
    if influencer is None or handle is None or relation not in _RELATIONS:
        return False
    batch.promote(influencer, AccountRole.INFLUENCER)
    count = cell("followers_count")
    if count.isdigit():
        batch.account(influencer, followers_count=int(count))
    batch.account(handle)
    at = from_iso(cell("timestamp"))
    kind = _RELATIONS[relation]
    if kind is None:
        batch.follows.append(FollowRecord(handle, influencer, at))
        return True
    post = cell("post")
    text = cell("text") or None
    key = hashlib.sha256(f"{kind}|{handle}|{influencer}|{post}|{at}|{text}".encode()).hexdigest()
    batch.engagements.append(
        EngagementRecord(
            actor=handle,
            kind=kind,
            target_owner=influencer,
            post_key=f"media:{post}" if post else None,
            text=text,
            engaged_at=at,
            engagement_key=f"csv:{key[:24]}",
        )
    )
    return True

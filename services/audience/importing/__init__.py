"""Importers of audience sources; parse_upload picks the one that fits the uploaded file."""

from __future__ import annotations

import json
from pathlib import Path

from services.audience.importing.archive import ArchiveLimits, JsonArchive
from services.audience.importing.audience_csv import parse_audience_csv
from services.audience.importing.graph_api import is_graph_api_document, parse_graph_api
from services.audience.importing.instagram_export import (
    is_instagram_export,
    parse_instagram_export,
)
from services.audience.importing.records import AccountRole, ImportBatch, InvalidImport

__all__ = ["ImportBatch", "InvalidImport", "parse_folder", "parse_upload"]


def parse_upload(
    filename: str,
    data: bytes,
    *,
    account: str | None = None,
    role: AccountRole | None = None,
    limits: ArchiveLimits = ArchiveLimits(),
) -> ImportBatch:
    """Parse one uploaded file: an export zip, a Graph API JSON response, or an audience CSV.

    ``account`` names the account that the file is about when the file does not: the owner of
    an export or of a media listing. ``role`` is that account's role (brand by default for an
    export, none for Graph API files, whose business discovery results are influencers).
    """
    lowered = filename.lower()
    if lowered.endswith(".zip") or data[:4] == b"PK\x03\x04":
        archive = JsonArchive.from_zip(filename, data, limits)
        return _parse_export(archive, account, role)
    if lowered.endswith((".csv", ".tsv", ".txt")):
        return parse_audience_csv(filename, data)
    if lowered.endswith(".json"):
        return _parse_json(filename, data, account, role)
    raise InvalidImport(
        f"{filename}: unsupported file type; upload an Instagram export (.zip), "
        "a Graph API response (.json) or an audience list (.csv)."
    )


def parse_folder(
    folder: Path, *, account: str | None = None, role: AccountRole | None = None
) -> ImportBatch:
    """Parse an unpacked Instagram export folder."""
    return _parse_export(JsonArchive.from_folder(folder), account, role)


def _parse_export(
    archive: JsonArchive, account: str | None, role: AccountRole | None
) -> ImportBatch:
    if not is_instagram_export(archive):
        raise InvalidImport(
            f"{archive.name} is not an Instagram export in JSON format: none of its files is a "
            "known export file (for example followers_1.json or posts_1.json)."
        )
    return parse_instagram_export(archive, owner=account, role=role or AccountRole.BRAND)


def _parse_json(
    filename: str, data: bytes, account: str | None, role: AccountRole | None
) -> ImportBatch:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidImport(f"{filename} is not valid JSON: {error}") from error
    if is_graph_api_document(document):
        return parse_graph_api(document, name=filename, account=account, role=role)
    # A single file taken out of an export, such as followers_1.json or connections.json.
    archive = JsonArchive(filename, {_export_file_name(filename): data})
    if is_instagram_export(archive):
        return _parse_export(archive, account, role)
    raise InvalidImport(
        f"{filename} is neither a Graph API response nor a file of an Instagram export."
    )


def _export_file_name(filename: str) -> str:
    """Return where a single export file belongs in the export, judged by its name."""
    name = Path(filename).name.lower()
    if name.startswith(("followers", "following")):
        return f"connections/followers_and_following/{name}"
    if name.startswith("posts_"):
        return f"your_instagram_activity/content/{name}"
    if name.startswith("post_comments"):
        return f"your_instagram_activity/comments/{name}"
    if name == "liked_posts.json":
        return f"your_instagram_activity/likes/{name}"
    return name

"""Read the JSON files of an export, from a zip archive or an unpacked folder, within limits."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from services.audience.importing.records import InvalidImport


@dataclass(frozen=True)
class ArchiveLimits:
    max_entries: int = 200_000
    # A followers file of a large account is tens of MB; media files are never read.
    max_json_bytes: int = 512 * 1024 * 1024


class JsonArchive:
    """The JSON files of an export, by path relative to the export's root folder."""

    def __init__(self, name: str, files: dict[str, bytes | Path]) -> None:
        self.name = name
        self._files, wrappers = _strip_common_root(files)
        # Names that may carry the account's handle: the upload's and its wrapper folders'.
        self.names = [name, *wrappers]

    @classmethod
    def from_zip(
        cls, name: str, data: bytes, limits: ArchiveLimits = ArchiveLimits()
    ) -> JsonArchive:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as error:
            raise InvalidImport(f"{name} is not a readable zip archive: {error}") from error
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise InvalidImport(
                f"{name} has {len(entries)} entries; at most {limits.max_entries} are accepted."
            )
        files: dict[str, bytes | Path] = {}
        for entry in entries:
            if entry.is_dir() or not entry.filename.lower().endswith(".json"):
                continue
            files[entry.filename] = _read_entry(archive, entry, name, limits.max_json_bytes)
        return cls(name, files)

    @classmethod
    def from_folder(cls, folder: Path) -> JsonArchive:
        if not folder.is_dir():
            raise InvalidImport(f"{folder} is not a folder.")
        files: dict[str, bytes | Path] = {
            path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*.json"))
        }
        return cls(folder.name, files)

    def paths(self) -> list[str]:
        return sorted(self._files)

    def read_json(self, path: str) -> Any:
        content = self._files[path]
        raw = content.read_bytes() if isinstance(content, Path) else content
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidImport(f"{self.name}: {path} is not valid JSON: {error}") from error

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths())


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, name: str, limit: int) -> bytes:
    # The size in the entry header can lie, so the read itself is bounded too.
    if entry.file_size > limit:
        raise InvalidImport(f"{name}: {entry.filename} is larger than {limit} bytes.")
    with archive.open(entry) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidImport(f"{name}: {entry.filename} is larger than {limit} bytes.")
    return data


# Top-level folders of Instagram's exports; a single folder with another name is a wrapper.
EXPORT_FOLDERS = frozenset(
    {
        "connections",
        "your_instagram_activity",
        "content",
        "followers_and_following",
        "comments",
        "likes",
        "personal_information",
        "media",
    }
)


def _strip_common_root(
    files: dict[str, bytes | Path],
) -> tuple[dict[str, bytes | Path], list[str]]:
    """Drop wrapper folders that contain everything (instagram-<handle>-<date>-<hash>/)."""
    paths = [PurePosixPath(path) for path in files]
    wrappers: list[str] = []
    while paths and all(len(path.parts) > 1 for path in paths):
        first = {path.parts[0] for path in paths}
        if len(first) != 1 or next(iter(first)).lower() in EXPORT_FOLDERS:
            break
        wrappers.append(next(iter(first)))
        paths = [PurePosixPath(*path.parts[1:]) for path in paths]
    stripped = {
        path.as_posix(): content for path, content in zip(paths, files.values(), strict=True)
    }
    return stripped, wrappers

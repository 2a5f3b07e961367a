"""Expand a zip archive of photos safely, one entry at a time.

An archive as a whole is rejected when it is not a zip, has too many entries, or declares more
uncompressed bytes than allowed. A single entry is rejected when its path could escape its folder
(absolute, "..", a symlink), when it is encrypted or unreadable, when its first bytes are not
those of a supported photo format (checked before the rest is decompressed), or when the bytes
actually read run over the limits. The other entries go on.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from services.ingest.images import PHOTO_SIGNATURE_BYTES, looks_like_photo, unsupported_reason

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")

# Files that archivers and desktops add next to photos; they are skipped without a report.
_JUNK_FOLDERS = frozenset({"__MACOSX"})
_JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_APPLE_DOUBLE_PREFIX = "._"

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_READ_CHUNK = 1024 * 1024


class ArchiveRejected(ValueError):
    """Raised for a zip that is rejected as a whole; ``reason`` is a sentence for the tenant."""

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_uncompressed_bytes: int
    max_entry_bytes: int


@dataclass(frozen=True)
class ArchiveEntry:
    """One file of an archive: its bytes, or the reason it was rejected."""

    path: str
    """The entry's name inside the archive, as stored."""
    folder: str
    """The entry's folder inside the archive, "/"-separated, "" at the top."""
    filename: str
    data: bytes | None = None
    reason: str | None = None
    kind: str | None = None


def looks_like_zip(data: bytes) -> bool:
    return data[:4] in ZIP_SIGNATURES


def expand_zip(data: bytes, limits: ZipLimits) -> Iterator[ArchiveEntry]:
    """Return an iterator over the zip's file entries, each with its bytes or a rejection reason.

    Raises ``ArchiveRejected`` at once, before returning the iterator, when the archive as a
    whole is rejected. Entries are read one at a time as the iterator advances. Directories and
    desktop junk (``__MACOSX/``, ``.DS_Store``, ``._*``) are skipped.
    """
    archive = _open_archive(data)
    infos = archive.infolist()
    _check_declared_limits(infos, limits)
    return _read_entries(archive, infos, limits)


def _read_entries(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: ZipLimits
) -> Iterator[ArchiveEntry]:
    budget = limits.max_uncompressed_bytes
    for info in infos:
        if info.is_dir() or _is_junk(info.filename):
            continue
        entry = _read_entry(archive, info, limits, budget)
        if entry.data is not None:
            budget -= len(entry.data)
        yield entry


def _open_archive(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise ArchiveRejected(
            f"The file is not a readable zip archive: {error}.", "corrupt_archive"
        ) from None


def _check_declared_limits(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(infos) > limits.max_entries:
        raise ArchiveRejected(
            f"The zip archive has {len(infos):,} entries, over the limit of "
            f"{limits.max_entries:,}. Split it into smaller archives.",
            "zip_too_many_entries",
        )
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_uncompressed_bytes:
        raise ArchiveRejected(
            f"The zip archive unpacks to {declared:,} bytes, over the limit of "
            f"{limits.max_uncompressed_bytes:,} bytes. Split it into smaller archives.",
            "zip_too_large",
        )


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, budget: int
) -> ArchiveEntry:
    path = info.filename
    try:
        parts = _safe_parts(info)
    except ArchiveRejected as error:
        return ArchiveEntry(path, "", PurePosixPath(path).name, reason=error.reason,
                            kind=error.kind)
    folder, filename = "/".join(parts[:-1]), parts[-1]

    def rejected(reason: str, kind: str) -> ArchiveEntry:
        return ArchiveEntry(path, folder, filename, reason=reason, kind=kind)

    if info.flag_bits & 0x1:
        return rejected("The zip entry is encrypted; upload it without a password.", "encrypted")
    if info.file_size > limits.max_entry_bytes:
        return rejected(
            f"The zip entry is {info.file_size:,} bytes, over the limit of "
            f"{limits.max_entry_bytes:,} bytes for one photo.",
            "too_large",
        )
    try:
        data = _read_limited(archive, info, min(limits.max_entry_bytes, budget))
    except ArchiveRejected as error:
        return rejected(error.reason, error.kind)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as error:
        # zipfile raises BadZipFile for a CRC mismatch, which is how a header that declares
        # fewer bytes than the entry contains shows up.
        return rejected(f"The zip entry is damaged and cannot be read: {error}.", "corrupt")
    return ArchiveEntry(path, folder, filename, data=data)


def _safe_parts(info: zipfile.ZipInfo) -> list[str]:
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or _WINDOWS_DRIVE.match(name):
        raise ArchiveRejected(
            "The zip entry has an absolute path, which could write outside its folder.",
            "unsafe_path",
        )
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ArchiveRejected(
            'The zip entry\'s path contains "..", which could write outside its folder.',
            "unsafe_path",
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ArchiveRejected(
            "The zip entry is a symbolic link, which could point outside its folder.",
            "unsafe_path",
        )
    if not parts:
        raise ArchiveRejected("The zip entry has an empty name.", "unsafe_path")
    return parts


def _read_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    # zipfile itself stops at the size the header declares and then fails the CRC check.
    # Counting the bytes actually read keeps ``limit`` without relying on that.
    with archive.open(info) as stream:
        head = stream.read(PHOTO_SIGNATURE_BYTES)
        _check_photo_head(head)
        chunks = [head]
        total = len(head)
        while chunk := stream.read(_READ_CHUNK):
            total += len(chunk)
            if total > limit:
                raise ArchiveRejected(
                    f"The zip entry unpacks to more than {limit:,} bytes, the space left under "
                    "the archive's limits; it was not read further.",
                    "zip_too_large",
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _check_photo_head(head: bytes) -> None:
    """Reject an entry from its first bytes, so a non-photo is never decompressed whole."""
    if not head:
        raise ArchiveRejected("The file is empty.", "empty")
    if looks_like_zip(head):
        raise ArchiveRejected(
            "Zip archives inside a zip are not expanded; upload that archive alone.",
            "nested_archive",
        )
    if not looks_like_photo(head):
        raise ArchiveRejected(unsupported_reason(head), "unsupported_format")


def _is_junk(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if any(part in _JUNK_FOLDERS for part in parts):
        return True
    basename = parts[-1] if parts else ""
    return basename in _JUNK_NAMES or basename.startswith(_APPLE_DOUBLE_PREFIX)

"""Object storage for originals and thumbnails, behind one interface.

Keys are always built by ``object_key`` from the tenant id, so one tenant's objects sit under
its own prefix and a caller cannot reach another tenant's objects by choosing a key.
"""

from __future__ import annotations

import abc
import errno
import logging
import os
import re
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def object_key(tenant_id: str, kind: str, name: str) -> str:
    for part, label in ((tenant_id, "tenant id"), (kind, "object kind"), (name, "object name")):
        if not _SAFE_PART.match(part) or ".." in part:
            raise ValueError(f"invalid {label} for a storage key: {part!r}")
    return f"{tenant_id}/{kind}/{name[:2]}/{name}"


class ObjectStore(abc.ABC):
    @abc.abstractmethod
    def put(self, key: str, data: bytes) -> None: ...

    @abc.abstractmethod
    def get(self, key: str) -> bytes:
        """Return the object's bytes; raises KeyError when there is none."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many were deleted."""

    @abc.abstractmethod
    def count_prefix(self, prefix: str) -> int:
        """Return how many objects are stored under ``prefix``."""


class FilesystemStore(ObjectStore):
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key escapes the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so a crash never leaves half an original.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def count_prefix(self, prefix: str) -> int:
        # os.walk skips folders that a concurrent deletion removes while it walks.
        return sum(len(files) for _folder, _folders, files in os.walk(self._path(prefix)))

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many this call deleted.

        Another deletion or an upload may work in the same folders at the same time: files
        already gone are not counted, and a folder that a new file appeared in is kept.
        """
        count = 0
        for folder, _folders, files in os.walk(self._path(prefix), topdown=False):
            for name in files:
                try:
                    (Path(folder) / name).unlink()
                except FileNotFoundError:
                    continue
                count += 1
            _remove_if_empty(Path(folder))
        return count


def _remove_if_empty(folder: Path) -> None:
    """Remove the folder unless a concurrent writer has just put a file into it."""
    try:
        folder.rmdir()
    except FileNotFoundError:
        pass
    except OSError as error:
        if error.errno != errno.ENOTEMPTY:
            raise
        log.warning("kept folder %s: a file was written into it during its deletion", folder)

"""An exclusive lock on the data folder, so two embedded stacks never share one."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "datafantasi.lock"


class DataDirInUse(RuntimeError):
    pass


class DataDirLock:
    """Holds ``flock(LOCK_EX)`` on ``<data_dir>/datafantasi.lock`` until released.

    The kernel drops the lock when the process exits, so a crash leaves no stale lock behind.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise DataDirInUse(
                f"data folder {self.path.parent} is in use by another Datafantasi process "
                f"(it holds {self.path}); stop that process or set DATAFANTASI_DATA_DIR to "
                "another folder"
            ) from None
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

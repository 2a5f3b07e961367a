"""One Datafantasi service process (``python -m datafantasi.serve NAME``) on 127.0.0.1.

Like the servers, it keeps its process id in a file, so a later command can stop it. It is ready
when its /health returns status "ready": broker, database and store reachable, and for the
embedding process also the photo model loaded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from infra.processes import HOST, is_alive, read_pid, spawn, stop_process, wait_until_ready

log = logging.getLogger(__name__)

REPOSITORY = Path(__file__).resolve().parents[1]


@dataclass
class ServiceProcess:
    name: str
    port: int
    folder: Path
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / f"{self.name}.log"

    @property
    def pid_path(self) -> Path:
        return self.folder / f"{self.name}.pid"

    @property
    def command(self) -> tuple[str, ...]:
        return (sys.executable, "-m", "datafantasi.serve", self.name)

    def start(self, timeout_s: float = 120.0) -> float:
        """Start the process and wait until it is ready; return the seconds that took.

        Raises ServerStartError with the end of its log when it exits or is not ready in time.
        """
        self.launch()
        return self.wait_until_ready(timeout_s)

    def launch(self) -> int:
        """Start the process without waiting for it; return its process id."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return spawn(self.command, self.log_path, self.pid_path, env=self._process_environment())

    def wait_until_ready(self, timeout_s: float = 120.0, *, serving: bool = False) -> float:
        """Wait until /health returns "ready" (or, with ``serving``, returns anything); return the
        seconds that took.

        Raises ServerStartError with the end of its log when it exits or is not ready in time.
        """
        seconds = wait_until_ready(
            f"the {self.name} process", self.is_serving if serving else self.is_ready,
            pid=read_pid(self.pid_path), log_path=self.log_path, timeout_s=timeout_s,
        )
        log.info("%s process serving on %s after %.1f s", self.name, self.url, seconds)
        return seconds

    def is_running(self) -> bool:
        pid = read_pid(self.pid_path)
        return pid is not None and is_alive(pid)

    def is_ready(self) -> bool:
        return self.health() == "ready"

    def is_serving(self) -> bool:
        return self.health() is not None

    def health(self) -> str | None:
        """Return the status of /health ("ready" or "degraded"), or None when the request fails."""
        try:
            response = httpx.get(f"{self.url}/health", timeout=5.0)
            return str(response.json().get("status", "degraded"))
        except (httpx.HTTPError, ValueError):
            return None

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the process with SIGTERM, so it finishes its batches and leaves its groups."""
        pid = read_pid(self.pid_path)
        if pid is not None:
            stop_process(pid, timeout_s)
        self.pid_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """Stop the process with SIGKILL, as a crash would: nothing in flight is finished."""
        pid = read_pid(self.pid_path)
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        while is_alive(pid):
            time.sleep(0.05)
        self.pid_path.unlink(missing_ok=True)

    def _process_environment(self) -> dict[str, str]:
        environment = {**os.environ, **self.environment}
        # The interpreter finds datafantasi, services and shared from the repository root.
        environment["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(REPOSITORY), environment.get("PYTHONPATH", "")) if part
        )
        return environment


"""Starting, watching and stopping the local servers as plain operating-system processes.

Each server keeps its process id in a file in its own folder, so that a later command
(``infra/cluster down``) can stop a server that an earlier command started.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


class ServerStartError(RuntimeError):
    """Raised when a server does not become ready. The message contains the end of its log."""


def free_port() -> int:
    # The port is free when this returns and stays free unless another program takes it before
    # the server does.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def spawn(command: Sequence[str], log_path: Path, pid_path: Path,
          env: dict[str, str] | None = None) -> int:
    """Start ``command`` in its own session, detached from this process, logging to ``log_path``.

    The new session keeps the server running after the starting command exits and keeps a
    Ctrl-C in the terminal from reaching it.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as output:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    pid_path.write_text(f"{process.pid}\n")
    return process.pid


def read_pid(pid_path: Path) -> int | None:
    try:
        return int(pid_path.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def is_alive(pid: int) -> bool:
    try:
        finished, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        finished = 0  # not a child of this process, so only a signal can check it
    else:
        if finished == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_process(pid: int, timeout_s: float) -> None:
    """Send SIGTERM, wait up to ``timeout_s`` for a clean exit, then SIGKILL."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return
        time.sleep(0.1)
    log.warning("process %d did not stop within %.0f s of SIGTERM, sending SIGKILL", pid, timeout_s)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while is_alive(pid):
        time.sleep(0.05)


def log_tail(log_path: Path, lines: int = 25) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {log_path})"
    return "\n".join(text.splitlines()[-lines:])


def wait_until_ready(
    name: str,
    is_ready: Callable[[], bool],
    *,
    pid: int | None,
    log_path: Path,
    timeout_s: float,
) -> float:
    """Poll ``is_ready`` until it returns True, and return the seconds that took.

    Raises ServerStartError with the end of the server's log when the process exits first or
    ``timeout_s`` passes.
    """
    started = time.monotonic()
    while True:
        if is_ready():
            return time.monotonic() - started
        if pid is not None and not is_alive(pid):
            raise ServerStartError(
                f"{name} exited while starting. End of {log_path}:\n{log_tail(log_path)}"
            )
        if time.monotonic() - started > timeout_s:
            raise ServerStartError(
                f"{name} was not ready after {timeout_s:.0f} s. End of {log_path}:\n"
                f"{log_tail(log_path)}"
            )
        time.sleep(0.2)

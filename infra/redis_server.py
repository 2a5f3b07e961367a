"""A private Redis server on 127.0.0.1 that keeps nothing on disk (no snapshots, no AOF)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from infra.packages import redis_server_program
from infra.processes import (
    HOST,
    accepts_connections,
    is_alive,
    read_pid,
    spawn,
    stop_process,
    wait_until_ready,
)

log = logging.getLogger(__name__)


@dataclass
class RedisServer:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.folder / "redis.log"

    @property
    def pid_path(self) -> Path:
        return self.folder / "redis.pid"

    def start(self, timeout_s: float = 30.0) -> None:
        program = redis_server_program()
        self.folder.mkdir(parents=True, exist_ok=True)
        pid = spawn(
            [
                str(program), "--port", str(self.port), "--bind", HOST,
                "--save", "", "--appendonly", "no", "--dir", str(self.folder),
                "--daemonize", "no",
            ],
            self.log_path,
            self.pid_path,
        )
        wait_until_ready("Redis", self._answers_ping, pid=pid, log_path=self.log_path,
                         timeout_s=timeout_s)
        log.info("Redis ready on %s:%d", HOST, self.port)

    def stop(self, timeout_s: float = 30.0) -> None:
        pid = read_pid(self.pid_path)
        if pid is not None:
            stop_process(pid, timeout_s)
        self.pid_path.unlink(missing_ok=True)

    def is_running(self) -> bool:
        pid = read_pid(self.pid_path)
        return pid is not None and is_alive(pid) and accepts_connections(self.port)

    def _answers_ping(self) -> bool:
        import redis

        client = redis.Redis(host=HOST, port=self.port, socket_timeout=1.0)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

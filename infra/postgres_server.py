"""A private PostgreSQL server: its own data folder, a port on 127.0.0.1, a password login.

PostgreSQL refuses to run as root, so when root starts it the server runs as the ``postgres``
user that Debian's package creates, and its folder belongs to that user.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.packages import is_root, postgres_bin_dir
from infra.processes import HOST, ServerStartError, log_tail

log = logging.getLogger(__name__)

SERVER_USER = "postgres"
# A Unix socket path longer than this does not fit in sockaddr_un.
MAX_SOCKET_PATH = 107


@dataclass
class PostgresServer:
    folder: Path
    port: int
    user: str = "datafantasi"
    database: str = "datafantasi"

    @property
    def data_path(self) -> Path:
        return self.folder / "data"

    @property
    def log_path(self) -> Path:
        return self.folder / "postgres.log"

    @property
    def password_path(self) -> Path:
        return self.folder / "password"

    @property
    def url(self) -> str:
        """SQLAlchemy URL for the psycopg 3 driver."""
        return (
            f"postgresql+psycopg://{self.user}:{self.password()}@{HOST}:{self.port}/{self.database}"
        )

    def password(self) -> str:
        return self.password_path.read_text().strip()

    def start(self, timeout_s: float = 60.0) -> None:
        bin_dir = postgres_bin_dir()
        self._prepare_folder()
        if not (self.data_path / "PG_VERSION").exists():
            self._initdb(bin_dir)
        options = f"-c listen_addresses={HOST} -p {self.port} -k {self.folder}"
        result = self._run_as_server_user(
            [
                str(bin_dir / "pg_ctl"), "start", "--wait", f"--timeout={int(timeout_s)}",
                "-D", str(self.data_path), "-l", str(self.log_path), "-o", options,
            ]
        )
        if result.returncode != 0:
            raise ServerStartError(
                f"PostgreSQL did not start on {HOST}:{self.port}: {result.stderr.strip()}\n"
                f"end of {self.log_path}:\n{log_tail(self.log_path)}"
            )
        self._create_database()
        log.info("PostgreSQL ready on %s:%d, database %s", HOST, self.port, self.database)

    def stop(self, timeout_s: float = 60.0) -> None:
        if not (self.data_path / "postmaster.pid").exists():
            return
        # "fast" rolls back open transactions and disconnects clients instead of waiting for them.
        self._run_as_server_user(
            [
                str(postgres_bin_dir() / "pg_ctl"), "stop", "--wait", f"--timeout={int(timeout_s)}",
                "-D", str(self.data_path), "-m", "fast",
            ]
        )

    def is_running(self) -> bool:
        if not self.data_path.exists():
            return False
        status = self._run_as_server_user(
            [str(postgres_bin_dir() / "pg_ctl"), "status", "-D", str(self.data_path)]
        )
        return status.returncode == 0

    def _prepare_folder(self) -> None:
        socket_path = self.folder / f".s.PGSQL.{self.port}"
        if len(str(socket_path)) > MAX_SOCKET_PATH:
            raise ServerStartError(
                f"PostgreSQL's socket path {socket_path} is longer than {MAX_SOCKET_PATH} "
                "characters; choose a shorter folder"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.password_path.exists():
            self.password_path.write_text(secrets.token_urlsafe(18) + "\n")
            self.password_path.chmod(0o600)
        if not is_root():
            return
        for path in (self.folder, self.password_path, self.log_path):
            if path.exists():
                shutil.chown(path, SERVER_USER, SERVER_USER)
        if self._run_as_server_user(["test", "-w", str(self.folder)]).returncode != 0:
            raise ServerStartError(
                f"PostgreSQL runs as user {SERVER_USER} when root starts it, and that user "
                f"cannot write to {self.folder}; every parent folder needs o+x (a folder under "
                "/tmp works)"
            )

    def _initdb(self, bin_dir: Path) -> None:
        result = self._run_as_server_user(
            [
                str(bin_dir / "initdb"), "-D", str(self.data_path), "-U", self.user,
                f"--pwfile={self.password_path}", "--auth=scram-sha-256",
                "--encoding=UTF8", "--no-locale", "--no-sync",
            ]
        )
        if result.returncode != 0:
            raise ServerStartError(
                f"initdb into {self.data_path} failed:\n{(result.stdout + result.stderr)[-3000:]}"
            )

    def _create_database(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=HOST, port=self.port, user=self.user, password=self.password(),
            dbname="postgres", autocommit=True,
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if exists is None:
                connection.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database))
                )

    def _run_as_server_user(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        if is_root():
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True)

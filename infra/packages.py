"""Finding the server programs, installing their Debian packages when they are missing."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
from pathlib import Path

from infra.processes import ServerStartError

log = logging.getLogger(__name__)


class MissingProgramError(ServerStartError):
    """Raised when a server program is missing and cannot be installed from here."""


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(packages: list[str]) -> None:
    """Install Debian packages as root. Anyone else gets an error with the command to run."""
    if not is_root():
        raise MissingProgramError(
            f"missing Debian packages {' '.join(packages)}. Install them with: "
            f"sudo apt-get install -y {' '.join(packages)}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log.info("installing Debian packages %s", " ".join(packages))
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, capture_output=True).returncode == 0:
        return
    # A fresh machine has no package lists yet, so the first attempt fails.
    subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
    result = subprocess.run(install, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise MissingProgramError(
            f"apt-get install {' '.join(packages)} failed:\n{result.stderr[-2000:]}"
        )


def postgres_bin_dir() -> Path:
    """Return the folder of the newest installed PostgreSQL server programs (initdb, pg_ctl)."""
    for attempt in range(2):
        # Debian keeps each major version's programs apart, out of PATH.
        found = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"),
            key=lambda path: int(Path(path).parts[-3]),
        )
        if found:
            return Path(found[-1]).parent
        on_path = shutil.which("initdb")
        if on_path:
            return Path(on_path).resolve().parent
        if attempt == 0:
            apt_install(["postgresql"])
    raise MissingProgramError("initdb not found after installing the postgresql package")


def redis_server_program() -> Path:
    for attempt in range(2):
        on_path = shutil.which("redis-server")
        if on_path:
            return Path(on_path)
        if attempt == 0:
            apt_install(["redis-server"])
    raise MissingProgramError("redis-server not found after installing the redis-server package")

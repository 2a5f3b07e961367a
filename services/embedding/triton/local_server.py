"""Run the CPU build of Triton that the ``nvidia-pytriton`` wheel ships, on 127.0.0.1.

For tests and benchmarks on a machine without the Triton container. The wheel keeps one
python-backend stub per Python version, so the server folder is assembled in a scratch
folder with the stub of this interpreter, as pytriton itself does at start. The stub embeds
this interpreter's libpython, so LD_LIBRARY_PATH gets its folder next to the wheel's bundled
libraries. PATH starts with this interpreter's folder, because the stub takes its ``sys.prefix``
from the first ``python3`` on PATH, and so finds this environment's torch and open_clip.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


class TritonNotInstalled(RuntimeError):
    """Raised when the nvidia-pytriton wheel, which contains the tritonserver binary, is absent."""


class LocalTritonServer:
    """A ``tritonserver`` process serving ``repository`` on free ports of 127.0.0.1.

    ``start`` and ``stop`` may be called again, so a test can stop the server and start it
    again on the same ports.
    """

    def __init__(self, repository: Path, workdir: Path) -> None:
        self.repository = repository
        self._workdir = workdir
        self._server_dir = _assemble_server(workdir / "tritonserver")
        self.http_port = free_port()
        self.grpc_port = free_port()
        self.metrics_port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = workdir / "tritonserver.log"

    @property
    def grpc_url(self) -> str:
        return f"{HOST}:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"{HOST}:{self.http_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"

    def start(self, timeout_s: float = 120.0) -> None:
        """Start the server and wait until every model is ready.

        Raises RuntimeError with the end of the server's log when it exits or is not ready
        within ``timeout_s`` seconds.
        """
        if self._process is not None:
            return
        command = [
            str(self._server_dir / "bin" / "tritonserver"),
            f"--model-repository={self.repository}",
            f"--backend-directory={self._server_dir / 'backends'}",
            f"--cache-directory={self._server_dir / 'caches'}",
            f"--http-address={HOST}",
            f"--http-port={self.http_port}",
            f"--grpc-address={HOST}",
            f"--grpc-port={self.grpc_port}",
            "--allow-metrics=true",
            f"--metrics-address={HOST}",
            f"--metrics-port={self.metrics_port}",
            "--strict-readiness=true",
            # The repository's configs are complete, and completing them would start one more
            # python-backend stub per model, which imports torch again.
            "--disable-auto-complete-config",
        ]
        with self._log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, env=_server_environment()
            )
        log.info("started tritonserver (pid %d) on %s", self._process.pid, self.grpc_url)
        self._wait_ready(timeout_s)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the server with SIGTERM, then SIGKILL after ``timeout_s`` seconds."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.info("stopped tritonserver (pid %d)", process.pid)

    def log_tail(self, chars: int = 4000) -> str:
        if not self._log_path.exists():
            return ""
        return self._log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        url = f"http://{self.http_url}/v2/health/ready"
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                self._process = None
                raise RuntimeError(f"tritonserver exited during start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=1.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"tritonserver not ready after {timeout_s:.0f} s:\n{self.log_tail()}")


def _assemble_server(target: Path) -> Path:
    try:
        import pytriton
    except ImportError as error:
        raise TritonNotInstalled(
            "tritonserver comes from the nvidia-pytriton wheel, which is not installed. "
            "Install it with: pip install --no-deps 'nvidia-pytriton==0.7.0'"
        ) from error
    source = Path(pytriton.__file__).parent / "tritonserver"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    stub = source / "python_backend_stubs" / version / "triton_python_backend_stub"
    if not stub.exists():
        raise TritonNotInstalled(f"nvidia-pytriton has no python-backend stub for Python {version}")
    if not target.exists():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("python_backend_stubs"))
        shutil.copy(stub, target / "backends" / "python" / "triton_python_backend_stub")
    return target


def _server_environment() -> dict[str, str]:
    import pytriton

    libraries = [
        str(sysconfig.get_config_var("LIBDIR")),
        str(Path(pytriton.__file__).parent.parent / "nvidia_pytriton.libs"),
    ]
    environment = dict(os.environ)
    if environment.get("LD_LIBRARY_PATH"):
        libraries.append(environment["LD_LIBRARY_PATH"])
    environment["LD_LIBRARY_PATH"] = os.pathsep.join(libraries)
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment["PATH"]])
    return environment


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])

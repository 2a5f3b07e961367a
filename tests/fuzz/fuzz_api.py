"""Fuzz every operation of the published OpenAPI document with schemathesis; no 500 allowed.

Starts the embedded stack (tiny test model) on a free loopback port, creates a tenant with an
owner and a photo, and runs ``schemathesis run`` against ``/openapi.json`` with that tenant's
key and the operator token. Prints the operations, test cases and server errors, and exits 1
when any response was a 5xx.

    .venv/bin/python -m tests.fuzz.fuzz_api --max-examples 30 --max-time 600
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from datafantasi.embedded import EmbeddedStack
from shared.logs import configure_logging
from shared.settings import EmbeddingSettings, Settings
from tests.support import ADMIN_TOKEN, photo_bytes

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@dataclass
class FuzzCounts:
    operations: int
    test_cases: int
    server_errors: int
    failures: list[str]
    complete: bool = True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(stack: EmbeddedStack, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(stack.create_app(), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fuzzed-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the API did not start on 127.0.0.1:{port}")
        time.sleep(0.1)
    return server, thread


def _seed(api: str) -> str:
    """Create a tenant with an owner and one photo; returns the tenant's API key."""
    created = httpx.post(
        f"{api}/admin/tenants",
        json={"name": "Fuzz ApS", "tenant_id": "fuzz", "owner_email": "ejer@fuzz.dk",
              "owner_name": "Ejer", "owner_password": "korrekt-hest-batteri"},
        headers={"X-Admin-Token": ADMIN_TOKEN},
    )
    created.raise_for_status()
    key = created.json()["api_key"]
    photo = photo_bytes((120, 80, 200))
    httpx.post(f"{api}/v1/uploads", files={"files": ("foto.jpg", photo, "image/jpeg")},
               headers={"X-API-Key": key}).raise_for_status()
    return key


def _counts(report: dict) -> FuzzCounts:
    """Read the counts out of schemathesis' JSON run report.

    The only check is not_a_server_error, so every failure it reports is a 5xx response.
    """
    failures = []
    for failure in report.get("failures", []):
        operations = ", ".join(failure.get("operations", []))
        failures.append(f"{failure.get('title')} ({failure.get('count')}x): {operations}")
    errors = [json.dumps(error)[:300] for error in report.get("errors", [])]
    return FuzzCounts(
        operations=int(report.get("operations", {}).get("tested", 0)),
        test_cases=int(report.get("test_cases", {}).get("generated", 0)),
        server_errors=sum(int(f.get("count", 1)) for f in report.get("failures", [])),
        failures=failures + errors,
    )


def run_fuzz(
    workdir: Path, model_store: tuple[Path, str], *, max_examples: int, max_time_s: int,
    seed: int = 1,
) -> tuple[FuzzCounts, str]:
    """Run schemathesis once; returns the counts and its console output."""
    store, model = model_store
    settings = Settings(
        data_dir=workdir / "data",
        embedding=EmbeddingSettings(photo_model=model, model_store=store, batch_size=8),
        api={"admin_token": ADMIN_TOKEN, "requests_per_minute": 1_000_000,
             "sign_ins_per_minute": 1_000_000},
    )
    stack = EmbeddedStack(settings)
    port = _free_port()
    server, thread = _serve(stack, port)
    api = f"http://127.0.0.1:{port}"
    report_path = workdir / "schemathesis.json"
    try:
        key = _seed(api)
        command = [
            str(SCHEMATHESIS), "run", f"{api}/openapi.json",
            "--checks", "not_a_server_error",
            "--header", f"X-API-Key: {key}", "--header", f"X-Admin-Token: {ADMIN_TOKEN}",
            "--max-examples", str(max_examples), "--max-time", str(max_time_s),
            "--seed", str(seed), "--workers", "1", "--no-shrink",
            "--phases", "examples,coverage,fuzzing",
            "--suppress-health-check", "all", "--warnings", "off",
            "--report", "json", "--report-json-path", str(report_path),
        ]
        # Run in the work folder, where schemathesis also leaves its .schemathesis cache.
        finished = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=max_time_s + 300,
            cwd=workdir,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    output = finished.stdout + finished.stderr
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return _counts(report), output


def main(argv: list[str] | None = None) -> int:
    from services.embedding.testing import build_test_model

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=30,
                        help="Test cases per operation and phase.")
    parser.add_argument("--max-time", type=int, default=600,
                        help="Time budget of the whole run, in seconds.")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the generated data.")
    arguments = parser.parse_args(argv)
    # The fuzzer's failed jobs and rejected inputs would bury the summary in tracebacks.
    configure_logging("CRITICAL")
    with tempfile.TemporaryDirectory(prefix="datafantasi-fuzz-") as folder:
        workdir = Path(folder)
        model_store = (workdir / "models", build_test_model(workdir / "models"))
        started = time.monotonic()
        counts, output = run_fuzz(
            workdir, model_store, max_examples=arguments.max_examples,
            max_time_s=arguments.max_time, seed=arguments.seed,
        )
    print(output[-4000:])
    print(
        f"fuzzed {counts.operations} operations with {counts.test_cases} test cases in "
        f"{time.monotonic() - started:.0f} s: {counts.server_errors} server errors, "
        f"{len(counts.failures)} failures"
    )
    for failure in counts.failures:
        print(f"  {failure}")
    return 1 if counts.server_errors or counts.failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""The thread runner with registered kinds: outcomes, progress, bad kinds and parameters."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from shared.db import create_tables, make_engine
from shared.jobs import JobContext, JobStatus, ThreadJobRunner, UnknownJobKind, job_kind

released = threading.Event()


@job_kind("test.add")
def add(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    context.progress(0.5, "half way", force=True)
    return {"sum": params["a"] + params["b"], "offset": context.services.offset}


@job_kind("test.fail")
def fail(_context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    raise ValueError(f"cannot handle {params['what']}")


@job_kind("test.blocked")
def blocked(_context: JobContext, _params: dict[str, Any]) -> dict[str, Any]:
    released.wait(30)
    return {}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def runner(engine: Engine) -> Iterator[ThreadJobRunner]:
    runner = ThreadJobRunner(engine, services=SimpleNamespace(offset=100))
    yield runner
    released.set()
    runner.close()


def test_job_result_and_services_are_recorded(runner: ThreadJobRunner) -> None:
    job = runner.submit("tenant-a", "test.add", {"a": 2, "b": 3})
    runner.wait(job.job_id, 10)

    done = runner.get("tenant-a", job.job_id)
    assert done is not None
    assert done.status == JobStatus.SUCCEEDED
    assert json.loads(done.result or "") == {"sum": 5, "offset": 100}
    assert done.progress == 1.0
    assert done.started_at is not None and done.finished_at is not None
    assert runner.get("tenant-b", job.job_id) is None


def test_job_exception_becomes_its_error(runner: ThreadJobRunner) -> None:
    job = runner.submit("tenant-a", "test.fail", {"what": "tuesdays"})
    runner.wait(job.job_id, 10)

    failed = runner.get("tenant-a", job.job_id)
    assert failed is not None
    assert failed.status == JobStatus.FAILED
    assert failed.error == "ValueError: cannot handle tuesdays"
    assert failed.result is None


def test_unknown_kind_and_bad_params_are_rejected(runner: ThreadJobRunner) -> None:
    with pytest.raises(UnknownJobKind, match=re.escape("unknown job kind 'test.missing'")):
        runner.submit("tenant-a", "test.missing", {})
    with pytest.raises(ValueError, match="not JSON-serialisable"):
        runner.submit("tenant-a", "test.add", {"a": object()})
    assert runner.list("tenant-a").total == 0


def test_finished_job_is_not_run_again(runner: ThreadJobRunner) -> None:
    job = runner.submit("tenant-a", "test.add", {"a": 1, "b": 1})
    runner.wait(job.job_id, 10)
    first = runner.get("tenant-a", job.job_id)

    runner.execute(job.job_id)

    again = runner.get("tenant-a", job.job_id)
    assert first is not None and again is not None
    assert again.finished_at == first.finished_at


def test_interrupted_jobs_fail_at_start(engine: Engine, runner: ThreadJobRunner) -> None:
    released.clear()
    running = runner.submit("tenant-a", "test.blocked", {})
    queued = runner.submit("tenant-a", "test.add", {"a": 1, "b": 2})
    deadline = time.monotonic() + 10
    while (job := runner.get("tenant-a", running.job_id)) and job.status != JobStatus.RUNNING:
        assert time.monotonic() < deadline, "the blocked job did not start"
        time.sleep(0.01)

    successor = ThreadJobRunner(engine)
    assert successor.fail_interrupted() == 2
    successor.close()

    for job_id in (running.job_id, queued.job_id):
        job = runner.get("tenant-a", job_id)
        assert job is not None
        assert job.status == JobStatus.FAILED
        assert job.error is not None and job.error.startswith("interrupted")


def test_legacy_function_runs_in_process(runner: ThreadJobRunner) -> None:
    job = runner.submit("tenant-a", "themes", lambda context: {"tenant": context.tenant_id})
    runner.wait(job.job_id, 10)

    done = runner.get("tenant-a", job.job_id)
    assert done is not None
    assert json.loads(done.result or "") == {"tenant": "tenant-a"}

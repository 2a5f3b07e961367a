"""The Celery runner when Redis cannot be reached: the job fails at once and says why."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy.engine import Engine

from infra.processes import free_port
from shared.db import create_tables, make_engine
from shared.jobs import JobStatus
from shared.jobs.celery_runner import CeleryJobRunner
from shared.jobs.runner import JobQueueUnavailable


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    create_tables(engine)
    yield engine
    engine.dispose()


def test_unreachable_redis_fails_the_job(engine: Engine) -> None:
    runner = CeleryJobRunner(engine, SimpleNamespace(), f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()

    with pytest.raises(JobQueueUnavailable, match="Redis is unreachable"):
        runner.submit("tenant-a", "assets.rebuild_thumbnails", {})

    elapsed = time.monotonic() - started
    page = runner.list("tenant-a")
    runner.close()
    assert elapsed < 15
    assert page.total == 1
    [job] = page.jobs
    assert job.status == JobStatus.FAILED
    assert job.error is not None and "Redis is unreachable" in job.error

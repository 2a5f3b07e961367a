"""Heavy work (themes on a large tenant) runs as a job with progress, not in a request.

A JobRunner records each job in the jobs table and runs it somewhere: ThreadJobRunner in a
worker thread of this process (the embedded mode). A runner on a task queue keeps the same
interface, since a job's function reports only through its JobContext.
"""

from __future__ import annotations

import abc
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.analytics.models import Job, JobStatus, utcnow

logger = logging.getLogger(__name__)


class JobContext:
    """The view a running job has of itself: its ids and a way to report progress."""

    def __init__(self, engine: Engine, job_id: str, tenant_id: str, min_interval_s: float = 0.5):
        self.engine = engine
        self.job_id = job_id
        self.tenant_id = tenant_id
        self._min_interval_s = min_interval_s
        self._last_write = 0.0

    def progress(self, share: float, message: str = "", force: bool = False) -> None:
        """Record the share done (0 to 1); writes at most every ``min_interval_s`` seconds."""
        now = time.monotonic()
        if not force and now - self._last_write < self._min_interval_s:
            return
        self._last_write = now
        with Session(self.engine) as session:
            job = session.get(Job, self.job_id)
            if job is not None:
                job.progress = round(min(max(share, 0.0), 1.0), 4)
                job.message = message
                session.add(job)
                session.commit()


JobFunction = Callable[[JobContext], dict]
"""A job's work; returns a JSON-serialisable summary stored as the job's result."""


class JobRunner(abc.ABC):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def submit(self, tenant_id: str, kind: str, function: JobFunction) -> Job:
        job = Job(job_id=uuid.uuid4().hex, tenant_id=tenant_id, kind=kind)
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(job)
            session.commit()
        logger.info("queued job %s (%s) for tenant %s", job.job_id, kind, tenant_id)
        self._start(job, function)
        return job

    def get(self, tenant_id: str, job_id: str) -> Job | None:
        """Return the job, or None when there is none with this id for this tenant."""
        with Session(self.engine) as session:
            job = session.get(Job, job_id)
            return job if job is not None and job.tenant_id == tenant_id else None

    def fail_interrupted(self) -> int:
        """Mark jobs left queued or running by an earlier process as failed; returns how many.

        Call at start-up only: an in-process runner loses its jobs when the process stops.
        """
        with Session(self.engine) as session:
            jobs = session.exec(
                select(Job).where(col(Job.status).in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            ).all()
            for job in jobs:
                job.status = JobStatus.FAILED
                job.error = "interrupted: the service stopped before the job finished; run it again"
                job.finished_at = utcnow()
                session.add(job)
            session.commit()
        if jobs:
            logger.warning("marked %d interrupted jobs as failed", len(jobs))
        return len(jobs)

    @abc.abstractmethod
    def _start(self, job: Job, function: JobFunction) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def run(self, job: Job, function: JobFunction) -> None:
        """Run one job to its end and record the outcome.

        An exception from the job becomes the job's error and is not raised again."""
        self._set(job.job_id, status=JobStatus.RUNNING, started_at=utcnow())
        started = time.perf_counter()
        try:
            result = function(JobContext(self.engine, job.job_id, job.tenant_id))
        except Exception as error:
            logger.exception(
                "job %s (%s) for tenant %s failed", job.job_id, job.kind, job.tenant_id
            )
            self._set(
                job.job_id, status=JobStatus.FAILED, error=f"{type(error).__name__}: {error}",
                finished_at=utcnow(),
            )
            return
        self._set(
            job.job_id, status=JobStatus.SUCCEEDED, progress=1.0, message="done",
            result=json.dumps(result, ensure_ascii=False, default=str), finished_at=utcnow(),
        )
        logger.info(
            "job %s (%s) for tenant %s succeeded in %.2f s",
            job.job_id, job.kind, job.tenant_id, time.perf_counter() - started,
        )

    def _set(self, job_id: str, **fields: object) -> None:
        with Session(self.engine) as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            for name, value in fields.items():
                setattr(job, name, value)
            session.add(job)
            session.commit()


class ThreadJobRunner(JobRunner):
    """Runs jobs one at a time in a background thread of this process."""

    def __init__(self, engine: Engine, workers: int = 1) -> None:
        super().__init__(engine)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def _start(self, job: Job, function: JobFunction) -> None:
        future = self._executor.submit(self.run, job, function)
        with self._lock:
            self._futures[job.job_id] = future
        future.add_done_callback(lambda _: self._forget(job.job_id))

    def wait(self, job_id: str, timeout_s: float | None = None) -> None:
        """Block until the job has finished; for tests and command-line use."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout_s)

    def _forget(self, job_id: str) -> None:
        with self._lock:
            self._futures.pop(job_id, None)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

"""Job runners: record each job in the jobs table and run its registered function somewhere.

``ThreadJobRunner`` runs jobs in worker threads of this process (the embedded mode);
``shared.jobs.celery_runner.CeleryJobRunner`` sends them to a Celery worker process over Redis
(the cluster mode). Both read and list jobs from the table, and both run a job through
``execute``, so a job behaves the same wherever it runs.
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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from shared.jobs.context import JobContext
from shared.jobs.models import FINISHED, Job, JobStatus, utcnow
from shared.jobs.registry import get_kind

logger = logging.getLogger(__name__)

LegacyJobFunction = Callable[[JobContext], dict]
"""The earlier form of a job, a function of the context alone; runs only in this process."""


class JobQueueUnavailable(RuntimeError):
    """Raised by submit when the job cannot be sent to its queue; the job is recorded as failed."""


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    total: int


class JobRunner(abc.ABC):
    def __init__(self, engine: Engine, services: Any = None) -> None:
        self.engine = engine
        self.services = services

    def submit(
        self, tenant_id: str, kind: str, params: dict[str, Any] | LegacyJobFunction | None = None
    ) -> Job:
        """Record a job of a registered kind and start it; returns the queued job.

        Raises UnknownJobKind for a kind that no module registered and ValueError for parameters
        that are not a JSON object. A function in place of ``params`` is the earlier interface: it
        runs in this process whatever the runner.
        """
        legacy = params if callable(params) else None
        if legacy is None:
            get_kind(kind)
        encoded = "{}" if legacy is not None else _encode_params(params or {})
        job = Job(job_id=uuid.uuid4().hex, tenant_id=tenant_id, kind=kind, params=encoded)
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(job)
            session.commit()
        logger.info("queued job %s (%s) for tenant %s", job.job_id, kind, tenant_id)
        if legacy is not None:
            self._start_in_process(job.job_id, legacy)
        else:
            self._start(job)
        return job

    def get(self, tenant_id: str, job_id: str) -> Job | None:
        """Return the job, or None when there is none with this id for this tenant."""
        with Session(self.engine) as session:
            job = session.get(Job, job_id)
            return job if job is not None and job.tenant_id == tenant_id else None

    def list(
        self,
        tenant_id: str,
        *,
        status: JobStatus | None = None,
        kind: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> JobPage:
        """Return one page of the tenant's jobs, newest first, and how many match in all."""
        query = select(Job).where(Job.tenant_id == tenant_id)
        if status is not None:
            query = query.where(Job.status == status)
        if kind is not None:
            query = query.where(Job.kind == kind)
        with Session(self.engine) as session:
            total = session.exec(select(func.count()).select_from(query.subquery())).one()
            jobs = session.exec(
                query.order_by(col(Job.created_at).desc(), col(Job.job_id).desc())
                .offset(offset)
                .limit(limit)
            ).all()
        return JobPage(list(jobs), int(total))

    def fail_interrupted(self) -> int:
        """Mark jobs that an earlier process left queued or running as failed; returns how many.

        Call at start-up only, and only for a runner whose jobs die with its process.
        """
        with Session(self.engine) as session:
            jobs = session.exec(
                select(Job).where(col(Job.status).in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            ).all()
            for job in jobs:
                _mark_interrupted(job)
                session.add(job)
            session.commit()
        if jobs:
            logger.warning("marked %d interrupted jobs as failed", len(jobs))
        return len(jobs)

    def execute(self, job_id: str) -> None:
        """Run the job's registered function to its end and record the outcome.

        A job already finished is left as it is, because a task queue may deliver a job twice.
        An exception from the job becomes the job's error and is not raised again.
        """
        with Session(self.engine) as session:
            job = session.get(Job, job_id)
        if job is None:
            logger.error("job %s not found; it was not run", job_id)
            return
        if job.status in FINISHED:
            logger.info("job %s (%s) already %s; not run again", job_id, job.kind, job.status)
            return
        try:
            kind = get_kind(job.kind)
            params = json.loads(job.params)
        except (LookupError, ValueError) as error:
            self._record_failure(job, error)
            return
        self._run(job, lambda context: kind.function(context, params))

    def _run(self, job: Job, function: LegacyJobFunction) -> None:
        self._set(job.job_id, status=JobStatus.RUNNING, started_at=utcnow())
        logger.info("running job %s (%s) for tenant %s", job.job_id, job.kind, job.tenant_id)
        started = time.perf_counter()
        context = JobContext(self.engine, job.job_id, job.tenant_id, self.services)
        try:
            result = function(context)
        except Exception as error:
            logger.exception(
                "job %s (%s) for tenant %s failed", job.job_id, job.kind, job.tenant_id
            )
            self._record_failure(job, error)
            return
        self._set(
            job.job_id, status=JobStatus.SUCCEEDED, progress=1.0, message="done",
            result=json.dumps(result, ensure_ascii=False, default=str), finished_at=utcnow(),
        )
        logger.info(
            "job %s (%s) for tenant %s succeeded in %.2f s",
            job.job_id, job.kind, job.tenant_id, time.perf_counter() - started,
        )

    def _record_failure(self, job: Job, error: Exception) -> None:
        self._set(
            job.job_id, status=JobStatus.FAILED, error=f"{type(error).__name__}: {error}",
            finished_at=utcnow(),
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

    @abc.abstractmethod
    def _start(self, job: Job) -> None: ...

    @abc.abstractmethod
    def _start_in_process(self, job_id: str, function: LegacyJobFunction) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...


class ThreadJobRunner(JobRunner):
    """Runs jobs in background threads of this process, one at a time by default."""

    def __init__(self, engine: Engine, services: Any = None, workers: int = 1) -> None:
        super().__init__(engine, services)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def _start(self, job: Job) -> None:
        self._track(job.job_id, self._executor.submit(self.execute, job.job_id))

    def _start_in_process(self, job_id: str, function: LegacyJobFunction) -> None:
        def run() -> None:
            with Session(self.engine) as session:
                job = session.get(Job, job_id)
            if job is not None:
                self._run(job, function)

        self._track(job_id, self._executor.submit(run))

    def wait(self, job_id: str, timeout_s: float | None = None) -> None:
        """Block until the job has finished; for tests and command-line use."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout_s)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _track(self, job_id: str, future: Future[None]) -> None:
        with self._lock:
            self._futures[job_id] = future
        future.add_done_callback(lambda _: self._forget(job_id))

    def _forget(self, job_id: str) -> None:
        with self._lock:
            self._futures.pop(job_id, None)


def _encode_params(params: dict[str, Any]) -> str:
    if not isinstance(params, dict):
        raise ValueError(f"job parameters must be a JSON object, not {type(params).__name__}")
    try:
        return json.dumps(params, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"job parameters are not JSON-serialisable: {error}") from error


def _mark_interrupted(job: Job) -> None:
    job.status = JobStatus.FAILED
    job.error = "interrupted: the service stopped before the job finished; run it again"
    job.finished_at = utcnow()

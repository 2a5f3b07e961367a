"""Jobs on Celery with Redis as broker: the cluster mode's runner and its worker.

The api process records a job in the jobs table and sends its id to the ``jobs`` queue; the
worker process (``python -m datafantasi.serve worker``) takes the id, runs the job's registered
function with the worker's own services and writes progress and outcome to the same table. So
the job's status is read from the database in every mode, and Redis carries only job ids.

Delivery: tasks are acknowledged after they finish (``acks_late``), so a job whose worker dies
is delivered again once Redis's visibility timeout has passed, and ``JobRunner.execute`` skips a
job that already finished. Kinds registered ``in_process`` run in the submitting process's
threads instead, because they need something only that process holds.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from kombu.exceptions import OperationalError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from shared.jobs.models import Job, JobStatus
from shared.jobs.registry import UnknownJobKind, get_kind
from shared.jobs.runner import (
    JobQueueUnavailable,
    JobRunner,
    LegacyJobFunction,
    ThreadJobRunner,
    _mark_interrupted,
)

logger = logging.getLogger(__name__)

QUEUE = "jobs"
RUN_JOB_TASK = "datafantasi.jobs.run"
# Seconds before Redis hands an unacknowledged job to another worker. Longer than any job is
# expected to run, because a job still running when it passes is started a second time.
VISIBILITY_TIMEOUT_S = 6 * 3600
# Retries of sending a job id while Redis is unreachable, about 3 s in all.
SEND_RETRY_POLICY = {"max_retries": 3, "interval_start": 0.5, "interval_step": 0.5,
                     "interval_max": 1.0}


def make_celery_app(redis_url: str) -> Celery:
    app = Celery("datafantasi", broker=redis_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
    )
    return app


class CeleryJobRunner(JobRunner):
    """Sends jobs to the Celery worker; runs ``in_process`` kinds in this process's threads."""

    def __init__(self, engine: Engine, services: Any, redis_url: str) -> None:
        super().__init__(engine, services)
        self.app = make_celery_app(redis_url)
        self._local = ThreadJobRunner(engine, services)

    def _start(self, job: Job) -> None:
        if get_kind(job.kind).in_process:
            self._local._start(job)
            return
        try:
            self.app.send_task(
                RUN_JOB_TASK, args=[job.job_id], queue=QUEUE, retry=True,
                retry_policy=SEND_RETRY_POLICY,
            )
        except OperationalError as error:
            # A job left queued would never run. A failed one shows the reason and can be run again.
            logger.error(
                "job %s (%s) for tenant %s could not be queued: %s",
                job.job_id, job.kind, job.tenant_id, error,
            )
            self._record_failure(job, JobQueueUnavailable(f"Redis is unreachable ({error})"))
            raise JobQueueUnavailable(
                f"job {job.job_id} could not be queued because Redis is unreachable: {error}"
            ) from error
        logger.info("sent job %s (%s) to the %s queue", job.job_id, job.kind, QUEUE)

    def _start_in_process(self, job_id: str, function: LegacyJobFunction) -> None:
        self._local._start_in_process(job_id, function)

    def fail_interrupted(self) -> int:
        """Mark this process's own jobs (in-process kinds) left unfinished as failed.

        Jobs for the worker stay queued: Redis keeps them until a worker takes them.
        """
        with Session(self.engine) as session:
            unfinished = session.exec(
                select(Job).where(col(Job.status).in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            ).all()
            local = [job for job in unfinished if _runs_in_process(job.kind)]
            for job in local:
                _mark_interrupted(job)
                session.add(job)
            session.commit()
        if local:
            logger.warning("marked %d interrupted in-process jobs as failed", len(local))
        return len(local)

    def wait(self, job_id: str, timeout_s: float | None = None) -> None:
        self._local.wait(job_id, timeout_s)

    def close(self) -> None:
        self._local.close()
        self.app.close()


def _runs_in_process(kind: str) -> bool:
    try:
        return get_kind(kind).in_process
    except UnknownJobKind:
        # A job submitted with a function in place of a kind's parameters ran in process.
        return True


def serve_jobs(app: Celery, runner: JobRunner) -> None:
    """Register the task that runs a job by id with ``runner``, in the worker process."""

    @app.task(name=RUN_JOB_TASK)
    def run_job(job_id: str) -> None:
        runner.execute(job_id)


def run_worker(app: Celery, *, concurrency: int = 1, hostname: str = "worker@%h") -> None:
    """Run a Celery worker on the ``jobs`` queue in this thread until it is stopped (SIGTERM).

    The worker uses a thread pool, so jobs share this process's services (one engine, one bus).
    """
    worker = app.Worker(
        queues=[QUEUE],
        pool="threads",
        concurrency=concurrency,
        hostname=hostname,
        loglevel="INFO",
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
    )
    worker.start()

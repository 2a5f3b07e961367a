"""The cluster mode's worker process: a Celery worker that runs jobs.

It takes job ids from the Redis queue that the api process fills and runs each job's registered
function (``shared/jobs/registry.py``) with this process's services: the database, the bus, the
object store and the ingest, analytics and audience services. A thread serves /health (ready
when the database, Redis, the broker and the store are reachable) and /metrics on
``jobs.worker_port``. The Celery worker runs in the main thread, so it receives SIGTERM, and
then it finishes the running job and stops.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from services.analytics.service import AnalyticsService
from services.api.app import add_health, add_metrics
from services.audience.service import AudienceService
from services.audience.text_encoder import E5TextEncoder
from services.ingest.service import IngestService
from shared.bus.factory import open_bus
from shared.db import create_tables, make_engine
from shared.jobs.celery_runner import CeleryJobRunner, run_worker, serve_jobs
from shared.jobs.registry import kind_names
from shared.readiness import bus_check, database_check, redis_check, store_check
from shared.settings import Settings
from shared.storage import FilesystemStore

log = logging.getLogger(__name__)


class WorkerProcess:
    """Runs jobs from the Redis queue; its attributes are the jobs' ``ctx.services``."""

    name = "worker"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(settings.database_url)
        create_tables(self.engine)
        self.bus = open_bus(settings)
        self.objects = FilesystemStore(settings.storage_root)
        self.ingest = IngestService(settings, self.engine, self.bus, self.objects)
        # Jobs that a job submits go to the queue as well.
        self.jobs = CeleryJobRunner(self.engine, self, settings.redis.url)
        self.analytics = AnalyticsService(settings.analytics, self.engine, jobs=self.jobs)
        self.audience = AudienceService(self.engine, E5TextEncoder())
        serve_jobs(self.jobs.app, self.jobs)

    @property
    def port(self) -> int:
        return self.settings.jobs.worker_port

    @property
    def search(self) -> object:
        raise RuntimeError(
            "the worker process has no vector store: with search.backend=edge only the api "
            "process opens it. Register a job kind that searches with in_process=True, so it "
            "runs in the api process"
        )

    def create_app(self) -> FastAPI:
        app = FastAPI(title="Datafantasi worker", version="1")
        add_health(
            app,
            {
                "database": database_check(self.engine),
                "redis": redis_check(self.settings.redis.url),
                "bus": bus_check(self.bus),
                "objects": store_check(self.objects),
            },
        )
        add_metrics(app)
        return app

    def serve(self) -> None:
        """Serve health in a thread and run the Celery worker here until SIGTERM or SIGINT."""
        config = uvicorn.Config(
            self.create_app(), host=self.settings.api.host, port=self.port, log_level="warning"
        )
        health = uvicorn.Server(config)
        threading.Thread(target=health.run, name="worker-health", daemon=True).start()
        log.info(
            "worker process started: %d job threads, job kinds %s",
            self.settings.jobs.threads, ", ".join(kind_names()),
        )
        try:
            run_worker(self.jobs.app, concurrency=self.settings.jobs.threads)
        finally:
            health.should_exit = True
            self.jobs.close()
            self.bus.stop()
            self.engine.dispose()
            log.info("worker process stopped")

"""Pick the job runner that ``settings.jobs.backend`` names."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from shared.jobs.runner import JobRunner, ThreadJobRunner
from shared.settings import Settings


def open_job_runner(settings: Settings, engine: Engine, services: Any) -> JobRunner:
    if settings.jobs.backend == "celery":
        # Imported here so that the embedded mode never imports Celery.
        from shared.jobs.celery_runner import CeleryJobRunner

        return CeleryJobRunner(engine, services, settings.redis.url)
    return ThreadJobRunner(engine, services, workers=settings.jobs.threads)

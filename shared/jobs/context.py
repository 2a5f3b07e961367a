"""What a running job sees of itself: its ids, the process's services and a progress reporter."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from shared.jobs.models import Job


class JobContext:
    """Handed to a job's function.

    ``services`` is the composition root of the process that runs the job (the embedded stack,
    the api process or the worker process), with attributes such as ``engine``, ``settings``,
    ``ingest``, ``analytics``, ``audience`` and ``search``.
    """

    def __init__(
        self,
        engine: Engine,
        job_id: str,
        tenant_id: str,
        services: Any = None,
        min_interval_s: float = 0.5,
    ) -> None:
        self.engine = engine
        self.job_id = job_id
        self.tenant_id = tenant_id
        self.services = services
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

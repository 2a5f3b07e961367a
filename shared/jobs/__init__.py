"""Jobs: work that is not one message, run with progress outside the request that starts it.

A job kind is a function ``fn(ctx, params) -> dict`` registered with ``@job_kind("name")``
(``shared/jobs/registry.py``); ``runner.submit(tenant_id, kind, params)`` records a Job and runs
it on a ``ThreadJobRunner`` (embedded mode) or a ``CeleryJobRunner`` (cluster mode).
"""

from shared.jobs.context import JobContext
from shared.jobs.models import Job, JobStatus
from shared.jobs.registry import JobFunction, UnknownJobKind, job_kind
from shared.jobs.runner import JobPage, JobRunner, ThreadJobRunner

__all__ = [
    "Job",
    "JobContext",
    "JobFunction",
    "JobPage",
    "JobRunner",
    "JobStatus",
    "ThreadJobRunner",
    "UnknownJobKind",
    "job_kind",
]

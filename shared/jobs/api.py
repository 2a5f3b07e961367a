"""HTTP API of jobs: a tenant's jobs, newest first, and one job by id.

Handlers read the runner from ``request.app.state.jobs``. Another tenant's job answers 404.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from shared.jobs.models import Job, JobStatus
from shared.jobs.runner import JobQueueUnavailable, JobRunner
from shared.pagination import next_offset_link
from shared.tenancy import TenantId

router = APIRouter(tags=["jobs"])


class JobOut(BaseModel):
    job_id: str
    kind: str
    status: str
    progress: float
    message: str
    error: str | None
    result: dict[str, object] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobListOut(BaseModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int
    next: str | None = Field(default=None, description="Link to the next page; null on the last.")


def job_out(job: Job) -> JobOut:
    return JobOut(
        job_id=job.job_id,
        kind=job.kind,
        status=job.status.value,
        progress=job.progress,
        message=job.message,
        error=job.error,
        result=json.loads(job.result) if job.result else None,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _runner(request: Request) -> JobRunner:
    return request.app.state.jobs


def start_job(request: Request, tenant_id: str, kind: str, params: dict[str, Any]) -> JobOut:
    """Submit a job from a request handler; 503 when the job queue cannot be reached."""
    try:
        return job_out(_runner(request).submit(tenant_id, kind, params))
    except JobQueueUnavailable as error:
        raise HTTPException(503, f"{error}; try again later") from None


@router.get("/v1/jobs")
def list_jobs(
    request: Request,
    tenant_id: TenantId,
    status: Annotated[JobStatus | None, Query(description="Only jobs with this status")] = None,
    kind: Annotated[str | None, Query(description="Only jobs of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    # Bounded so that the database's OFFSET gets an integer it can hold.
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> JobListOut:
    page = _runner(request).list(tenant_id, status=status, kind=kind, limit=limit, offset=offset)
    return JobListOut(
        items=[job_out(job) for job in page.jobs], total=page.total, limit=limit, offset=offset,
        next=next_offset_link(request, offset, limit, page.total),
    )


@router.get("/v1/jobs/{job_id}")
def get_job(job_id: str, request: Request, tenant_id: TenantId) -> JobOut:
    job = _runner(request).get(tenant_id, job_id)
    if job is None:
        raise HTTPException(404, "Job not found")
    return job_out(job)

"""HTTP API of jobs: a tenant's jobs, newest first, and one job by id.

Handlers read the runner from ``request.app.state.jobs``. Another tenant's job answers 404.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shared.jobs.models import Job, JobStatus
from shared.jobs.runner import JobQueueUnavailable, JobRunner
from shared.openapi_examples import JOB_ID, response_examples
from shared.pagination import next_offset_link
from shared.tenancy import TenantId

router = APIRouter(tags=["jobs"])


_FINISHED_JOB = {
    "job_id": JOB_ID, "kind": "search.visual_groups", "status": "succeeded", "progress": 1.0,
    "message": "done", "error": None,
    "result": {"run_id": JOB_ID, "photos": 1840, "groups": 37, "ungrouped": 212, "kept_names": 4,
               "seconds": 6.4},
    "created_at": "2026-03-02T10:02:14.175835Z", "started_at": "2026-03-02T10:02:14.184326Z",
    "finished_at": "2026-03-02T10:02:20.582048Z",
}


def queued_job_example(kind: str) -> dict[int | str, dict[str, Any]]:
    """Return the ``responses`` entry of a route that starts a job of ``kind`` (202)."""
    queued = {
        "job_id": JOB_ID, "kind": kind, "status": "queued", "progress": 0.0, "message": "",
        "error": None, "result": None, "created_at": "2026-03-02T10:02:14.175835Z",
        "started_at": None, "finished_at": None,
    }
    return response_examples({"application/json": queued}, status_code=202)


class JobOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_FINISHED_JOB]})

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [_FINISHED_JOB], "total": 1, "limit": 20, "offset": 0,
                          "next": None}]
        }
    )

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
    status: Annotated[
        JobStatus | None, Query(description="Only jobs with this status", examples=["failed"])
    ] = None,
    kind: Annotated[
        str | None,
        Query(description="Only jobs of this kind", examples=["search.visual_groups"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, examples=[20])] = 20,
    # Bounded so that the database's OFFSET gets an integer it can hold.
    offset: Annotated[int, Query(ge=0, le=1_000_000, examples=[20])] = 0,
) -> JobListOut:
    page = _runner(request).list(tenant_id, status=status, kind=kind, limit=limit, offset=offset)
    return JobListOut(
        items=[job_out(job) for job in page.jobs], total=page.total, limit=limit, offset=offset,
        next=next_offset_link(request, offset, limit, page.total),
    )


@router.get("/v1/jobs/{job_id}")
def get_job(
    job_id: Annotated[str, Path(description="The job's id.", examples=[JOB_ID])],
    request: Request,
    tenant_id: TenantId,
) -> JobOut:
    job = _runner(request).get(tenant_id, job_id)
    if job is None:
        raise HTTPException(404, "Job not found")
    return job_out(job)

"""The jobs table: one row per submitted job, the record that GET /v1/jobs reads."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Job(SQLModel, table=True):
    __tablename__ = "jobs"

    job_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str = Field(index=True, max_length=64)
    kind: str = Field(index=True)
    status: JobStatus = Field(default=JobStatus.QUEUED)
    params: str = Field(default="{}", description="JSON object the job's function receives.")
    progress: float = Field(default=0.0, description="Share done, 0 to 1.")
    message: str = ""
    error: str | None = None
    result: str | None = Field(default=None, description="JSON summary of the outcome.")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None

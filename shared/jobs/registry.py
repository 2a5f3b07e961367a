"""The registry of job kinds: each kind is a function ``fn(ctx, params) -> dict``.

A module registers its kinds when it is imported, with ``@job_kind("service.name")``. Every
process that runs jobs imports the modules in ``JOB_MODULES`` (``load_job_kinds``), so a job
submitted in the api process finds its function in the worker process too. A new module of
kinds is added to ``JOB_MODULES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.jobs.context import JobContext

JobFunction = Callable[["JobContext", dict[str, Any]], dict[str, Any]]
"""A job's work: takes its context and parameters, returns a JSON-serialisable result."""

JOB_MODULES = (
    "services.analytics.job_kinds",
    "services.audience.job_kinds",
    "services.ingest.job_kinds",
    "services.search.job_kinds",
)


class UnknownJobKind(LookupError):
    """Raised for a kind that no module in JOB_MODULES has registered."""


@dataclass(frozen=True)
class JobKind:
    name: str
    function: JobFunction
    in_process: bool = False
    """Run in the process that submits the job, never on the worker: for a kind that needs
    something only that process holds, such as the edge vector store of the api process."""


_KINDS: dict[str, JobKind] = {}


def register(name: str, function: JobFunction, *, in_process: bool = False) -> JobKind:
    existing = _KINDS.get(name)
    if existing is not None and existing.function is not function:
        raise ValueError(f"job kind {name!r} is already registered by {existing.function!r}")
    kind = JobKind(name, function, in_process)
    _KINDS[name] = kind
    return kind


def job_kind(name: str, *, in_process: bool = False) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the job kind ``name``."""

    def decorate(function: JobFunction) -> JobFunction:
        register(name, function, in_process=in_process)
        return function

    return decorate


def load_job_kinds() -> None:
    for module in JOB_MODULES:
        importlib.import_module(module)


def get_kind(name: str) -> JobKind:
    load_job_kinds()
    kind = _KINDS.get(name)
    if kind is None:
        known = ", ".join(sorted(_KINDS)) or "none"
        raise UnknownJobKind(f"unknown job kind {name!r}; the registered kinds are: {known}")
    return kind


def kind_names() -> list[str]:
    load_job_kinds()
    return sorted(_KINDS)

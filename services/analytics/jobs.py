"""The job machinery's earlier home; it lives in shared.jobs now.

These names stay importable from here while callers move to ``shared.jobs``.
"""

from shared.jobs.context import JobContext
from shared.jobs.runner import JobRunner, LegacyJobFunction, ThreadJobRunner

JobFunction = LegacyJobFunction

__all__ = ["JobContext", "JobFunction", "JobRunner", "ThreadJobRunner"]

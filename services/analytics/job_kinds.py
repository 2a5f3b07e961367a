"""The analytics service's job kinds."""

from __future__ import annotations

from typing import Any

from shared.jobs import JobContext, job_kind

THEMES = "analytics.themes"


@job_kind(THEMES)
def find_themes(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Find and store the themes of the tenant's events."""
    if params:
        raise ValueError(f"a themes run takes no parameters, got {sorted(params)}")
    return context.services.analytics.themes.run(context)

"""Fill a tenant with the analytics and audience demo data through the API, for the web app.

The demo and the browser tests call these with an HTTP client that carries the tenant's key,
so the data takes the same path as a user's imports. The data is the generated Danish business
network (members, events, sign-ups) with its themes and a generated Instagram audience with its
communities.
"""

from __future__ import annotations

import time

import httpx

from services.analytics.demo_data import DemoFiles, build_demo_files
from services.audience.synthetic import SyntheticAudience, generate_audience

AUDIENCE_MEMBERS = 600
"""Generated audience accounts: enough for the planted communities, few enough to seed in ~15 s."""


def seed_analytics(client: httpx.Client, seed: int = 7) -> DemoFiles:
    """Import the demo network's three files and find its themes; return the files."""
    files = build_demo_files(seed=seed)
    imports = (
        ("members", "medlemmer.csv", files.members_csv),
        ("events", "arrangementer.xlsx", files.events_xlsx),
        ("participations", "tilmeldinger.csv", files.sign_ups_csv),
    )
    for kind, name, data in imports:
        response = client.post(f"/v1/analytics/imports/{kind}", files={"file": (name, data)})
        response.raise_for_status()
    run = client.post("/v1/analytics/themes/runs")
    run.raise_for_status()
    wait_for_job(client, run.json()["job_id"])
    return files


def seed_audience(
    client: httpx.Client, members: int = AUDIENCE_MEMBERS, seed: int = 1
) -> SyntheticAudience:
    """Import a generated audience and find its communities; return what was generated."""
    audience = generate_audience(members, seed=seed)
    # The export names the brand, so the files after it may leave their owner out.
    ordered = sorted(audience.files, key=lambda item: (not item[0].endswith(".zip"), item[0]))
    for name, data in ordered:
        client.post("/v1/audience/imports", files={"file": (name, data)}).raise_for_status()
    run = client.post("/v1/audience/community-runs", json={})
    run.raise_for_status()
    wait_for_job(client, run.json()["job_id"])
    return audience


def wait_for_job(client: httpx.Client, job_id: str, timeout_s: float = 300) -> dict:
    """Poll a job until it succeeds; raise RuntimeError when it fails, TimeoutError when slow."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = client.get(f"/v1/jobs/{job_id}")
        response.raise_for_status()
        job = response.json()
        if job["status"] == "failed":
            raise RuntimeError(f"job {job_id} ({job['kind']}) failed: {job['error']}")
        if job["status"] == "succeeded":
            return job
        time.sleep(0.5)
    raise TimeoutError(f"job {job_id} did not finish within {timeout_s} s")

"""Two tenants on one embedded stack: a victim with data in every store, and an attacker.

The victim gets photos, members, events, sign-ups, an audience import, a community run and a
theme job, so every route that takes an object id has a real id of the victim to try.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from services.analytics.tests.test_api import EVENTS, MEMBERS, SIGN_UPS
from tests.support import ADMIN_TOKEN, photo_bytes

PASSWORD = "korrekt-hest-batteri"
SOFA_FANS = [f"sofa_fan_{i}" for i in range(12)]
GARDEN_FANS = [f"have_fan_{i}" for i in range(12)]


@dataclass
class SeededTenant:
    tenant_id: str
    key: str
    owner_email: str
    owner_id: str
    token: str
    ids: dict[str, str] = field(default_factory=dict)
    # Strings that only this tenant's data contains; seeing one as another tenant is a leak.
    markers: set[str] = field(default_factory=set)

    @property
    def key_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}

    @property
    def token_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def create_tenant(http: TestClient, tenant_id: str) -> SeededTenant:
    email = f"ejer@{tenant_id}.dk"
    created = http.post(
        "/admin/tenants",
        json={"name": tenant_id, "tenant_id": tenant_id, "owner_email": email,
              "owner_name": "Ejer", "owner_password": PASSWORD},
        headers={"X-Admin-Token": ADMIN_TOKEN},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    signed_in = http.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    tenant = SeededTenant(
        tenant_id, body["api_key"], email, body["owner_user_id"], signed_in.json()["access_token"]
    )
    tenant.ids["key_id"] = body["api_key"].split("_")[1]
    tenant.ids["user_id"] = body["owner_user_id"]
    tenant.markers |= {email, body["owner_user_id"], tenant.ids["key_id"]}
    return tenant


def seed_photos(http: TestClient, tenant: SeededTenant, colors: list[tuple[int, int, int]]) -> None:
    files = [
        ("files", (f"foto-{i}.jpg", photo_bytes(color, pattern=i), "image/jpeg"))
        for i, color in enumerate(colors)
    ]
    report = http.post("/v1/uploads", files=files, headers=tenant.key_headers)
    assert report.status_code in (200, 201), report.text
    body = report.json()
    tenant.ids["upload_id"] = body["upload_id"]
    asset_ids = [item["asset_id"] for item in body["items"] if item["asset_id"]]
    tenant.ids["asset_id"] = asset_ids[0]
    tenant.markers |= {body["upload_id"], *asset_ids}


def seed_analytics(http: TestClient, tenant: SeededTenant) -> None:
    for kind, text in (("members", MEMBERS), ("events", EVENTS), ("participations", SIGN_UPS)):
        response = http.post(
            f"/v1/analytics/imports/{kind}", files={"file": ("f.csv", text.encode("cp1252"))},
            headers=tenant.key_headers,
        )
        assert response.status_code == 200, response.text
    found = http.get("/v1/analytics/members", params={"q": "Mette"}, headers=tenant.key_headers)
    assert found.status_code == 200, found.text
    member = found.json()["items"][0]
    tenant.ids["member_id"] = member["member_id"]
    tenant.markers |= {member["member_id"], "Mette Skov", "mette@skov.dk", "Bech Maskiner"}
    job = http.post("/v1/analytics/themes/runs", headers=tenant.key_headers)
    assert job.status_code == 202, job.text
    tenant.ids["job_id"] = job.json()["job_id"]
    tenant.markers.add(job.json()["job_id"])


def seed_audience(http: TestClient, tenant: SeededTenant) -> None:
    imported = http.post(
        "/v1/audience/imports", files={"file": ("audiences.csv", audience_csv())},
        headers=tenant.key_headers,
    )
    assert imported.status_code == 201, imported.text
    tenant.ids["import_id"] = imported.json()["import_id"]
    run = http.post("/v1/audience/community-runs", headers=tenant.key_headers)
    assert run.status_code in (201, 202), run.text
    if "job_id" in run.json():
        finished = wait_for_job(http, tenant, run.json()["job_id"])
        assert finished["status"] == "succeeded", finished
        tenant.ids["audience_job_id"] = run.json()["job_id"]
    communities = http.get("/v1/audience/communities", headers=tenant.key_headers)
    assert communities.status_code == 200, communities.text
    listed = communities.json()["items"]
    assert listed, "the community run found no community"
    tenant.ids["run_id"] = listed[0]["run_id"]
    tenant.ids["community_id"] = str(listed[0]["id"])
    tenant.ids["handle"] = SOFA_FANS[0]
    tenant.markers |= {imported.json()["import_id"], tenant.ids["run_id"], "hyggehanne",
                       *SOFA_FANS}


def wait_for_job(
    http: TestClient, tenant: SeededTenant, job_id: str, timeout_s: float = 180
) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = http.get(f"/v1/jobs/{job_id}", headers=tenant.key_headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} of {tenant.tenant_id} did not finish in {timeout_s} s")


def audience_csv() -> bytes:
    lines = ["influencer,handle,relation,followers_count,text"]
    lines += [f"hyggehanne,{h},follower,5200," for h in SOFA_FANS]
    lines += [f"hyggehanne,{h},comment,,Hyggelig sofa med uldplaid" for h in SOFA_FANS]
    lines += [f"haveliv_henrik,{h},follower,," for h in GARDEN_FANS]
    lines += [f"haveliv_henrik,{h},comment,,Flotte havemøbler til terrassen" for h in GARDEN_FANS]
    return "\n".join(lines).encode()


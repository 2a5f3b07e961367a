"""The audience API with the real e5 encoder, on a small tenant built from uploaded files."""

import io
import json
import time
import zipfile
from types import SimpleNamespace

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient

from services.api.errors import add_error_bodies
from services.audience.api import router
from services.audience.communities import CommunityParameters
from services.audience.service import AudienceService
from services.audience.synthetic import meta_json
from services.audience.text_encoder import E5TextEncoder
from shared.jobs import ThreadJobRunner
from shared.jobs.api import router as jobs_router


def tenant_from_header(request: Request) -> str:
    tenant = request.headers.get("X-Tenant")
    if not tenant:
        raise HTTPException(401, "missing X-Tenant")
    return tenant


@pytest.fixture(scope="module")
def encoder() -> E5TextEncoder:
    return E5TextEncoder()


@pytest.fixture
def client(engine, encoder):
    app = FastAPI()
    add_error_bodies(app)
    app.include_router(router)
    app.include_router(jobs_router)
    app.state.authenticator = tenant_from_header
    app.state.audience = AudienceService(engine, encoder)
    app.state.jobs = ThreadJobRunner(engine, services=SimpleNamespace(audience=app.state.audience))
    with TestClient(app) as client:
        yield client
    app.state.jobs.close()


def run_communities(client: TestClient, tenant: str, **parameters: object) -> dict:
    """Start a community run, wait for its job and return the finished job."""
    headers = {"X-Tenant": tenant}
    started = client.post("/v1/audience/community-runs", headers=headers, json=parameters)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["kind"] == "audience.communities"
    deadline = time.monotonic() + 120
    while job["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, f"community job still {job['status']}"
        time.sleep(0.05)
        job = client.get(f"/v1/jobs/{job['job_id']}", headers=headers).json()
    return job


def relationship(handle: str) -> dict:
    return {
        "string_list_data": [
            {
                "href": f"https://www.instagram.com/{handle}",
                "value": handle,
                "timestamp": 1714557600,
            }
        ]
    }


SOFA_FANS = [f"sofa_fan_{i}" for i in range(12)]
GARDEN_FANS = [f"have_fan_{i}" for i in range(12)]


def export_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "connections/followers_and_following/followers_1.json",
            meta_json([relationship(h) for h in SOFA_FANS + GARDEN_FANS[:4]]),
        )
    return buffer.getvalue()


def audience_csv() -> bytes:
    lines = ["influencer,handle,relation,followers_count,text"]
    lines += [f"hyggehanne,{h},follower,5200," for h in SOFA_FANS]
    lines += [f"hyggehanne,{h},comment,,Hyggelig sofa med uldplaid" for h in SOFA_FANS]
    lines += [f"haveliv_henrik,{h},follower,," for h in GARDEN_FANS]
    lines += [f"haveliv_henrik,{h},comment,,Flotte havemøbler til terrassen" for h in GARDEN_FANS]
    return "\n".join(lines).encode()


def upload(client: TestClient, tenant: str, name: str, data: bytes, **form: str):
    return client.post(
        "/v1/audience/imports",
        headers={"X-Tenant": tenant},
        files={"file": (name, data)},
        data=form,
    )


@pytest.fixture
def tenant(client) -> str:
    assert upload(client, "t1", "e.zip", export_zip(), account="nordlys_mobler").status_code == 201
    assert upload(client, "t1", "audiences.csv", audience_csv()).status_code == 201
    return "t1"


def test_import_reports_what_was_stored(client) -> None:
    response = upload(client, "t1", "e.zip", export_zip(), account="nordlys_mobler")

    assert response.status_code == 201
    body = response.json()
    assert body["source"] == "instagram_export"
    assert body["summary"]["follows_added"] == 16
    again = client.get(f"/v1/audience/imports/{body['import_id']}", headers={"X-Tenant": "t1"})
    assert again.json() == body
    other = client.get(f"/v1/audience/imports/{body['import_id']}", headers={"X-Tenant": "t2"})
    assert other.status_code == 404


def test_unreadable_upload_is_a_clear_422(client) -> None:
    response = upload(client, "t1", "notes.csv", b"name;age\nx;1\n")

    assert response.status_code == 422
    assert "lacks the column(s) influencer, handle" in response.json()["detail"]


def test_communities_and_comparison(client, tenant) -> None:
    headers = {"X-Tenant": tenant}

    job = run_communities(client, tenant, seed=3, min_community_size=3)
    run = client.get(f"/v1/audience/community-runs/{job['result']['run_id']}", headers=headers)
    communities = client.get("/v1/audience/communities", headers=headers).json()["items"]
    comparison = client.get(
        "/v1/audience/comparison",
        params={"influencers": "hyggehanne,haveliv_henrik"},
        headers=headers,
    ).json()

    assert job["status"] == "succeeded"
    assert job["progress"] == 1.0
    assert job["result"]["member_count"] == 24
    assert job["result"]["community_count"] == 2
    assert run.status_code == 200
    assert run.json()["member_count"] == 24
    assert run.json()["parameters"]["seed"] == 3
    assert [c["size"] for c in communities] == [12, 12]
    leaning = {c["typical_accounts"][0]["handle"]: c for c in communities}
    assert set(leaning) == {"hyggehanne", "haveliv_henrik"}
    assert "sofa" in leaning["hyggehanne"]["keywords"]
    assert comparison["unique_reach"] == 24
    assert comparison["brand_audience"] == 16
    henrik = next(i for i in comparison["influencers"] if i["handle"] == "haveliv_henrik")
    garden = leaning["haveliv_henrik"]["number"]
    reach = next(r for r in henrik["communities"] if r["community_number"] == garden)
    assert reach["share"] == 1.0
    assert reach["brand_penetration"] == pytest.approx(4 / 12)
    assert henrik["new_reach"] == 8
    members = client.get(
        f"/v1/audience/communities/{communities[0]['id']}/members",
        headers=headers,
        params={"limit": 5},
    ).json()
    assert members["total"] == 12
    assert len(members["items"]) == 5
    assert 0.0 <= members["items"][0]["confidence"] <= 1.0
    assert members["next"].endswith("?limit=5&offset=5")


def test_communities_are_paginated(client, tenant) -> None:
    headers = {"X-Tenant": tenant}
    run_communities(client, tenant, seed=3, min_community_size=3)

    first = client.get("/v1/audience/communities", params={"limit": 1}, headers=headers)
    last = client.get(first.json()["next"], headers=headers)
    everything = client.get("/v1/audience/communities", headers=headers).json()

    assert first.status_code == 200
    assert len(first.json()["items"]) == 1
    assert first.json()["next"].endswith("/v1/audience/communities?limit=1&cursor=1")
    assert last.status_code == 200
    assert last.json()["next"] is None
    assert first.json()["items"] + last.json()["items"] == everything["items"]
    assert everything["next"] is None
    path = f"/v1/audience/communities/{everything['items'][0]['id']}/members"
    members = client.get(path, params={"limit": 5, "offset": 10}, headers=headers).json()
    assert len(members["items"]) == 2
    assert members["next"] is None


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/audience/communities", {"cursor": "abc"}),
        ("/v1/audience/communities", {"cursor": "-1"}),
        ("/v1/audience/communities", {"limit": 0}),
        ("/v1/audience/communities", {"limit": 201}),
        ("/v1/audience/people", {"q": "sofa", "cursor": "1e3"}),
        ("/v1/audience/people", {"q": "sofa", "limit": "ten"}),
    ],
)
def test_bad_page_parameters_are_422(client, tenant, path, params) -> None:
    response = client.get(path, params=params, headers={"X-Tenant": tenant})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["message"]


def test_another_tenants_community_is_not_found(client, tenant) -> None:
    job = run_communities(client, tenant, min_community_size=3)
    listed = client.get("/v1/audience/communities", headers={"X-Tenant": tenant}).json()
    community_id = listed["items"][0]["id"]

    response = client.get(f"/v1/audience/communities/{community_id}", headers={"X-Tenant": "t2"})

    assert response.status_code == 404
    assert client.get("/v1/audience/communities", headers={"X-Tenant": "t2"}).status_code == 404
    run_id = job["result"]["run_id"]
    other_run = client.get(f"/v1/audience/community-runs/{run_id}", headers={"X-Tenant": "t2"})
    assert other_run.status_code == 404
    assert client.get(f"/v1/jobs/{job['job_id']}", headers={"X-Tenant": "t2"}).status_code == 404


def test_community_run_without_audience_is_409(client) -> None:
    response = client.post("/v1/audience/community-runs", headers={"X-Tenant": "t3"}, json={})

    assert response.status_code == 409
    assert "no audience members yet" in response.json()["detail"]
    assert client.get("/v1/jobs", headers={"X-Tenant": "t3"}).json()["total"] == 0


def test_community_run_rejects_unknown_parameters(client, tenant) -> None:
    response = client.post(
        "/v1/audience/community-runs", headers={"X-Tenant": tenant}, json={"colour": "blue"}
    )

    assert response.status_code == 422


@pytest.mark.parametrize(
    ("influencers", "status", "detail"),
    [
        ("", 422, "give 1 to 20 influencers, not 0"),
        ("hyggehanne,hyggehanne", 422, "hyggehanne is given twice"),
        ("not a handle!", 422, "is not a valid Instagram handle"),
        ("ukendt_profil", 404, "account ukendt_profil not found"),
        ("nordlys_mobler", 422, "is the tenant's own brand account"),
    ],
)
def test_bad_comparison_requests(client, tenant, influencers, status, detail) -> None:
    response = client.get(
        "/v1/audience/comparison",
        params={"influencers": influencers},
        headers={"X-Tenant": tenant},
    )

    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_people_search_is_paginated(client, tenant) -> None:
    headers = {"X-Tenant": tenant}

    params = {"q": "sofa_fan_1", "limit": 2}
    first = client.get("/v1/audience/people", params=params, headers=headers)
    last = client.get(first.json()["next"], headers=headers)

    assert first.json()["items"] == ["sofa_fan_1", "sofa_fan_10"]
    assert first.json()["next"].endswith("/v1/audience/people?q=sofa_fan_1&limit=2&cursor=2")
    assert last.json() == {"items": ["sofa_fan_11"], "next": None}


def test_person_can_be_found_exported_and_erased(client, tenant) -> None:
    headers = {"X-Tenant": tenant}

    found = client.get("/v1/audience/people", params={"q": "sofa_fan_1"}, headers=headers)
    export = client.get("/v1/audience/people/sofa_fan_1/export", headers=headers)
    hidden = client.get("/v1/audience/people/sofa_fan_1", headers={"X-Tenant": "t2"})
    erased = client.delete("/v1/audience/people/sofa_fan_1", headers=headers)
    after = client.get("/v1/audience/people/sofa_fan_1", headers=headers)
    reimport = upload(client, tenant, "e.zip", export_zip(), account="nordlys_mobler").json()

    assert found.json() == {"items": ["sofa_fan_1", "sofa_fan_10", "sofa_fan_11"], "next": None}
    assert export.headers["content-disposition"] == 'attachment; filename="sofa_fan_1.json"'
    data = json.loads(export.content)
    assert {f["account"] for f in data["follows"]} == {"nordlys_mobler", "hyggehanne"}
    assert [e["text"] for e in data["engagements"]] == ["Hyggelig sofa med uldplaid"]
    assert hidden.status_code == 404
    assert erased.json()["follows"] == 2
    assert erased.json()["engagements"] == 1
    assert after.status_code == 404
    assert reimport["summary"]["skipped_erased"] == 1


def test_engagement_of_an_influencer(client, tenant) -> None:
    response = client.get(
        "/v1/audience/accounts/hyggehanne/engagement", headers={"X-Tenant": tenant}
    )

    body = response.json()
    assert body["followers"] == 5200
    assert body["engaged_accounts"] == 12
    assert body["mean_likes"] is None
    assert body["engagement_rate"] is None


def test_community_run_reports_each_step(client, tenant) -> None:
    service = client.app.state.audience
    steps: list[tuple[float, str]] = []

    service.detect_communities(
        tenant, CommunityParameters(min_community_size=3),
        progress=lambda share, step: steps.append((share, step)),
    )

    assert [share for share, _ in steps] == [0.0, 0.1, 0.5, 0.8, 0.9]
    assert steps[2][1] == "finding communities among 24 members"
    assert steps[3][1] == "describing 2 communities"


def test_erased_person_leaves_community_descriptions(client, tenant) -> None:
    headers = {"X-Tenant": tenant}
    run_communities(client, tenant, min_community_size=3)
    listed = client.get("/v1/audience/communities", headers=headers).json()["items"]
    typical = [handle for community in listed for handle in community["typical_members"]]
    assert typical, "the run names no typical member to erase"

    erased = client.delete(f"/v1/audience/people/{typical[0]}", headers=headers)
    assert erased.status_code == 200, erased.text

    listed = client.get("/v1/audience/communities", headers=headers).json()["items"]
    remaining = [handle for community in listed for handle in community["typical_members"]]
    assert typical[0] not in remaining
    assert len(remaining) == len(typical) - 1

"""Jobs on the embedded stack: the assets maintenance jobs and the jobs API."""

from __future__ import annotations

import time

from services.ingest.service import THUMBNAILS
from shared.storage import object_key
from tests.support import StackClient, photo_bytes, skimage_photos


def _wait_for_job(client: StackClient, headers: dict[str, str], job_id: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.http.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in 60 s")


def _similar_ids(client: StackClient, headers: dict[str, str], asset_id: str) -> set[str]:
    response = client.http.get(
        f"/v1/assets/{asset_id}/similar", params={"limit": 50}, headers=headers
    )
    assert response.status_code == 200, response.text
    return {hit["asset_id"] for hit in response.json()["hits"]}


def test_reindex_restores_dropped_vectors(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("steel")
    report = stack_client.upload(headers, skimage_photos(6))
    stack_client.settle()
    ids = [item["asset_id"] for item in report["items"]]
    stack_client.stack.search.delete_assets("steel", ids[:3])
    assert _similar_ids(stack_client, headers, ids[3]) == set(ids[3:])

    started = stack_client.http.post("/v1/assets/reindex", headers=headers)
    assert started.status_code == 202, started.text
    assert started.json()["kind"] == "assets.reindex"
    job = _wait_for_job(stack_client, headers, started.json()["job_id"])
    stack_client.settle()

    assert job["status"] == "succeeded", job
    assert job["result"] == {"assets": 6, "sent": 6}
    assert job["progress"] == 1.0
    assert _similar_ids(stack_client, headers, ids[3]) == set(ids)
    assets = stack_client.http.get("/v1/assets", headers=headers).json()["items"]
    assert {asset["status"] for asset in assets} == {"indexed"}


def test_thumbnail_rebuild_restores_and_reports(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("steel")
    report = stack_client.upload(
        headers, [(f"p{i}.jpg", photo_bytes((40 * i, 90, 200 - 30 * i))) for i in range(4)]
    )
    stack_client.settle()
    ids = [item["asset_id"] for item in report["items"]]
    objects = stack_client.stack.objects
    before = objects.get(object_key("steel", THUMBNAILS, ids[0]))
    objects.delete(object_key("steel", THUMBNAILS, ids[0]))
    objects.delete(object_key("steel", "originals", ids[1]))

    started = stack_client.http.post("/v1/assets/thumbnails/rebuild", headers=headers)
    assert started.status_code == 202, started.text
    job = _wait_for_job(stack_client, headers, started.json()["job_id"])

    assert job["status"] == "succeeded", job
    assert job["result"]["assets"] == 4
    assert job["result"]["rebuilt"] == 3
    assert job["result"]["failed"] == [
        {"asset_id": ids[1], "reason": "The original is missing from the object store."}
    ]
    assert objects.get(object_key("steel", THUMBNAILS, ids[0])) == before
    thumbnail = stack_client.http.get(f"/v1/assets/{ids[0]}/thumbnail", headers=headers)
    assert thumbnail.status_code == 200


def test_job_list_filters_pages_and_hides_other_tenants(stack_client: StackClient) -> None:
    steel = stack_client.create_tenant("steel")
    glass = stack_client.create_tenant("glass")
    stack_client.upload(steel, [("a.jpg", photo_bytes((10, 20, 30)))])
    stack_client.settle()
    job_ids = []
    for path in ("/v1/assets/reindex", "/v1/assets/thumbnails/rebuild", "/v1/assets/reindex"):
        job_id = stack_client.http.post(path, headers=steel).json()["job_id"]
        _wait_for_job(stack_client, steel, job_id)
        job_ids.append(job_id)

    everything = stack_client.http.get("/v1/jobs", headers=steel).json()
    reindexes = stack_client.http.get(
        "/v1/jobs", params={"kind": "assets.reindex"}, headers=steel
    ).json()
    first_page = stack_client.http.get("/v1/jobs", params={"limit": 2}, headers=steel).json()
    second_page = stack_client.http.get(first_page["next"], headers=steel).json()
    failed = stack_client.http.get("/v1/jobs", params={"status": "failed"}, headers=steel).json()

    assert [job["job_id"] for job in everything["items"]] == job_ids[::-1]
    assert everything["total"] == 3
    assert [job["job_id"] for job in reindexes["items"]] == [job_ids[2], job_ids[0]]
    assert first_page["next"].endswith("/v1/jobs?limit=2&offset=2")
    assert [job["job_id"] for job in second_page["items"]] == [job_ids[0]]
    assert second_page["total"] == 3
    assert second_page["next"] is None
    assert failed == {"items": [], "total": 0, "limit": 20, "offset": 0, "next": None}
    assert stack_client.http.get("/v1/jobs", headers=glass).json()["total"] == 0
    assert stack_client.http.get(f"/v1/jobs/{job_ids[0]}", headers=glass).status_code == 404
    invalid = stack_client.http.get("/v1/jobs", params={"status": "done"}, headers=steel)
    assert invalid.status_code == 422


def test_unreachable_job_queue_answers_503(stack_client: StackClient) -> None:
    from infra.processes import free_port
    from shared.jobs.celery_runner import CeleryJobRunner

    headers = stack_client.create_tenant("steel")
    runner = CeleryJobRunner(
        stack_client.stack.engine, stack_client.stack, f"redis://127.0.0.1:{free_port()}/0"
    )
    stack_client.http.app.state.jobs = runner  # type: ignore[attr-defined]

    response = stack_client.http.post("/v1/assets/reindex", headers=headers)
    jobs = stack_client.http.get("/v1/jobs", headers=headers).json()
    runner.close()

    assert response.status_code == 503, response.text
    assert "Redis is unreachable" in response.json()["detail"]
    assert jobs["items"][0]["status"] == "failed"

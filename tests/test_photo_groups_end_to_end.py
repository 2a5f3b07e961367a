"""Visual groups of real photos on the embedded stack: run, list, page, name, re-run."""

from __future__ import annotations

import io
import time

from PIL import Image, ImageEnhance

from tests.support import StackClient, skimage_photos

PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
          "hubble_deep_field.jpg", "retina.jpg", "coins.png")


EDITS = ("small", "bright", "crop")


def variants(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The photo and three near-duplicates as JPEG: half size, 10% brighter, 2% cropped."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    width, height = image.size
    edited = {
        "small": (image.resize((width // 2, height // 2)), 70),
        "bright": (ImageEnhance.Brightness(image).enhance(1.1), 85),
        "crop": (image.crop((width // 50, height // 50, width - width // 50,
                             height - height // 50)), 85),
    }
    files = [(name, data)]
    for edit in EDITS:
        photo, quality = edited[edit]
        buffer = io.BytesIO()
        photo.save(buffer, format="JPEG", quality=quality)
        files.append((f"{name.rsplit('.', 1)[0]}-{edit}.jpg", buffer.getvalue()))
    return files


def files_of(names: tuple[str, ...]) -> list[tuple[str, bytes]]:
    originals = dict(skimage_photos(14))
    return [file for name in names for file in variants(name, originals[name])]


def wait_for_job(client: StackClient, headers: dict[str, str], job_id: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.http.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish within 60 s")


def run_groups(client: StackClient, headers: dict[str, str]) -> dict:
    started = client.http.post("/v1/photo-groups/runs", json={"seed": 0}, headers=headers)
    assert started.status_code == 202, started.text
    assert started.json()["kind"] == "search.visual_groups"
    return wait_for_job(client, headers, started.json()["job_id"])


def group_of_each_file(client: StackClient, headers: dict[str, str]) -> dict[str, str]:
    assets = client.http.get("/v1/assets", params={"limit": 200}, headers=headers).json()
    filename = {asset["asset_id"]: asset["filename"] for asset in assets["items"]}
    groups = client.http.get("/v1/photo-groups", params={"limit": 200}, headers=headers).json()
    assert groups["next"] is None
    found = {}
    for group in groups["items"]:
        page = client.http.get(
            f"/v1/photo-groups/{group['group_id']}", params={"limit": 1000}, headers=headers
        ).json()
        found |= {filename[asset["asset_id"]]: group["group_id"] for asset in page["assets"]}
    return found


def test_near_duplicates_share_a_group(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("photos")
    files = files_of(PHOTOS)
    stack_client.upload(headers, files)
    stack_client.settle()

    job = run_groups(stack_client, headers)
    groups = stack_client.http.get(
        "/v1/photo-groups", params={"limit": 200}, headers=headers
    ).json()
    group_of = group_of_each_file(stack_client, headers)

    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["photos"] == len(files)
    assert job["result"]["groups"] == len(groups["items"])
    assert len(groups["items"]) >= 2
    assert sum(group["size"] for group in groups["items"]) + job["result"]["ungrouped"] == 32
    for name in PHOTOS:
        stem = name.rsplit(".", 1)[0]
        family = [name] + [f"{stem}-{edit}.jpg" for edit in EDITS]
        assert len({group_of.get(member) for member in family}) == 1, (name, group_of)
        assert group_of.get(name) is not None, name
    for group in groups["items"]:
        assert 1 <= len(group["cover_asset_ids"]) <= 4
        assert group["name"] is None


def test_group_name_survives_a_rerun(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("photos")
    stack_client.upload(headers, files_of(("coins.png", *PHOTOS[:5])))
    stack_client.settle()
    run_groups(stack_client, headers)
    coins = group_of_each_file(stack_client, headers)["coins.png"]
    before = stack_client.http.get(f"/v1/photo-groups/{coins}", headers=headers).json()

    renamed = stack_client.http.put(
        f"/v1/photo-groups/{coins}", json={"name": "  Mønter "}, headers=headers
    )
    stack_client.upload(headers, files_of(("retina.jpg",)))
    stack_client.settle()
    rerun = run_groups(stack_client, headers)
    after = stack_client.http.get(f"/v1/photo-groups/{coins}", headers=headers)
    names = [group["name"] for group in stack_client.http.get(
        "/v1/photo-groups", headers=headers).json()["items"]]

    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Mønter"
    assert rerun["result"]["kept_names"] == 1
    assert after.status_code == 200
    assert after.json()["name"] == "Mønter"
    assert after.json()["run_id"] == rerun["job_id"]
    assert {a["asset_id"] for a in after.json()["assets"]} == {
        a["asset_id"] for a in before["assets"]
    }
    assert sorted(name for name in names if name) == ["Mønter"]


def test_another_tenants_group_is_not_found(stack_client: StackClient) -> None:
    owner = stack_client.create_tenant("owner")
    other = stack_client.create_tenant("other")
    stack_client.upload(owner, files_of(PHOTOS[:3]))
    stack_client.settle()
    run_groups(stack_client, owner)
    group_id = stack_client.http.get("/v1/photo-groups", headers=owner).json()["items"][0][
        "group_id"
    ]

    read = stack_client.http.get(f"/v1/photo-groups/{group_id}", headers=other)
    rename = stack_client.http.put(
        f"/v1/photo-groups/{group_id}", json={"name": "Mine"}, headers=other
    )
    listed = stack_client.http.get("/v1/photo-groups", headers=other).json()
    empty_run = run_groups(stack_client, other)

    assert read.status_code == 404
    assert rename.status_code == 404
    assert listed == {"items": [], "next": None}
    assert empty_run["status"] == "failed"
    assert "no indexed photos" in empty_run["error"]
    owned = stack_client.http.get(f"/v1/photo-groups/{group_id}", headers=owner).json()
    assert owned["name"] is None


def test_group_pages_and_name_validation(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("photos")
    stack_client.upload(headers, files_of(PHOTOS[:4]))
    stack_client.settle()
    run_groups(stack_client, headers)
    listed = stack_client.http.get("/v1/photo-groups", headers=headers).json()
    group = listed["items"][0]
    url = f"/v1/photo-groups/{group['group_id']}"

    pages = [
        stack_client.http.get(url, params={"limit": 2, "offset": offset}, headers=headers).json()
        for offset in range(0, group["size"], 2)
    ]
    blank = stack_client.http.put(url, json={"name": "   "}, headers=headers)
    too_long = stack_client.http.put(url, json={"name": "x" * 201}, headers=headers)
    cleared = stack_client.http.put(url, json={"name": None}, headers=headers)

    paged = [asset["asset_id"] for page in pages for asset in page["assets"]]
    assert len(paged) == group["size"]
    assert len(set(paged)) == group["size"]
    assert paged[: len(group["cover_asset_ids"])] == group["cover_asset_ids"]
    similarities = [asset["similarity"] for page in pages for asset in page["assets"]]
    assert similarities == sorted(similarities, reverse=True)
    assert [page["next"] is None for page in pages] == [False] * (len(pages) - 1) + [True]
    assert blank.status_code == 422
    assert too_long.status_code == 422
    assert cleared.json()["name"] is None


def test_group_list_is_paginated(stack_client: StackClient) -> None:
    headers = stack_client.create_tenant("photos")
    stack_client.upload(headers, files_of(PHOTOS[:4]))
    stack_client.settle()
    job = run_groups(stack_client, headers)
    assert job["result"]["groups"] >= 2, job

    pages = [stack_client.http.get("/v1/photo-groups", params={"limit": 1}, headers=headers)]
    while pages[-1].json()["next"]:
        pages.append(stack_client.http.get(pages[-1].json()["next"], headers=headers))
    bad_cursor = stack_client.http.get("/v1/photo-groups?cursor=x", headers=headers)
    bad_limit = stack_client.http.get("/v1/photo-groups?limit=201", headers=headers)

    assert pages[0].json()["next"].endswith("/v1/photo-groups?limit=1&cursor=1")
    assert [len(page.json()["items"]) for page in pages] == [1] * job["result"]["groups"]
    numbers = [page.json()["items"][0]["number"] for page in pages]
    assert numbers == list(range(job["result"]["groups"]))
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["error"] == {
        "code": "invalid_request", "message": "invalid cursor 'x'", "details": None,
    }
    assert bad_limit.status_code == 422
    assert bad_limit.json()["error"]["code"] == "invalid_request"

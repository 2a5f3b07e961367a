"""The web app in headless Chromium against the live embedded stack with demo data.

Each test opens views the way a user does, checks what they show, saves a screenshot and
records how long the view took to paint and to show its data (printed at the end of the run).
"""

from __future__ import annotations

import base64
import io
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import httpx
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from tests.support import photo_bytes
from tests.web.conftest import LAPTOP, SCREENSHOTS, TIMINGS, browser_context
from tests.web.live_stack import OWNER_EMAIL, OWNER_PASSWORD, LiveStack

PERFORMANCE_FIGURES = """(view) => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const ready = performance.getEntriesByName('view-ready:' + view)[0];
  return {fcp: paint ? paint.startTime : -1, ready: ready ? ready.startTime : -1};
}"""


def open_view(context: BrowserContext, live: LiveStack, path: str, view: str, name: str) -> Page:
    """Load a view in a new page, wait until it shows its data, measure it and screenshot it."""
    page = context.new_page()
    page.goto(f"{live.url}{path}")
    page.wait_for_selector(f"#main[data-ready='{view}']", timeout=30_000)
    # First paint is reported asynchronously; a frame later it is there.
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    TIMINGS[name] = page.evaluate(PERFORMANCE_FIGURES, view)
    page.wait_for_load_state("networkidle")
    screenshot(page, f"{name}.png")
    return page


def screenshot(page: Page, filename: str) -> None:
    # From the top, so the sticky menu bar is drawn where it belongs in a full-page capture.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / filename, full_page=True)


def captions(page: Page) -> list[str]:
    return page.locator(".results .photo-grid .caption").all_inner_texts()


def test_sign_in_rejects_wrong_password_then_takes_key(
    playwright_driver: Playwright, live: LiveStack, tmp_path: Path
) -> None:
    context = browser_context(playwright_driver, tmp_path / "profile", LAPTOP, mobile=False)
    page = context.new_page()
    page.goto(f"{live.url}/members/themes")
    page.wait_for_url("**/signin?next=%2Fmembers%2Fthemes")
    page.get_by_label("E-mail").fill(OWNER_EMAIL)
    page.get_by_label("Adgangskode").fill("forkert-adgangskode")
    page.get_by_role("button", name="Log ind", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("E-mail eller adgangskode er forkert")
    screenshot(page, "laptop-signin-wrong.png")

    page.get_by_text("Log ind med en partnernøgle i stedet").click()
    page.get_by_label("Partnernøgle").fill(live.api_key)
    page.get_by_role("button", name="Log ind med nøgle").click()
    page.wait_for_selector("#main[data-ready='themes']")
    assert urlparse(page.url).path == "/members/themes"
    context.close()


def test_language_picked_at_sign_in_is_kept(
    playwright_driver: Playwright, live: LiveStack, tmp_path: Path
) -> None:
    context = browser_context(playwright_driver, tmp_path / "profile", LAPTOP, mobile=False)
    page = context.new_page()
    page.goto(f"{live.url}/members")
    page.wait_for_url("**/signin?next=%2Fmembers")
    page.get_by_role("button", name="English").click()
    page.get_by_label("Email").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_selector("#main[data-ready='members']")
    token = page.evaluate("JSON.parse(localStorage.getItem('datafantasi.session')).secret")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert httpx.get(f"{live.url}/v1/me", headers=headers).json()["language"] == "en"
    finally:
        # The other tests expect the owner's stored language to be Danish.
        httpx.patch(f"{live.url}/v1/me", headers=headers, json={"language": "da"})
        context.close()


def test_photo_archive_lists_seeded_photos(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/photos", "photos", "laptop-photos")
    shown = captions(page)
    assert sorted(shown) == sorted(live.photo_ids)
    expect(page.get_by_role("heading", name=f"Alle fotos ({len(live.photo_ids)})")).to_be_visible()


def test_upload_reports_each_file(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/photos/upload", "upload", "laptop-upload")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("byggeplads/kran.jpg", photo_bytes((200, 120, 40), pattern=3))
        zipped.writestr("byggeplads/halv.jpg", photo_bytes((10, 90, 200))[:200])
    page.locator("#upload-files").set_input_files(
        [
            {
                "name": "facade.jpg",
                "mimeType": "image/jpeg",
                "buffer": photo_bytes((30, 160, 90), pattern=1),
            },
            {"name": "byggeplads.zip", "mimeType": "application/zip", "buffer": archive.getvalue()},
            {"name": "noter.txt", "mimeType": "text/plain", "buffer": b"not a photo"},
        ]
    )
    drop_file(page, "tegning.png", photo_bytes((240, 240, 240), fmt="PNG", pattern=5), "image/png")

    summary = page.locator(".upload-summary")
    expect(summary).to_contain_text("Færdig", timeout=30_000)
    rows = page.locator(".upload-item")
    expect(rows).to_have_count(4)
    states = dict(
        zip(
            rows.locator(".name").all_inner_texts(),
            [rows.nth(i).get_attribute("data-state") for i in range(4)],
            strict=True,
        )
    )
    assert states == {
        "facade.jpg": "stored",
        "byggeplads.zip": "partly",
        "noter.txt": "rejected",
        "tegning.png": "stored",
    }
    zip_row = rows.filter(has_text="byggeplads.zip")
    expect(zip_row).to_contain_text("1 gemt, 0 fandtes allerede, 1 ikke gemt")
    zip_row.get_by_text("Vis de 1 filer").click()
    expect(zip_row).to_contain_text("byggeplads.zip/byggeplads/halv.jpg")
    screenshot(page, "laptop-upload-done.png")


def drop_file(page: Page, name: str, data: bytes, mime: str) -> None:
    """Drop a file on the drop zone the way a browser does: a drop event with a DataTransfer."""
    page.evaluate(
        """([name, encoded, mime]) => {
          const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, {type: mime}));
          const zone = document.querySelector('[data-testid=drop-zone]');
          zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true}));
          zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }""",
        [name, base64.b64encode(data).decode(), mime],
    )


def test_search_then_similar_photos(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/photos?q=en+kat+i+sofaen", "photos", "laptop-search")
    expect(page.get_by_role("heading", name="Bedste match for “en kat i sofaen”")).to_be_visible()
    hits = captions(page)
    assert len(hits) >= 5

    page.locator(".results .photo-card").first.click()
    page.wait_for_selector("#main[data-ready='photo']")
    asset_id = page.url.split("/photos/")[1].split("?")[0]
    expect(page.get_by_role("heading", level=1)).to_have_text(hits[0])
    expect(page.locator(".similar .photo-card").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "laptop-photo.png")

    page.get_by_role("link", name="Flere som dette").click()
    page.wait_for_selector("#main[data-ready='photos']")
    assert f"like={asset_id}" in page.url
    similar = captions(page)
    with live.client() as client:
        indexed = client.get("/v1/assets", params={"status": "indexed"}).json()["total"]
    assert hits[0] not in similar
    assert len(similar) == indexed - 1

    # A colleague who opens the link sees the same photos.
    colleague = laptop.new_page()
    colleague.goto(page.url)
    colleague.wait_for_selector("#main[data-ready='photos']")
    assert captions(colleague) == similar


def test_photo_view_by_link(laptop: BrowserContext, live: LiveStack) -> None:
    asset_id = live.photo_ids["chelsea.png"]
    page = open_view(laptop, live, f"/photos/{asset_id}", "photo", "laptop-photo-by-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("chelsea.png")
    expect(page.locator(".facts")).to_contain_text("arkiv")


def test_search_filter_by_folder(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/photos", "photos", "laptop-photos-filter")
    page.get_by_text("Filtre").click()
    page.get_by_label("Mappe").fill("ingen-mappe")
    page.get_by_label("Beskriv det foto, du leder efter").fill("kat")
    page.get_by_role("button", name="Søg", exact=True).click()
    expect(page.get_by_role("heading", name="Ingen fotos passer")).to_be_visible()
    assert "folder=ingen-mappe" in page.url


def test_groups_run_browse_and_name(laptop: BrowserContext, live: LiveStack) -> None:
    with live.client() as client:
        available = client.get("/v1/photo-groups").status_code != 404
    page = open_view(laptop, live, "/photos/groups", "groups", "laptop-groups-empty")
    if not available:
        heading = page.get_by_role("heading", name="Grupper er ikke tilgængelige endnu")
        expect(heading).to_be_visible()
        return
    expect(page.get_by_role("heading", name="Ingen grupper endnu")).to_be_visible()
    page.get_by_role("button", name="Find grupper").click()
    cards = page.locator(".group-card")
    expect(cards.first).to_be_visible(timeout=60_000)
    page.wait_for_load_state("networkidle")
    screenshot(page, "laptop-groups.png")
    with live.client() as client:
        groups = client.get("/v1/photo-groups", params={"limit": 200}).json()["items"]
    expect(cards).to_have_count(len(groups))

    cards.first.click()
    page.wait_for_selector("#main[data-ready='group']")
    expect(page.locator(".photo-grid .photo-card")).to_have_count(min(groups[0]["size"], 200))
    page.get_by_label("Navn").fill("Byggepladser")
    page.get_by_role("button", name="Gem navn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Byggepladser")
    screenshot(page, "laptop-group.png")
    page.go_back()
    page.wait_for_selector("#main[data-ready='groups']")
    expect(page.locator(".group-card").first).to_contain_text("Byggepladser")


def test_import_events_with_mapping_and_rejected_rows(
    laptop: BrowserContext, live: LiveStack
) -> None:
    page = open_view(laptop, live, "/members/import", "import", "laptop-import")
    events = (
        "Titel;Dato;Type;Hvad handler det om\n"
        "Robotter i smedjen;12-09-2024;Workshop;Sådan kommer små smedjer i gang med cobots\n"
        "Generalforsamling;32-13-2024;Møde;Årets regnskab og valg til bestyrelsen\n"
    ).encode("cp1252")
    page.get_by_label("Arrangementer").check()
    page.get_by_label("Fil (CSV eller XLSX)").set_input_files(
        {"name": "nye-arrangementer.csv", "mimeType": "text/csv", "buffer": events}
    )
    mapping = page.locator("table.mapping")
    expect(mapping).to_contain_text("Hvad handler det om")
    expect(mapping).to_contain_text("Robotter i smedjen")
    page.get_by_label("Hvad handler det om").select_option("description")
    page.get_by_role("button", name="Importér", exact=True).click()

    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("2 rækker læst: 1 nye")
    expect(report).to_contain_text("1 rækker blev ikke importeret")
    expect(report.locator("tbody tr")).to_have_count(1)
    expect(report.locator("tbody tr td").first).to_have_text("3")
    expect(report).to_contain_text("Hvad handler det om → Beskrivelse")
    manage = report.get_by_role("link", name="Importen kan slettes igen under Data og sletning")
    expect(manage).to_have_attribute("href", "/data")
    screenshot(page, "laptop-import-report.png")


def test_import_reads_xlsx_headers(laptop: BrowserContext, live: LiveStack) -> None:
    assert live.analytics_files is not None
    page = open_view(laptop, live, "/members/import?kind=events", "import", "laptop-import-xlsx")
    page.get_by_label("Fil (CSV eller XLSX)").set_input_files(
        {
            "name": "arrangementer.xlsx",
            "buffer": live.analytics_files.events_xlsx,
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    )
    headers = page.locator("table.mapping tbody th")
    expect(headers).to_have_text(["Titel", "Dato", "Type", "Sted", "Beskrivelse"])
    page.get_by_role("button", name="Importér", exact=True).click()
    expect(page.get_by_test_id("import-report")).to_contain_text("0 nye")


def test_participation_dashboard(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/members", "members", "laptop-members")
    expect(page.locator(".line-chart .line")).to_have_count(1)
    expect(page.locator(".column-chart .bar").first).to_be_visible()
    assert page.locator(".bar-list li").count() >= 4
    expect(
        page.get_by_role("heading", name="Medlemmer, der er holdt op med at komme")
    ).to_be_visible()


def test_overview(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/members/overview", "overview", "laptop-overview")
    with live.client() as client:
        totals = client.get("/v1/analytics/overview").json()["totals"]
    expect(page.locator(".stat").first).to_contain_text(str(totals["organisations"]))


def test_themes_map_and_list(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/members/themes", "themes", "laptop-themes")
    with live.client() as client:
        themes = client.get("/v1/analytics/themes").json()["themes"]
    assert len(themes) >= 2
    expect(page.locator(".bubble")).to_have_count(len(themes))
    expect(page.locator(".theme-list li")).to_have_count(len(themes))

    last = themes[-1]
    page.locator(".theme-list").get_by_role("button", name=last["label"], exact=True).click()
    expect(page.locator(".theme-detail h2")).to_have_text(last["label"])
    expect(page.locator(".theme-detail .typical li")).to_have_count(len(last["typical"]))
    assert f"theme={last['theme_id']}" in page.url

    page.locator(f".bubble[data-id='{themes[0]['theme_id']}']").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".theme-detail h2")).to_have_text(themes[0]["label"])


def test_communities(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/instagram", "communities", "laptop-communities")
    with live.client() as client:
        communities = client.get("/v1/audience/communities", params={"limit": 200}).json()["items"]
    cards = page.locator(".community")
    expect(cards).to_have_count(len(communities))
    expect(cards.first.locator("h2")).to_have_text(communities[0]["label"])
    expect(cards.first).to_contain_text(f"{communities[0]['size']} personer")


def test_influencer_comparison(laptop: BrowserContext, live: LiveStack) -> None:
    assert live.audience is not None
    handles = sorted(live.audience.influencers)[:3]
    path = "/instagram/compare?influencers=" + ",".join(handles)
    page = open_view(laptop, live, path, "comparison", "laptop-comparison")
    with live.client() as client:
        comparison = client.get(
            "/v1/audience/comparison", params={"influencers": ",".join(handles)}
        ).json()
    overlap = page.locator("table.matrix").first
    expect(overlap.locator("tbody tr")).to_have_count(3)
    expect(page.locator(".stat").nth(1)).to_contain_text(
        f"{comparison['unique_reach']:,}".replace(",", ".")
    )
    expect(page.locator(".reach-bars li")).to_have_count(3)
    expect(page.get_by_role("heading", name="Nye segmenter")).to_be_visible()

    page.get_by_label("Influencere").fill(f"@{handles[0]}, @{handles[1]}")
    # The handle search returns a page, whose first item completes the last handle typed.
    suggestion = page.locator("#handle-suggestions option").first
    expect(suggestion).to_have_attribute("value", f"@{handles[0]}, @{handles[1]}")
    page.get_by_role("button", name="Sammenlign", exact=True).click()
    expect(page.locator("table.matrix").first.locator("tbody tr")).to_have_count(2)


def test_audience_import_reports_counts(laptop: BrowserContext, live: LiveStack) -> None:
    assert live.audience is not None
    name, data = next(item for item in live.audience.files if item[0].endswith(".csv"))
    page = open_view(laptop, live, "/instagram/import", "audienceImport", "laptop-audience-import")
    page.get_by_label("Filer").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Importér", exact=True).click()
    row = page.locator(".upload-item").filter(has_text=name)
    expect(row).to_have_attribute("data-state", "stored", timeout=30_000)
    # The same file again adds no accounts: the import is idempotent.
    expect(row).to_contain_text("Importeret: 0 nye konti")
    screenshot(page, "laptop-audience-import.png")


def test_jobs_page_shows_theme_run(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/jobs", "jobs", "laptop-jobs")
    for kind in ("Finder temaer", "Finder Instagram-fællesskaber"):
        job = page.locator(".job").filter(has_text=kind).first
        expect(job).to_contain_text("Færdig")


def test_views_fit_a_phone(phone: BrowserContext, live: LiveStack) -> None:
    assert live.audience is not None
    handles = ",".join(sorted(live.audience.influencers)[:3])
    views = [
        ("/photos?q=kat", "photos", "phone-search"),
        (f"/photos/{live.photo_ids['coffee.png']}", "photo", "phone-photo"),
        ("/photos/upload", "upload", "phone-upload"),
        ("/members", "members", "phone-members"),
        ("/members/import", "import", "phone-import"),
        ("/members/themes", "themes", "phone-themes"),
        ("/members/overview", "overview", "phone-overview"),
        ("/instagram", "communities", "phone-communities"),
        (f"/instagram/compare?influencers={handles}", "comparison", "phone-comparison"),
        ("/jobs", "jobs", "phone-jobs"),
        ("/data", "data", "phone-data"),
    ]
    overflowing = []
    for path, view, name in views:
        page = open_view(phone, live, path, view, name)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1] + 1:
            overflowing.append((name, width))
        page.close()
    assert overflowing == []


def test_language_switch_is_stored_for_the_user(laptop: BrowserContext, live: LiveStack) -> None:
    page = open_view(laptop, live, "/members", "members", "laptop-members-before-switch")
    try:
        page.get_by_role("button", name="English").click()
        page.wait_for_selector("#main[data-ready='members']")
        expect(page.get_by_role("link", name="Members & events")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        screenshot(page, "laptop-members-english.png")

        token = page.evaluate("JSON.parse(localStorage.getItem('datafantasi.session')).secret")
        me = httpx.get(f"{live.url}/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["language"] == "en"

        # Another browser of the same user follows the stored choice.
        page.evaluate("localStorage.removeItem('datafantasi.language')")
        page.reload()
        page.wait_for_selector("#main[data-ready='members']")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        page.get_by_role("button", name="Dansk").click()
        page.wait_for_selector("#main[data-ready='members']")
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()


# Two member lists that share one company, Krag Stål, and its contact person, Ole Krag. Each row
# makes two member records, the company and the person, so each import names four.
SPRING_MEMBERS = (
    "Navn;Virksomhed;CVR;E-mail\n"
    "Ida Lund;Lund Svejs ApS;31415926;ida@lundsvejs.example\n"
    "Ole Krag;Krag Stål A/S;27182818;ole@kragstaal.example\n"
)
AUTUMN_MEMBERS = (
    "Navn;Virksomhed;CVR;E-mail\n"
    "Ole Krag;Krag Stål A/S;27182818;ole@kragstaal.example\n"
    "Eva Birk;Birk Beslag ApS;16180339;eva@birkbeslag.example\n"
)


def import_members(client: httpx.Client, filename: str, text: str) -> str:
    response = client.post(
        "/v1/analytics/imports/members", files={"file": (filename, text.encode("utf-8"))}
    )
    response.raise_for_status()
    return str(response.json()["import_id"])


def analytics_rows(client: httpx.Client) -> dict[str, int]:
    counts: dict[str, int] = client.get("/v1/datasets").json()["analytics"]["database"]
    return counts


def danish_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def test_data_view_deletes_one_import(laptop: BrowserContext, live: LiveStack) -> None:
    with live.client() as client:
        spring = import_members(client, "medlemmer-forår.csv", SPRING_MEMBERS)
        autumn = import_members(client, "medlemmer-efterår.csv", AUTUMN_MEMBERS)
        before = analytics_rows(client)
    try:
        page = open_view(laptop, live, "/data", "data", "laptop-data")
        section = page.locator("[data-dataset='analytics']")
        rows = section.locator(".import")
        expect(rows.nth(0)).to_have_attribute("data-import", autumn)
        expect(rows.nth(1)).to_have_attribute("data-import", spring)
        expect(rows.nth(1)).to_contain_text("medlemmer-forår.csv")
        expect(rows.nth(1)).to_contain_text("Medlemmer")
        expect(rows.nth(1)).to_contain_text("poster: 4")
        expect(section.locator(".held")).to_have_text(
            f"{danish_number(sum(before.values()))} rækker i databasen."
        )
        listed = rows.count()

        # Deleting the whole data set waits until its name is typed; this test stops there.
        section.get_by_text("Slet hele datasættet Medlemmer og arrangementer").click()
        typed = section.get_by_label("Skriv Medlemmer og arrangementer for at bekræfte")
        delete_all = section.get_by_role("button", name="Slet datasættet")
        expect(delete_all).to_be_disabled()
        typed.fill("analytics")
        expect(delete_all).to_be_disabled()
        typed.fill(" medlemmer og arrangementer")
        expect(delete_all).to_be_enabled()
        typed.fill("")

        spring_row = section.locator(f".import[data-import='{spring}']")
        spring_row.get_by_role("button", name="Slet import").click()
        expect(spring_row).to_contain_text("Poster, som andre importer også indeholder, bliver")
        screenshot(page, "laptop-data-confirm.png")
        spring_row.get_by_role("button", name="Ja, slet importen").click()

        report = section.get_by_test_id("deletion-report")
        expect(report).to_contain_text("Importen af medlemmer-forår.csv er slettet.")
        # Krag Stål and Ole Krag are in the autumn list too, so only Lund Svejs and Ida Lund go.
        expect(report).to_contain_text("Beholdt: 2,")
        expect(rows).to_have_count(listed - 1)
        expect(section.locator(f".import[data-import='{spring}']")).to_have_count(0)
        expect(rows.nth(0)).to_have_attribute("data-import", autumn)
        screenshot(page, "laptop-data-deleted.png")

        with live.client() as client:
            after = analytics_rows(client)
            listing = client.get("/v1/datasets/analytics/imports", params={"limit": 200}).json()
        assert after["members"] == before["members"] - 2
        assert after["analytics_imports"] == before["analytics_imports"] - 1
        assert [item["import_id"] for item in listing["items"]][:1] == [autumn]
        assert spring not in {item["import_id"] for item in listing["items"]}
        removed = sum(before.values()) - sum(after.values())
        expect(report).to_contain_text(f"Slettet: {danish_number(removed)} rækker i databasen.")
        expect(section.locator(".held")).to_have_text(
            f"{danish_number(sum(after.values()))} rækker i databasen."
        )
    finally:
        with live.client() as client:
            for import_id in (spring, autumn):
                client.delete(
                    f"/v1/datasets/analytics/imports/{import_id}", params={"confirm": import_id}
                )


def wait_until_indexed(client: httpx.Client, asset_id: str) -> None:
    deadline = time.monotonic() + 60
    while client.get(f"/v1/assets/{asset_id}").json()["status"] != "indexed":
        assert time.monotonic() < deadline, f"photo {asset_id} was not indexed within 60 s"
        time.sleep(0.2)


def test_photo_deleted_from_its_page(laptop: BrowserContext, live: LiveStack) -> None:
    photo = photo_bytes((180, 60, 160), pattern=7)
    with live.client() as client:
        response = client.post("/v1/uploads", files=[("files", ("svejsning.jpg", photo))])
        response.raise_for_status()
        asset_id = response.json()["items"][0]["asset_id"]
        wait_until_indexed(client, asset_id)

    page = open_view(laptop, live, f"/photos/{asset_id}", "photo", "laptop-photo-delete")
    page.get_by_role("button", name="Slet foto").click()
    expect(page.locator(".photo-deletion")).to_contain_text("Slet svejsning.jpg?")
    screenshot(page, "laptop-photo-confirm.png")
    page.get_by_role("button", name="Ja, slet fotoet").click()
    page.wait_for_url("**/photos")
    page.wait_for_selector("#main[data-ready='photos']")

    with live.client() as client:
        assert client.get(f"/v1/assets/{asset_id}").status_code == 404
        total = client.get("/v1/assets", params={"status": "indexed"}).json()["total"]
    expect(page.get_by_role("heading", name=f"Alle fotos ({total})")).to_be_visible()
    assert "svejsning.jpg" not in captions(page)
    assert page.locator(f".photo-card[href^='/photos/{asset_id}']").count() == 0
    page.go_back()
    assert f"/photos/{asset_id}" not in page.url

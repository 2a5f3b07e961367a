"""The web app's files at /: history fallback, caching, and the API's paths kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient

from services.api.web import web_routes

INDEX = "<!doctype html><title>Datafantasi</title><div id=app></div>"


def _deny() -> None:
    raise HTTPException(401, "missing credentials")


def _app(dist: Path) -> TestClient:
    # Like the real app: every FastAPI route requires credentials.
    app = FastAPI(dependencies=[Depends(_deny)])

    @app.get("/v1/assets")
    def assets() -> dict[str, object]:
        return {}

    app.router.routes.extend(web_routes(dist))
    return TestClient(app)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/photos", "/photos/3f2a", "/members/themes?theme=2"])
def test_app_paths_return_index_without_credentials(dist: Path, path: str) -> None:
    response = _app(dist).get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year(dist: Path) -> None:
    response = _app(dist).get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]


def test_missing_asset_is_404_not_index(dist: Path) -> None:
    response = _app(dist).get("/assets/index-old.js")
    assert response.status_code == 404
    assert response.text != INDEX


@pytest.mark.parametrize("path", ["/v1/nothing", "/v1", "/admin/x", "/health", "/metrics"])
def test_api_paths_never_fall_back_to_index(dist: Path, path: str) -> None:
    response = _app(dist).get(path)
    assert response.status_code == 404
    assert response.text != INDEX


def test_api_routes_keep_their_authorization(dist: Path) -> None:
    assert _app(dist).get("/v1/assets").status_code == 401


def test_docs_keep_priority(dist: Path) -> None:
    response = _app(dist).get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    response = _app(tmp_path / "missing").get("/photos")
    assert response.status_code == 503
    assert "make web" in response.text

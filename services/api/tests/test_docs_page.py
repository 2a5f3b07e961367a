from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.tenants import TenantDirectory
from shared.db import create_tables, make_engine


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    app = create_app(
        directory=TenantDirectory(engine), admin_token="operator-token", routers=[],
        health_checks={},
    )
    return TestClient(app)


def test_docs_page_loads_swagger_locally(client: TestClient) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assert "/docs/static/swagger-ui-bundle.js" in page.text
    assert "/docs/static/swagger-ui.css" in page.text
    assert "cdn." not in page.text
    assert "/openapi.json" in page.text


def test_docs_static_files_are_served(client: TestClient) -> None:
    script = client.get("/docs/static/swagger-ui-bundle.js")
    styles = client.get("/docs/static/swagger-ui.css")

    assert script.status_code == 200
    assert script.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert len(script.content) > 100_000
    assert styles.status_code == 200


def test_redoc_page_is_gone(client: TestClient) -> None:
    # ReDoc would load its script from a CDN; /docs is the one documentation page.
    assert client.get("/redoc").status_code == 404

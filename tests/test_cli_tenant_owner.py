"""``datafantasi tenant create --owner-email`` creates the tenant's first owner."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from datafantasi import cli
from datafantasi.client import DatafantasiClient
from services.api.app import create_app
from services.api.tenants import TenantDirectory
from shared.db import create_tables, make_engine

ADMIN = "operator-token"


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    app = create_app(directory=TenantDirectory(engine), admin_token=ADMIN, routers=[],
                     health_checks={})
    http = TestClient(app)

    def client(_api: str, key: str = "", admin_token: str = "") -> DatafantasiClient:
        made = DatafantasiClient("http://testserver", api_key=key, admin_token=admin_token)
        made._http = TestClient(app, headers=made._http.headers)
        return made

    monkeypatch.setattr(cli, "_client", client)
    return http


def test_tenant_create_with_owner_signs_in(api: TestClient) -> None:
    result = CliRunner().invoke(
        cli.app,
        ["tenant", "create", "Stålbyg", "--id", "staalbyg", "--admin-token", ADMIN,
         "--owner-email", "ejer@staalbyg.dk", "--owner-name", "Mette"],
        input="korrekt-hest-batteri\nkorrekt-hest-batteri\n",
    )
    assert result.exit_code == 0, result.output
    assert "tenant staalbyg created" in result.output
    assert "df_" in result.output
    token = api.post(
        "/v1/auth/token", json={"email": "ejer@staalbyg.dk", "password": "korrekt-hest-batteri"}
    )
    assert token.status_code == 200
    me = api.get("/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["name"] == "Mette"
    assert me.json()["role"] == "owner"


def test_tenant_create_with_short_password_fails(api: TestClient) -> None:
    result = CliRunner().invoke(
        cli.app,
        ["tenant", "create", "X", "--admin-token", ADMIN, "--owner-email", "x@x.dk"],
        input="kort\nkort\n",
    )
    assert result.exit_code != 0
    assert "password too short" in result.output

"""``datafantasi config`` masks secrets; an invalid setting stops every command with status 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from datafantasi import cli
from datafantasi.settings_view import mask_url


def test_config_masks_tokens_and_url_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAFANTASI_API__ADMIN_TOKEN", "operator-secret")
    monkeypatch.setenv("DATAFANTASI_API__TOKEN_SIGNING_KEY", "signing-secret")
    monkeypatch.setenv("DATAFANTASI_DATABASE__URL", "postgresql://app:db-secret@db.local/main")
    monkeypatch.setenv("DATAFANTASI_REDIS__URL", "redis://:redis-secret@cache.local:6379/0")

    result = CliRunner().invoke(cli.app, ["config"])

    assert result.exit_code == 0, result.output
    for secret in ("operator-secret", "signing-secret", "db-secret", "redis-secret"):
        assert secret not in result.output
    shown = json.loads(result.output)
    assert shown["api"]["admin_token"] == "***"
    assert shown["api"]["token_signing_key"] == "***"
    assert shown["database"]["url"] == "postgresql://app:***@db.local/main"
    assert shown["redis"]["url"] == "redis://:***@cache.local:6379/0"
    assert shown["api"]["token_ttl_s"] == 900


def test_mask_url_keeps_urls_without_password() -> None:
    assert mask_url("http://127.0.0.1:8000/v2") == "http://127.0.0.1:8000/v2"
    assert mask_url("sqlite:///data/x.db") == "sqlite:///data/x.db"
    assert mask_url("postgresql://app@db/main") == "postgresql://app@db/main"


@pytest.mark.parametrize("command", [["up"], ["config"], ["status"]])
def test_invalid_setting_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("DATAFANTASI_API__TOKEN_TTL_S", "5")
    monkeypatch.setenv("DATAFANTASI_BUS__BACKEND", "carrier-pigeon")

    result = CliRunner().invoke(cli.app, command)

    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 2, result.output
    ttl = next(line for line in lines if "DATAFANTASI_API__TOKEN_TTL_S" in line)
    assert "'5'" in ttl
    assert ">= 60 and <= 86400" in ttl
    backend = next(line for line in lines if "DATAFANTASI_BUS__BACKEND" in line)
    assert "'carrier-pigeon'" in backend
    assert "memory, kafka" in backend
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["search", "trappe"], ["status"], ["ingest", "."]])
def test_missing_api_key_names_option_and_variable(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATAFANTASI_API_KEY", raising=False)

    result = CliRunner().invoke(cli.app, [*command, "--api", "http://127.0.0.1:9"])

    assert result.exit_code == 1
    assert "--key" in result.output
    assert "DATAFANTASI_API_KEY" in result.output

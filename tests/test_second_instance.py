"""A second embedded stack on a busy port or a data folder in use stops before touching it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datafantasi import cli
from datafantasi.data_lock import LOCK_NAME, DataDirInUse, DataDirLock
from datafantasi.embedded import EmbeddedStack
from tests.support import StackClient


def test_up_on_busy_port_names_port_and_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATAFANTASI_DATA_DIR", str(data_dir))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        result = CliRunner().invoke(cli.app, ["up", "--host", "127.0.0.1", "--port", str(port)])

    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.output
    assert "DATAFANTASI_API__PORT" in result.output
    assert not data_dir.exists()


def test_data_dir_lock_is_exclusive_until_released(tmp_path: Path) -> None:
    first = DataDirLock(tmp_path)

    with pytest.raises(DataDirInUse, match=str(tmp_path)):
        DataDirLock(tmp_path)

    first.release()
    second = DataDirLock(tmp_path)
    second.release()
    assert (tmp_path / LOCK_NAME).exists()


def test_second_stack_on_data_dir_fails_before_cleanup(stack_client: StackClient) -> None:
    settings = stack_client.stack.settings

    with pytest.raises(DataDirInUse, match=str(settings.data_dir)):
        EmbeddedStack(settings)

    health = stack_client.http.get("/health")
    assert health.status_code == 200, health.text

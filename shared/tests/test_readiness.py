"""Readiness checks report each part as ready, or not ready with the error."""

from __future__ import annotations

import shutil
from pathlib import Path

from infra.processes import free_port
from shared.bus.memory import InProcessBus
from shared.db import make_engine
from shared.readiness import bus_check, database_check, store_check
from shared.storage import FilesystemStore


def test_reachable_parts_are_ready(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ready.db'}")
    objects = FilesystemStore(tmp_path / "objects")

    database = database_check(engine)()
    store = store_check(objects)()
    bus = bus_check(InProcessBus())()

    assert database == {"ready": True, "dialect": "sqlite"}
    assert store == {"ready": True}
    assert bus == {"ready": True, "lag": 0}
    assert list((tmp_path / "objects").rglob("probe-*")) == []
    engine.dispose()


def test_unreachable_database_is_not_ready() -> None:
    engine = make_engine(f"postgresql+psycopg://nobody:secret@127.0.0.1:{free_port()}/none")
    result = database_check(engine)()
    assert result["ready"] is False
    assert "connection" in str(result["error"]).lower()
    engine.dispose()


def test_store_folder_replaced_by_file_is_not_ready(tmp_path: Path) -> None:
    objects = FilesystemStore(tmp_path / "objects")
    shutil.rmtree(tmp_path / "objects")
    (tmp_path / "objects").write_bytes(b"not a folder")
    result = store_check(objects)()
    assert result["ready"] is False
    assert result["error"]

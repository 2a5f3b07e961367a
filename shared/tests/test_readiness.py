"""Readiness checks report each part as ready, or not ready with the error."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from infra.processes import free_port
from shared.bus.memory import InProcessBus
from shared.db import make_engine
from shared.readiness import bus_check, database_check, redis_check, store_check
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


class _SlowBus(InProcessBus):
    """A bus whose lag request hangs, as KafkaBus.lag() does while the broker is down."""

    def __init__(self, hang_s: float) -> None:
        super().__init__()
        self.hang_s = hang_s
        self.requests = 0

    def lag(self) -> dict[tuple[str, str], int]:
        self.requests += 1
        time.sleep(self.hang_s)
        return {}


def test_hanging_bus_answers_within_the_timeout() -> None:
    bus = _SlowBus(hang_s=3.0)
    check = bus_check(bus, timeout_s=0.3, cache_s=2.0)

    answers = []
    for _ in range(3):
        started = time.monotonic()
        answers.append(check())
        assert time.monotonic() - started < 1.0

    assert answers[0] == {"ready": False, "error": "the message bus did not answer within 0.3 s"}
    assert all(answer["ready"] is False for answer in answers)
    assert bus.requests == 1, "a new request starts only after the one in flight returns"


def test_bus_answer_is_reused_for_the_cache_time() -> None:
    bus = _SlowBus(hang_s=0.0)
    check = bus_check(bus, timeout_s=1.0, cache_s=60.0)

    assert check() == {"ready": True, "lag": 0}
    assert check() == {"ready": True, "lag": 0}
    assert bus.requests == 1


def test_unreachable_redis_is_not_ready() -> None:
    answer = redis_check(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.5)()

    assert answer["ready"] is False
    assert "Connection refused" in str(answer["error"])


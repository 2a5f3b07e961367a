"""Real servers on 127.0.0.1 for the cluster tests: one Kafka broker for the whole session.

A server that cannot start fails the tests that need it, with the end of its log. None is skipped.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from infra.kafka_server import KafkaServer
from infra.postgres_server import PostgresServer
from infra.processes import ServerStartError, free_port
from infra.redis_server import RedisServer
from shared.settings import BusSettings

if TYPE_CHECKING:
    from shared.bus.kafka import KafkaBus

# Small, so that the oversized-record tests send little data.
BROKER_MAX_MESSAGE_BYTES = 64 * 1024


def pytest_configure(config: pytest.Config) -> None:
    # kafka-python 3.0 loads its protocol schemas with importlib.resources calls that Python 3.11
    # deprecates, once per schema.
    for message in ("read_text is deprecated", "open_text is deprecated"):
        config.addinivalue_line("filterwarnings", f"ignore:{message}:DeprecationWarning")


@pytest.fixture(scope="session")
def kafka_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaServer]:
    server = KafkaServer(
        tmp_path_factory.mktemp("kafka"),
        port=free_port(),
        controller_port=free_port(),
        max_message_bytes=BROKER_MAX_MESSAGE_BYTES,
    )
    try:
        server.start()
    except ServerStartError as error:
        server.stop()
        pytest.fail(f"the Kafka broker did not start: {error}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def make_bus(kafka_server: KafkaServer) -> Iterator[Callable[..., KafkaBus]]:
    """Build KafkaBus instances on the session's broker; all of them stop after the test."""
    # Imported here, after pytest_configure has filtered kafka-python's import-time warnings.
    from shared.bus.kafka import KafkaBus

    buses: list[KafkaBus] = []

    def build(**overrides: object) -> KafkaBus:
        values: dict[str, object] = {
            "backend": "kafka",
            "bootstrap_servers": kafka_server.bootstrap_servers,
            "max_message_bytes": BROKER_MAX_MESSAGE_BYTES,
            "poll_timeout_s": 0.2,
            "session_timeout_s": 6.0,
            "max_poll_interval_s": 60.0,
            **overrides,
        }
        bus = KafkaBus(BusSettings.model_validate(values))
        buses.append(bus)
        return bus

    yield build
    for bus in buses:
        bus.stop()


@pytest.fixture
def server_folder() -> Iterator[Path]:
    # Not under pytest's own temporary folder: that one is private to its owner, and PostgreSQL
    # started by root runs as the postgres user, which must reach its folder.
    folder = Path(tempfile.mkdtemp(prefix="datafantasi-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_server(server_folder: Path) -> Iterator[PostgresServer]:
    server = PostgresServer(server_folder / "postgres", port=free_port())
    try:
        server.start()
    except ServerStartError as error:
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {error}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def redis_server(server_folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(server_folder / "redis", port=free_port())
    try:
        server.start()
    except ServerStartError as error:
        server.stop()
        pytest.fail(f"Redis did not start: {error}", pytrace=False)
    yield server
    server.stop()

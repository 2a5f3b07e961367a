"""open_bus picks the bus implementation from bus.backend."""

from __future__ import annotations

import warnings

from shared.bus.factory import open_bus
from shared.bus.memory import InProcessBus
from shared.settings import Settings


def test_memory_backend_opens_in_process_bus() -> None:
    assert isinstance(open_bus(Settings(bus={"backend": "memory"})), InProcessBus)


def test_kafka_backend_opens_kafka_bus_without_connecting() -> None:
    settings = Settings(bus={"backend": "kafka", "bootstrap_servers": "127.0.0.1:1"})
    with warnings.catch_warnings():
        # kafka-python 3.0 loads its protocol schemas with importlib.resources calls that
        # Python 3.11 deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        from shared.bus.kafka import KafkaBus

        bus = open_bus(settings)
    assert isinstance(bus, KafkaBus)
    # Nothing is subscribed, so no request reaches the (absent) broker.
    assert bus.lag() == {}

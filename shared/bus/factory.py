"""Open the message bus that ``bus.backend`` names: in process (embedded) or Kafka (cluster)."""

from __future__ import annotations

from shared.bus.base import MessageBus
from shared.settings import Settings


def open_bus(settings: Settings) -> MessageBus:
    """Return an unstarted bus for ``settings.bus.backend``.

    kafka-python is imported only for the kafka backend, so the embedded mode runs without it.
    """
    match settings.bus.backend:
        case "memory":
            from shared.bus.memory import InProcessBus

            return InProcessBus()
        case "kafka":
            from shared.bus.kafka import KafkaBus

            return KafkaBus(settings.bus)
    raise ValueError(
        f"DATAFANTASI_BUS__BACKEND is {settings.bus.backend!r}; it must be memory or kafka"
    )

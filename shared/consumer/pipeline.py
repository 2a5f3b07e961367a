"""Assemble a consumer: decode each record, run the task with retries, dead-letter failures."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf.message import DecodeError, Message

from shared.bus.base import BatchHandler, Record
from shared.bus.topics import CONTRACT_VERSION
from shared.consumer.dead_letter import DeadLetterPolicy
from shared.consumer.retry import RetryPolicy, RunWithRetries

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)


@dataclass(frozen=True)
class Decoded(Generic[M]):
    record: Record
    message: M


def decode(
    records: Sequence[Record], message_type: type[M], dead_letter: DeadLetterPolicy
) -> list[Decoded[M]]:
    """Parse each record; one that does not parse, or has an unknown version, is dead-lettered."""
    decoded = []
    for record in records:
        message = message_type()
        try:
            message.ParseFromString(record.value)
        except DecodeError as error:
            dead_letter(record, "", f"undecodable {message_type.__name__}: {error}", 1)
            continue
        version = getattr(message, "version", CONTRACT_VERSION)
        if version != CONTRACT_VERSION:
            dead_letter(
                record,
                getattr(message, "asset_id", ""),
                f"unsupported contract version {version}; this consumer reads {CONTRACT_VERSION}",
                1,
            )
            continue
        if getattr(message, "tenant_id", record.key) != record.key:
            dead_letter(
                record, getattr(message, "asset_id", ""), "record key and tenant_id differ", 1
            )
            continue
        decoded.append(Decoded(record, message))
    return decoded


def build_consumer(
    *,
    message_type: type[M],
    task: Callable[[Sequence[Decoded[M]]], None],
    topic: str,
    group: str,
    retry: RetryPolicy,
    dead_letter: DeadLetterPolicy,
) -> BatchHandler:
    run = RunWithRetries(
        task=task,
        retry=retry,
        dead_letter=dead_letter,
        topic=topic,
        group=group,
        describe=lambda item: (item.record, getattr(item.message, "asset_id", "")),
    )

    def handle(records: Sequence[Record]) -> None:
        run(decode(records, message_type, dead_letter))

    return handle

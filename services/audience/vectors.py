"""Text vectors cached per tenant and model, so each distinct text is encoded once."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence

import numpy as np
from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from services.audience.models import AudienceTextVector
from services.audience.text_encoder import TextEncoder

logger = logging.getLogger(__name__)

VECTORS: Table = AudienceTextVector.__table__  # type: ignore[attr-defined]
_CHUNK = 500


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CachedEncoder:
    """Encode texts for one tenant through the cache table; vectors are stored as float16."""

    def __init__(self, engine: Engine, tenant_id: str, encoder: TextEncoder) -> None:
        self.engine = engine
        self.tenant_id = tenant_id
        self.encoder = encoder
        self.dim = encoder.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        hashes = [text_hash(text) for text in texts]
        found = self._lookup(sorted(set(hashes)))
        missing = sorted(
            {h: t for h, t in zip(hashes, texts, strict=True) if h not in found}.items()
        )
        if missing:
            started = time.perf_counter()
            vectors = self.encoder.encode([text for _, text in missing])
            logger.info(
                "tenant %s: encoded %d new texts with %s in %.1fs",
                self.tenant_id,
                len(missing),
                self.encoder.model_id,
                time.perf_counter() - started,
            )
            self._store([h for h, _ in missing], vectors)
            found.update(zip([h for h, _ in missing], vectors, strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[h] for h in hashes]).astype(np.float32)

    def _lookup(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(hashes), _CHUNK):
                rows = connection.execute(
                    select(VECTORS.c.text_hash, VECTORS.c.vector).where(
                        VECTORS.c.tenant_id == self.tenant_id,
                        VECTORS.c.model_id == self.encoder.model_id,
                        VECTORS.c.text_hash.in_(hashes[start : start + _CHUNK]),
                    )
                )
                for row in rows:
                    found[row.text_hash] = np.frombuffer(row.vector, dtype=np.float16).astype(
                        np.float32
                    )
        return found

    def _store(self, hashes: list[str], vectors: np.ndarray) -> None:
        rows = [
            {
                "tenant_id": self.tenant_id,
                "model_id": self.encoder.model_id,
                "text_hash": h,
                "vector": vector.astype(np.float16).tobytes(),
            }
            for h, vector in zip(hashes, vectors, strict=True)
        ]
        factory = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        with self.engine.begin() as connection:
            for start in range(0, len(rows), _CHUNK):
                connection.execute(
                    factory(VECTORS).on_conflict_do_nothing(), rows[start : start + _CHUNK]
                )


def forget_texts(engine: Engine, tenant_id: str, texts: Sequence[str]) -> int:
    """Delete the cached vectors of these texts (of any model); return how many were deleted."""
    hashes = sorted({text_hash(text) for text in texts})
    deleted = 0
    with engine.begin() as connection:
        for start in range(0, len(hashes), _CHUNK):
            result = connection.execute(
                delete(VECTORS).where(
                    VECTORS.c.tenant_id == tenant_id,
                    VECTORS.c.text_hash.in_(hashes[start : start + _CHUNK]),
                )
            )
            deleted += result.rowcount or 0
    return deleted

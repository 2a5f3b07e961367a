"""Every topic the services use, with its partitions and retention, in one place."""

from __future__ import annotations

from dataclasses import dataclass

CONTRACT_VERSION = 1


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int = 6
    retention_ms: int = 7 * 24 * 3600 * 1000

    @property
    def dead_letter(self) -> str:
        return f"{self.name}.dead-letter"


ASSET_INGESTED = Topic("asset.ingested")
ASSET_EMBEDDED = Topic("asset.embedded")
ASSET_INDEXED = Topic("asset.indexed")
ASSET_DELETED = Topic("asset.deleted")

ALL_TOPICS = (ASSET_INGESTED, ASSET_EMBEDDED, ASSET_INDEXED, ASSET_DELETED)

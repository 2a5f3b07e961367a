"""Tables the API service owns: tenants and their API keys."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from services.ingest.models import utcnow


class Tenant(SQLModel, table=True):
    __tablename__ = "tenants"

    tenant_id: str = Field(primary_key=True, max_length=64)
    name: str
    created_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    key_id: str = Field(primary_key=True, max_length=16, description="Public part of the key.")
    tenant_id: str = Field(index=True, foreign_key="tenants.tenant_id", max_length=64)
    secret_hash: str = Field(description="SHA-256 of the secret part; the secret is not kept.")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

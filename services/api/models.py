"""Tables the API service owns: tenants, users, invitations, API keys, the audit log and the
responses kept for idempotency keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.ingest.models import utcnow

ALL_ACTIONS = (
    "photos:read photos:write analytics:read analytics:write audience:read audience:write admin"
)


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
    name: str = Field(default="", max_length=200)
    actions: str = Field(default=ALL_ACTIONS, description="Space-separated actions it allows.")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class User(SQLModel, table=True):
    __tablename__ = "users"
    # NOTE: an e-mail address belongs to one tenant; a person in two tenants needs two addresses.
    __table_args__ = (UniqueConstraint("email"),)

    user_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str = Field(index=True, foreign_key="tenants.tenant_id", max_length=64)
    email: str = Field(max_length=320, description="Stored lowercased.")
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password_hash: str
    language: str = Field(default="da", max_length=2)
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"

    invitation_id: str = Field(primary_key=True, max_length=32)
    tenant_id: str = Field(index=True, foreign_key="tenants.tenant_id", max_length=64)
    email: str = Field(max_length=320)
    role: str = Field(max_length=16)
    token_hash: str = Field(index=True, description="SHA-256 of the one-time token.")
    invited_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(index=True, max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=80, description="user:<id>, key:<id> or email:<address>.")
    action: str = Field(max_length=80)
    target: str = Field(default="", max_length=300)
    outcome: str = Field(max_length=16, description="succeeded or failed")
    status_code: int | None = None


class IdempotentResponse(SQLModel, table=True):
    __tablename__ = "idempotent_responses"

    tenant_id: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=200)
    route: str = Field(max_length=300)
    request_hash: str = Field(max_length=64)
    status_code: int
    media_type: str = Field(max_length=100)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)

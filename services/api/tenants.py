"""Tenants and their API keys: creation, authentication, listing and revocation."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from services.api.access import Action
from services.api.keys import issue_key, parse_key, secret_matches
from services.api.models import ApiKey, Tenant
from services.ingest.models import utcnow
from shared.db import session_scope

log = logging.getLogger(__name__)

_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
# Writing last_used_at on every request would make each read a write. Once a minute is enough
# to tell a key in use from a forgotten one.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class TenantExists(ValueError):
    pass


class LastKey(ValueError):
    """Raised when revoking a tenant's only active key, which would lock the tenant out."""


_DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "u"})


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower().translate(_DANISH_LETTERS)).strip("-")[:48]
    return slug or "tenant"


class TenantDirectory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine

    def create_tenant(self, name: str, tenant_id: str | None = None) -> tuple[Tenant, str]:
        """Create a tenant with a first API key; returns the tenant and the key's plaintext."""
        tenant_id = tenant_id or f"{slugify(name)}-{secrets.token_hex(3)}"
        if not _TENANT_ID.match(tenant_id):
            raise ValueError(
                f"invalid tenant id {tenant_id!r}: use 2-63 lowercase letters, digits or '-'"
            )
        with session_scope(self._engine) as session:
            if session.get(Tenant, tenant_id) is not None:
                raise TenantExists(f"tenant {tenant_id!r} already exists")
            tenant = Tenant(tenant_id=tenant_id, name=name)
            session.add(tenant)
            session.commit()
        _key, plaintext = self.create_key(tenant_id, name="first key")
        log.info("created tenant %s (%s)", tenant_id, name)
        return tenant, plaintext

    def create_key(
        self, tenant_id: str, name: str = "", actions: frozenset[Action] | None = None
    ) -> tuple[ApiKey, str]:
        """Issue a key allowing ``actions`` (all when None); returns it and its plaintext."""
        issued = issue_key()
        allowed = " ".join(sorted(a.value for a in (actions or frozenset(Action))))
        key = ApiKey(
            key_id=issued.key_id, tenant_id=tenant_id, secret_hash=issued.secret_hash, name=name,
            actions=allowed,
        )
        with session_scope(self._engine) as session:
            session.add(key)
            session.commit()
        log.info("issued API key %s for tenant %s (%s)", issued.key_id, tenant_id, allowed)
        return key, issued.plaintext

    def list_keys(self, tenant_id: str, offset: int, limit: int) -> list[ApiKey]:
        with session_scope(self._engine) as session:
            query = (
                select(ApiKey).where(ApiKey.tenant_id == tenant_id)
                .order_by(col(ApiKey.created_at), col(ApiKey.key_id)).offset(offset).limit(limit)
            )
            return list(session.exec(query))

    def revoke_key(self, tenant_id: str, key_id: str) -> bool:
        with session_scope(self._engine) as session:
            key = session.get(ApiKey, key_id)
            if key is None or key.tenant_id != tenant_id:
                return False
            active = session.exec(
                select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.revoked_at == None)  # noqa: E711
            ).all()
            if key.revoked_at is None and len(active) == 1:
                raise LastKey(
                    f"API key {key_id!r} is the tenant's only active key: create a new key "
                    "(POST /v1/keys) before revoking this one"
                )
            key.revoked_at = key.revoked_at or utcnow()
            session.add(key)
            session.commit()
        log.info("revoked API key %s of tenant %s", key_id, tenant_id)
        return True

    def list_tenants(self) -> list[Tenant]:
        with session_scope(self._engine) as session:
            return list(session.exec(select(Tenant).order_by(Tenant.created_at)))

    def get_tenant(self, tenant_id: str) -> Tenant | None:
        with session_scope(self._engine) as session:
            return session.get(Tenant, tenant_id)

    def authenticate_key(self, plaintext: str) -> tuple[ApiKey, bool] | None:
        """Return a valid, unrevoked key, and whether this is its first use in a minute."""
        parsed = parse_key(plaintext)
        if parsed is None:
            return None
        key_id, secret = parsed
        with session_scope(self._engine) as session:
            key = session.get(ApiKey, key_id)
            if key is None or key.revoked_at is not None:
                return None
            if not secret_matches(secret, key.secret_hash):
                return None
            now = utcnow()
            last_used = key.last_used_at
            if last_used is not None and last_used.tzinfo is None:
                last_used = last_used.replace(tzinfo=now.tzinfo)
            touched = last_used is None or now - last_used > _LAST_USED_RESOLUTION
            if touched:
                key.last_used_at = now
                session.add(key)
                session.commit()
            return key, touched

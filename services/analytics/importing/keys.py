"""Natural keys: the same organisation, person or event always gets the same id in a tenant."""

from __future__ import annotations

import hashlib
import json
from datetime import date


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def stable_id(tenant_id: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join((tenant_id, *parts)).encode("utf-8")).hexdigest()
    return digest[:24]


def content_hash(fields: dict[str, object]) -> str:
    text = json.dumps(fields, sort_keys=True, default=_json_value, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_id(tenant_id: str, title: str, held_on: date) -> str:
    return stable_id(tenant_id, "event", name_key(title), held_on.isoformat())


def _json_value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

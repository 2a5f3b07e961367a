"""Settings as the CLI shows them: secrets masked, invalid values one line each."""

from __future__ import annotations

import typing
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import annotated_types
from pydantic import BaseModel, ValidationError

from shared.settings import Settings

MASK = "***"
# Fields whose whole value is a secret; URLs are masked separately, by their password part.
SECRET_FIELDS = frozenset({"admin_token", "token_signing_key", "password", "secret"})


def mask_url(value: str) -> str:
    """Replace the password in a URL such as ``postgresql://u:pw@host/db`` with ``***``."""
    if "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.password is None:
        return value
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def mask_secrets(values: Any, name: str = "") -> Any:
    """Return a copy of dumped settings with secret fields and URL passwords masked."""
    if isinstance(values, dict):
        return {key: mask_secrets(value, key) for key, value in values.items()}
    if not isinstance(values, str) or not values:
        return values
    if name in SECRET_FIELDS or name.endswith(("_password", "_secret")):
        return MASK
    return mask_url(values)


def _field_at(location: tuple[int | str, ...]) -> tuple[str, Any] | None:
    """Return the (name, FieldInfo) a validation error's location points at in Settings."""
    model: type[BaseModel] = Settings
    field = None
    for part in location:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = field.annotation  # type: ignore[assignment]
    return (str(location[-1]), field) if field is not None else None


def _allowed(field: Any) -> str:
    """Describe a field's bounds or choices, or return "" when it has neither."""
    if typing.get_origin(field.annotation) is typing.Literal:
        return "one of " + ", ".join(str(choice) for choice in typing.get_args(field.annotation))
    bounds = []
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Ge):
            bounds.append(f">= {rule.ge}")
        elif isinstance(rule, annotated_types.Gt):
            bounds.append(f"> {rule.gt}")
        elif isinstance(rule, annotated_types.Le):
            bounds.append(f"<= {rule.le}")
        elif isinstance(rule, annotated_types.Lt):
            bounds.append(f"< {rule.lt}")
    return " and ".join(bounds)


def describe_invalid_settings(error: ValidationError) -> list[str]:
    """Return one line per invalid setting: its variable, the value and what is allowed."""
    lines = []
    for problem in error.errors():
        location = tuple(problem["loc"])
        variable = "DATAFANTASI_" + "__".join(str(part).upper() for part in location)
        found = _field_at(location) if location else None
        value = problem.get("input")
        if found is not None and isinstance(value, str):
            value = mask_secrets(value, found[0])
        line = f"invalid setting {variable}={value!r}: {problem['msg']}"
        allowed = _allowed(found[1]) if found is not None else ""
        if allowed:
            line += f" (allowed: {allowed})"
        lines.append(line)
    return lines

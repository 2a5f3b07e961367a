"""Routes for the platform operator (tenants) and for a tenant's own API keys."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.api.access import Action, Role, parse_actions
from services.api.passwords import check_password_rules
from services.api.tenants import LastKey, TenantDirectory, TenantExists
from services.api.users import UserDirectory, UserExists, normalize_email
from shared.openapi_examples import API_KEY, CREATED_AT, KEY_ID, TENANT_ID, TENANT_NAME, USER_ID
from shared.pagination import Cursor, Limit, Page, next_link, offset_from, offset_page
from shared.tenancy import TenantId

router = APIRouter(prefix="/v1", tags=["tenants"])
operator_router = APIRouter(tags=["operator"])


class TenantCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Stålbyg A/S"])
    tenant_id: str | None = Field(
        default=None,
        description="Optional id (2-63 lowercase letters, digits or '-'); made from the name "
        "when left out.",
        examples=["staalbyg"],
    )
    owner_email: str | None = Field(
        default=None, max_length=320, description="E-mail of the first owner user.",
        examples=["ejer@staalbyg.dk"],
    )
    owner_name: str | None = Field(default=None, max_length=200, examples=["Mette Holm"])
    owner_password: str | None = Field(
        default=None, max_length=256, description="At least 10 characters.",
        examples=["korrekt-hest-batteri"],
    )


_TENANT = {"tenant_id": TENANT_ID, "name": TENANT_NAME, "created_at": CREATED_AT}
_KEY = {
    "key_id": KEY_ID, "name": "Fotoarkiv-integration", "actions": ["photos:read", "photos:write"],
    "created_at": CREATED_AT, "last_used_at": "2026-03-02T09:41:12.809163Z", "revoked_at": None,
}


class TenantPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_TENANT]})

    tenant_id: str
    name: str
    created_at: datetime


class TenantCreated(TenantPublic):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_TENANT, "api_key": API_KEY, "owner_user_id": USER_ID}]}
    )

    api_key: str = Field(description="Shown once; only its hash is kept.")
    owner_user_id: str | None = Field(default=None, description="Set when an owner was given.")


class KeyCreate(BaseModel):
    name: str = Field(default="", max_length=200, examples=["Fotoarkiv-integration"])
    actions: list[str] | None = Field(
        default=None, max_length=16,
        description="Actions the key allows; all when left out. One of: "
        + ", ".join(a.value for a in Action),
        examples=[["photos:read", "photos:write"]],
    )


class KeyPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_KEY]})

    key_id: str = Field(description="The key's public id, for revoking it.")
    name: str
    actions: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_KEY, "last_used_at": None, "api_key": API_KEY}]}
    )

    api_key: str = Field(description="Shown once; only its hash is kept.")


def _directory(request: Request) -> TenantDirectory:
    return request.app.state.tenants


def _users(request: Request) -> UserDirectory:
    return request.app.state.security.users


Directory = Annotated[TenantDirectory, Depends(_directory)]
Users = Annotated[UserDirectory, Depends(_users)]


def require_admin(
    request: Request, x_admin_token: Annotated[str, Header(description="Operator token")] = ""
) -> None:
    expected: str = request.app.state.admin_token
    if not x_admin_token or not hmac.compare_digest(x_admin_token, expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or invalid X-Admin-Token")


def _check_owner_fields(body: TenantCreate, users: UserDirectory) -> None:
    """Reject owner fields before the tenant exists, so a bad owner leaves nothing behind."""
    given = [body.owner_email, body.owner_name, body.owner_password]
    if not any(given):
        return
    if not all(given):
        raise ValueError("give owner_email, owner_name and owner_password together, or none")
    normalize_email(body.owner_email or "")
    check_password_rules(body.owner_password or "")
    if users.find_by_email(body.owner_email or "") is not None:
        raise UserExists(f"a user with e-mail {body.owner_email!r} already exists")


def create_tenant(body: TenantCreate, directory: Directory, users: Users) -> TenantCreated:
    try:
        _check_owner_fields(body, users)
        tenant, api_key = directory.create_tenant(body.name, body.tenant_id)
    except (TenantExists, UserExists) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    owner_id = None
    if body.owner_email and body.owner_name and body.owner_password:
        owner = users.create_user(
            tenant.tenant_id, body.owner_email, body.owner_name, body.owner_password, Role.OWNER
        )
        owner_id = owner.user_id
    return TenantCreated(**tenant.model_dump(), api_key=api_key, owner_user_id=owner_id)


def list_tenants(directory: Directory) -> list[TenantPublic]:
    return [TenantPublic(**t.model_dump()) for t in directory.list_tenants()]


# The operator routes are served at /admin/tenants and, as before, at /v1/admin/tenants.
for _prefix, _in_schema in (("/admin", True), ("/v1/admin", False)):
    operator_router.add_api_route(
        f"{_prefix}/tenants", create_tenant, methods=["POST"], status_code=201,
        dependencies=[Depends(require_admin)], include_in_schema=_in_schema,
        summary="Create a tenant with its first key and, optionally, its first owner",
    )
    operator_router.add_api_route(
        f"{_prefix}/tenants", list_tenants, methods=["GET"],
        dependencies=[Depends(require_admin)], include_in_schema=_in_schema,
        summary="List the tenants",
    )


@router.get("/tenant")
def current_tenant_info(tenant_id: TenantId, directory: Directory) -> TenantPublic:
    tenant = directory.get_tenant(tenant_id)
    if tenant is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "tenant not found")
    return TenantPublic(**tenant.model_dump())


def _key_public(key) -> dict:  # type: ignore[no-untyped-def]
    return {**key.model_dump(exclude={"secret_hash", "actions"}), "actions": key.actions.split()}


@router.get("/keys")
def list_keys(
    request: Request, tenant_id: TenantId, directory: Directory, limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[KeyPublic]:
    offset = offset_from(cursor)
    keys = [KeyPublic(**_key_public(k)) for k in directory.list_keys(tenant_id, offset, limit + 1)]
    return offset_page(request, keys, offset, limit)


@router.post("/keys", status_code=status.HTTP_201_CREATED)
def create_key(
    tenant_id: TenantId, directory: Directory, body: KeyCreate | None = None
) -> KeyCreated:
    body = body or KeyCreate()
    try:
        actions = parse_actions(body.actions)
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    key, api_key = directory.create_key(tenant_id, body.name, actions)
    return KeyCreated(**_key_public(key), api_key=api_key)


@router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(
    key_id: Annotated[str, Path(description="The key's public id.", examples=[KEY_ID])],
    tenant_id: TenantId,
    directory: Directory,
) -> None:
    try:
        revoked = directory.revoke_key(tenant_id, key_id)
    except LastKey as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    if not revoked:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"API key {key_id!r} not found")


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "id": 14, "at": "2026-03-02T09:42:14.425478Z", "actor": f"key:{KEY_ID}",
                "action": "POST /v1/uploads", "target": "/v1/uploads", "outcome": "succeeded",
                "status_code": 201,
            }]
        }
    )

    id: int
    at: datetime
    actor: str = Field(description="user:<id> or key:<id>.")
    action: str = Field(examples=["sign_in", "key.used", "POST /v1/uploads"])
    target: str
    outcome: str = Field(examples=["succeeded", "failed"])
    status_code: int | None


@router.get("/audit-log")
def read_audit_log(
    request: Request, tenant_id: TenantId, limit: Limit = 50, cursor: Cursor = None
) -> Page[AuditEventPublic]:
    """Return the tenant's audit events, newest first."""
    after = offset_from(cursor) if cursor is not None else None
    events = request.app.state.security.audit.page(tenant_id, after, limit + 1)
    items = [AuditEventPublic(**e.model_dump()) for e in events[:limit]]
    more = len(events) > limit and items
    return Page[AuditEventPublic](
        items=items, next=next_link(request, items[-1].id) if more else None
    )

"""Routes for the platform operator (tenant creation) and for a tenant's own keys."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from pydantic import BaseModel, Field

from services.api.tenants import LastKey, TenantDirectory, TenantExists
from shared.tenancy import TenantId

router = APIRouter(prefix="/v1", tags=["tenants"])


class TenantCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Stålbyg A/S"])
    tenant_id: str | None = Field(
        default=None,
        description="Optional id (2-63 lowercase letters, digits or '-'); made from the name "
        "when left out.",
        examples=["staalbyg"],
    )


class TenantPublic(BaseModel):
    tenant_id: str
    name: str
    created_at: datetime


class TenantCreated(TenantPublic):
    api_key: str = Field(description="Shown once; only its hash is kept.")


class KeyCreated(BaseModel):
    key_id: str = Field(description="The key's public id, for revoking it.")
    api_key: str = Field(description="Shown once; only its hash is kept.")


def _directory(request: Request) -> TenantDirectory:
    return request.app.state.tenants


Directory = Annotated[TenantDirectory, Depends(_directory)]


def require_admin(
    request: Request, x_admin_token: Annotated[str, Header(description="Operator token")] = ""
) -> None:
    expected: str = request.app.state.admin_token
    if not x_admin_token or not hmac.compare_digest(x_admin_token, expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or invalid X-Admin-Token")


@router.post(
    "/admin/tenants",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_admin)],
)
def create_tenant(body: TenantCreate, directory: Directory) -> TenantCreated:
    try:
        tenant, api_key = directory.create_tenant(body.name, body.tenant_id)
    except TenantExists as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return TenantCreated(**tenant.model_dump(), api_key=api_key)


@router.get("/admin/tenants", dependencies=[Depends(require_admin)])
def list_tenants(directory: Directory) -> list[TenantPublic]:
    return [TenantPublic(**t.model_dump()) for t in directory.list_tenants()]


@router.get("/tenant")
def current_tenant_info(tenant_id: TenantId, directory: Directory) -> TenantPublic:
    tenant = directory.get_tenant(tenant_id)
    if tenant is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "tenant not found")
    return TenantPublic(**tenant.model_dump())


@router.post("/keys", status_code=status.HTTP_201_CREATED)
def create_key(tenant_id: TenantId, directory: Directory) -> KeyCreated:
    api_key = directory.create_key(tenant_id)
    return KeyCreated(key_id=api_key.split("_")[1], api_key=api_key)


@router.delete("/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(key_id: str, tenant_id: TenantId, directory: Directory) -> None:
    try:
        revoked = directory.revoke_key(tenant_id, key_id)
    except LastKey as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    if not revoked:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"API key {key_id!r} not found")

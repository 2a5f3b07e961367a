"""Routes for users: sign-in, the signed-in user, the tenant's users and invitations."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.api.access import Principal, Role
from services.api.auth import Security
from services.api.tokens import InvalidToken
from services.api.users import InvitationInvalid, LastOwner, UserExists
from shared.openapi_examples import CREATED_AT, KEY_ID, TENANT_ID, TENANT_NAME, USER_ID
from shared.pagination import Cursor, Limit, Page, offset_from, offset_page
from shared.tenancy import TenantId, current_principal

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["users"])


def _security(request: Request) -> Security:
    return request.app.state.security


SecurityDep = Annotated[Security, Depends(_security)]
Caller = Annotated[Principal, Depends(current_principal)]
UserIdPath = Annotated[str, Path(description="The user's id.", examples=[USER_ID])]

_ACCESS_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjYxM2VkY2NjYWNmYmRkMGIiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJkYXRhZm"
    "FudGFzaSIsImF1ZCI6ImRhdGFmYW50YXNpIiwic3ViIjoiZGVlOWRhYTY1ZGYxN2NiOCIsInRpZCI6InN0YWFsYnln"
    "IiwiaWF0IjoxNzk2NDIwNTMzLCJleHAiOjE3OTY0MjE0MzMsImp0aSI6IjQ5MTYzMjlmZTg1MDk0NTIiLCJhdXRoX3"
    "RpbWUiOjE3OTY0MjA1MzN9.sk1O1qaU6blXMfQotMVj0y7kuGp_Q1XiRAGgs1AKbrg"
)
_ALL_ACTIONS = [
    "admin", "analytics:read", "analytics:write", "audience:read", "audience:write",
    "photos:read", "photos:write",
]
_USER = {
    "user_id": USER_ID, "email": "kollega@staalbyg.dk", "name": "Jonas Berg", "role": "editor",
    "language": "da", "created_at": CREATED_AT, "last_sign_in_at": "2026-03-03T07:58:41.333162Z",
}


class SignIn(BaseModel):
    email: str = Field(max_length=320, examples=["ejer@staalbyg.dk"])
    password: str = Field(max_length=256, examples=["korrekt-hest-batteri"])


class AccessToken(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"access_token": _ACCESS_TOKEN, "token_type": "bearer", "expires_in": 900}]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class Me(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": USER_ID, "email": "kollega@staalbyg.dk", "name": "Jonas Berg",
                    "role": "editor", "tenant_id": TENANT_ID, "tenant_name": TENANT_NAME,
                    "language": "da", "key_id": None, "actions": _ALL_ACTIONS,
                },
                {
                    "user_id": None, "email": None, "name": None, "role": None,
                    "tenant_id": TENANT_ID, "tenant_name": TENANT_NAME, "language": None,
                    "key_id": KEY_ID, "actions": ["photos:read", "photos:write"],
                },
            ]
        }
    )

    user_id: str | None = Field(description="Null when the caller is an API key.")
    email: str | None
    name: str | None
    role: Role | None
    tenant_id: str
    tenant_name: str
    language: Literal["da", "en"] | None
    key_id: str | None = Field(default=None, description="Set when the caller is an API key.")
    actions: list[str]


class MeUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"language": "en"}]})

    language: Literal["da", "en"] | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)


class UserPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_USER]})

    user_id: str
    email: str
    name: str
    role: Role
    language: str
    created_at: datetime
    last_sign_in_at: datetime | None


class RoleUpdate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "viewer"}]})

    role: Role


class InvitationCreate(BaseModel):
    email: str = Field(max_length=320, examples=["kollega@staalbyg.dk"])
    role: Role = Field(default=Role.VIEWER, examples=["editor"])


class InvitationCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{
                "invitation_id": "b98ee3583db97bac", "email": "kollega@staalbyg.dk",
                "role": "editor", "expires_at": "2026-03-09T09:15:27.375898Z",
                "token": "49-FwLGXh7vaQi0OfXN9FLJMlFWG6WpM-i4uz3udafY",
                "accept_path": "/v1/invitations/accept",
            }]
        }
    )

    invitation_id: str
    email: str
    role: Role
    expires_at: datetime
    token: str = Field(description="One-time token, shown once; there is no e-mail sending.")
    accept_path: str = Field(description="Path at which the invitee redeems the token.")


class InvitationAccept(BaseModel):
    token: str = Field(
        min_length=1, max_length=200, examples=["49-FwLGXh7vaQi0OfXN9FLJMlFWG6WpM-i4uz3udafY"]
    )
    name: str = Field(min_length=1, max_length=200, examples=["Jonas Berg"])
    password: str = Field(max_length=256, examples=["lang-nok-adgangskode"])


@router.post("/auth/token", tags=["auth"])
def sign_in(body: SignIn, request: Request, security: SecurityDep) -> AccessToken:
    client = request.client.host if request.client else "unknown"
    security.limit(f"sign-in:{body.email.strip().lower()}:{client}", security.sign_ins_per_minute)
    user = security.users.check_password(body.email, body.password)
    if user is None:
        known = security.users.find_by_email(body.email)
        if known is None:
            log.info("sign-in failed: no user has the given e-mail address (client %s)", client)
        else:
            security.audit.record(
                known.tenant_id, f"user:{known.user_id}", "sign_in", succeeded=False,
                status_code=401,
            )
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "wrong e-mail address or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    security.audit.record(user.tenant_id, f"user:{user.user_id}", "sign_in", status_code=200)
    token = security.tokens.issue(user.user_id, user.tenant_id)
    return AccessToken(access_token=token, expires_in=security.tokens.ttl_s)


@router.post("/auth/refresh", tags=["auth"])
def refresh_token(request: Request, principal: Caller, security: SecurityDep) -> AccessToken:
    """Renew a signed-in user's access token before it expires, up to the session's maximum age."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if principal.user_id is None or scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "only a signed-in user's access token can be refreshed"
        )
    try:
        claims = security.tokens.verify(token.strip())
        renewed = security.tokens.refresh(claims)
    except InvalidToken as error:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(error), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    return AccessToken(access_token=renewed, expires_in=security.tokens.ttl_s)


def _me(principal: Principal, security: Security) -> Me:
    tenant = security.directory.get_tenant(principal.tenant_id)
    tenant_name = tenant.name if tenant else principal.tenant_id
    actions = sorted(a.value for a in principal.actions)
    user = security.users.get(principal.tenant_id, principal.user_id or "")
    if user is None:
        return Me(
            user_id=None, email=None, name=None, role=None, tenant_id=principal.tenant_id,
            tenant_name=tenant_name, language=None, key_id=principal.key_id, actions=actions,
        )
    return Me(
        user_id=user.user_id, email=user.email, name=user.name, role=Role(user.role),
        tenant_id=user.tenant_id, tenant_name=tenant_name,
        language=user.language if user.language in ("da", "en") else None,  # type: ignore[arg-type]
        actions=actions,
    )


@router.get("/me")
def get_me(principal: Caller, security: SecurityDep) -> Me:
    return _me(principal, security)


@router.patch("/me")
def update_me(body: MeUpdate, principal: Caller, security: SecurityDep) -> Me:
    if principal.user_id is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "an API key has no user settings: sign in as a user to change them",
        )
    if body.language is not None:
        security.users.set_language(principal.tenant_id, principal.user_id, body.language)
    if body.name is not None:
        security.users.rename(principal.tenant_id, principal.user_id, body.name)
    return _me(principal, security)


@router.get("/users")
def list_users(
    request: Request, tenant_id: TenantId, security: SecurityDep, limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UserPublic]:
    offset = offset_from(cursor)
    users = security.users.list_users(tenant_id, offset, limit + 1)
    return offset_page(request, [UserPublic(**u.model_dump()) for u in users], offset, limit)


@router.patch("/users/{user_id}")
def change_role(
    user_id: UserIdPath, body: RoleUpdate, tenant_id: TenantId, security: SecurityDep
) -> UserPublic:
    try:
        user = security.users.set_role(tenant_id, user_id, body.role)
    except LastOwner as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id!r} not found")
    return UserPublic(**user.model_dump())


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_user(user_id: UserIdPath, tenant_id: TenantId, security: SecurityDep) -> None:
    try:
        removed = security.users.remove(tenant_id, user_id)
    except LastOwner as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    if not removed:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id!r} not found")


@router.post("/invitations", status_code=status.HTTP_201_CREATED)
def invite(body: InvitationCreate, principal: Caller, security: SecurityDep) -> InvitationCreated:
    try:
        invitation, token = security.users.invite(
            principal.tenant_id, body.email, body.role, principal.actor
        )
    except UserExists as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return InvitationCreated(
        invitation_id=invitation.invitation_id, email=invitation.email, role=body.role,
        expires_at=invitation.expires_at, token=token, accept_path="/v1/invitations/accept",
    )


@router.post("/invitations/accept", status_code=status.HTTP_201_CREATED)
def accept_invitation(
    body: InvitationAccept, request: Request, security: SecurityDep
) -> AccessToken:
    client = request.client.host if request.client else "unknown"
    security.limit(f"invitation:{client}", security.sign_ins_per_minute)
    try:
        user = security.users.accept(body.token, body.name, body.password)
    except InvitationInvalid as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except UserExists as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    security.audit.record(user.tenant_id, f"user:{user.user_id}", "invitation.accepted")
    token = security.tokens.issue(user.user_id, user.tenant_id)
    return AccessToken(access_token=token, expires_in=security.tokens.ttl_s)

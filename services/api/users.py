"""Users of a tenant: creation, sign-in, invitations and roles."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from services.api.access import Role
from services.api.models import Invitation, User
from services.api.passwords import DUMMY_HASH, check_password_rules, hash_password, verify_password
from services.ingest.models import utcnow
from shared.db import session_scope

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
LANGUAGES = ("da", "en")


class UserExists(ValueError):
    pass


class InvitationInvalid(ValueError):
    """Raised for an unknown, used or expired invitation token; the message does not say which."""


class LastOwner(ValueError):
    pass


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise ValueError(f"invalid e-mail address {email!r}")
    return email


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


class UserDirectory:
    def __init__(self, engine: Engine, invitation_ttl: timedelta = timedelta(days=7)) -> None:
        self._engine = engine
        self._invitation_ttl = invitation_ttl

    def create_user(
        self, tenant_id: str, email: str, name: str, password: str, role: Role
    ) -> User:
        email = normalize_email(email)
        check_password_rules(password)
        with session_scope(self._engine) as session:
            if session.exec(select(User).where(User.email == email)).first() is not None:
                raise UserExists(f"a user with e-mail {email!r} already exists")
            user = User(
                user_id=secrets.token_hex(8), tenant_id=tenant_id, email=email, name=name,
                role=role.value, password_hash=hash_password(password),
            )
            session.add(user)
            session.commit()
        log.info("created %s user %s in tenant %s", role.value, user.user_id, tenant_id)
        return user

    def check_password(self, email: str, password: str) -> User | None:
        """Return the user when the password matches; None for a wrong password or address."""
        try:
            email = normalize_email(email)
        except ValueError:
            return None
        with session_scope(self._engine) as session:
            user = session.exec(select(User).where(User.email == email)).first()
            if user is None:
                verify_password(password, DUMMY_HASH)
                return None
            if not verify_password(password, user.password_hash):
                return None
            user.last_sign_in_at = utcnow()
            session.add(user)
            session.commit()
            return user

    def find_by_email(self, email: str) -> User | None:
        try:
            email = normalize_email(email)
        except ValueError:
            return None
        with session_scope(self._engine) as session:
            return session.exec(select(User).where(User.email == email)).first()

    def get(self, tenant_id: str, user_id: str) -> User | None:
        with session_scope(self._engine) as session:
            user = session.get(User, user_id)
            return user if user is not None and user.tenant_id == tenant_id else None

    def list_users(self, tenant_id: str, offset: int, limit: int) -> list[User]:
        with session_scope(self._engine) as session:
            query = (
                select(User).where(User.tenant_id == tenant_id)
                .order_by(col(User.created_at), col(User.user_id)).offset(offset).limit(limit)
            )
            return list(session.exec(query))

    def set_language(self, tenant_id: str, user_id: str, language: str) -> User | None:
        if language not in LANGUAGES:
            raise ValueError(f"invalid language {language!r}: use one of {', '.join(LANGUAGES)}")
        return self._update(tenant_id, user_id, language=language)

    def rename(self, tenant_id: str, user_id: str, name: str) -> User | None:
        return self._update(tenant_id, user_id, name=name)

    def set_role(self, tenant_id: str, user_id: str, role: Role) -> User | None:
        if role is not Role.OWNER:
            self._keep_an_owner(tenant_id, user_id)
        return self._update(tenant_id, user_id, role=role.value)

    def remove(self, tenant_id: str, user_id: str) -> bool:
        self._keep_an_owner(tenant_id, user_id)
        with session_scope(self._engine) as session:
            user = session.get(User, user_id)
            if user is None or user.tenant_id != tenant_id:
                return False
            session.delete(user)
            session.commit()
        log.info("removed user %s from tenant %s", user_id, tenant_id)
        return True

    def invite(self, tenant_id: str, email: str, role: Role, invited_by: str) -> tuple[
        Invitation, str
    ]:
        """Create an invitation; returns it with its one-time token, which is not kept.

        Only a user of the inviting tenant raises UserExists, so the reply reveals nothing about
        other tenants' users. An address taken in another tenant fails when it is redeemed.
        """
        email = normalize_email(email)
        existing = self.find_by_email(email)
        if existing is not None and existing.tenant_id == tenant_id:
            raise UserExists(f"a user with e-mail {email!r} already exists in this tenant")
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            invitation_id=secrets.token_hex(8), tenant_id=tenant_id, email=email,
            role=role.value, token_hash=_token_hash(token), invited_by=invited_by,
            expires_at=utcnow() + self._invitation_ttl,
        )
        with session_scope(self._engine) as session:
            session.add(invitation)
            session.commit()
        log.info("invited %s as %s to tenant %s", invitation.invitation_id, role.value, tenant_id)
        return invitation, token

    def accept(self, token: str, name: str, password: str) -> User:
        """Redeem an invitation token once, creating its user."""
        check_password_rules(password)
        with session_scope(self._engine) as session:
            query = select(Invitation).where(Invitation.token_hash == _token_hash(token))
            invitation = session.exec(query).first()
            if (
                invitation is None
                or invitation.accepted_at is not None
                or _aware(invitation.expires_at) < utcnow()
            ):
                raise InvitationInvalid("invalid, used or expired invitation token")
            if session.exec(select(User).where(User.email == invitation.email)).first():
                # The invitation stays unused, so the tenant can see it was never redeemed.
                raise UserExists(
                    f"the e-mail {invitation.email!r} already has an account; "
                    "sign in with it or ask for an invitation to another address"
                )
            invitation.accepted_at = utcnow()
            session.add(invitation)
            session.commit()
        return self.create_user(
            invitation.tenant_id, invitation.email, name, password, Role(invitation.role)
        )

    def _update(self, tenant_id: str, user_id: str, **values: str) -> User | None:
        with session_scope(self._engine) as session:
            user = session.get(User, user_id)
            if user is None or user.tenant_id != tenant_id:
                return None
            for name, value in values.items():
                setattr(user, name, value)
            session.add(user)
            session.commit()
            return user

    def _keep_an_owner(self, tenant_id: str, user_id: str) -> None:
        with session_scope(self._engine) as session:
            owners = session.exec(
                select(User.user_id).where(User.tenant_id == tenant_id, User.role == Role.OWNER)
            ).all()
        if list(owners) == [user_id]:
            raise LastOwner("the tenant's last owner cannot be removed or demoted")

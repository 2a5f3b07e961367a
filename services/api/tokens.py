"""Short-lived access tokens for signed-in users: JWTs signed with HS256.

The claims are OpenID Connect's (``iss``, ``aud``, ``sub``, ``exp``, ``iat``) plus ``tid``, the
tenant, and the header names the signing key (``kid``), so an external identity provider's
tokens can later be verified beside ours by key id.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

log = logging.getLogger(__name__)

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    tenant_id: str
    expires_at: int
    signed_in_at: int
    """When the user gave the password (``auth_time``); a refreshed token keeps it."""


class InvalidToken(ValueError):
    pass


class TokenIssuer:
    def __init__(
        self, signing_key: str, *, issuer: str, audience: str, ttl_s: int,
        max_session_s: int = 12 * 3600,
    ) -> None:
        self._key = signing_key
        # The key id is a digest of the key, so rotating the key changes it and never reveals it.
        self.key_id = hashlib.sha256(signing_key.encode()).hexdigest()[:16]
        self.issuer = issuer
        self.audience = audience
        self.ttl_s = ttl_s
        self.max_session_s = max_session_s

    def issue(self, user_id: str, tenant_id: str, signed_in_at: int | None = None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": self.audience, "sub": user_id, "tid": tenant_id,
            "iat": now, "exp": now + self.ttl_s, "jti": secrets.token_hex(8),
            "auth_time": now if signed_in_at is None else signed_in_at,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.key_id})

    def verify(self, token: str) -> TokenClaims:
        """Return the claims of a valid token; raises InvalidToken naming what is wrong."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.key_id:
                raise InvalidToken("token signed with an unknown key")
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], audience=self.audience,
                issuer=self.issuer, options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token expired: sign in again") from None
        except jwt.PyJWTError as error:
            # The library's message can quote decoder internals, so only the log gets it.
            log.debug("rejected access token: %s", error)
            raise InvalidToken("invalid or expired access token; sign in again") from None
        tenant_id = claims.get("tid")
        if not isinstance(tenant_id, str) or not isinstance(claims["sub"], str):
            raise InvalidToken("invalid token: missing tenant or subject")
        signed_in_at = int(claims.get("auth_time", claims["iat"]))
        return TokenClaims(claims["sub"], tenant_id, int(claims["exp"]), signed_in_at)

    def refresh(self, claims: TokenClaims) -> str:
        """Issue a new token for the same sign-in; raises InvalidToken once the sign-in is older
        than ``max_session_s``, so a token cannot be renewed for ever."""
        if time.time() - claims.signed_in_at > self.max_session_s:
            hours = self.max_session_s / 3600
            raise InvalidToken(f"the session started more than {hours:g} h ago: sign in again")
        return self.issue(claims.user_id, claims.tenant_id, signed_in_at=claims.signed_in_at)


def signing_key(configured: str, data_dir: Path) -> str:
    """Return the configured signing key, or one generated once into the data folder."""
    if configured:
        return configured
    path = data_dir / "token-signing-key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key

"""Password hashes with scrypt from the standard library, in a self-describing string.

``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``: the cost parameters travel with the hash, so raising
them later does not lock out users whose hashes were made with the old ones.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# n=2**14, r=8 needs 16 MiB per hash (128 * n * r bytes).
# NOTE: OWASP's password storage cheat sheet recommends n=2**17; n is lower to keep sign-in cheap on
# small machines. Each hash stores its parameters, so raising n later breaks no existing hash.
_N, _R, _P = 2**14, 8, 1
_MAX_MEMORY = 64 * 1024 * 1024
MIN_LENGTH = 10
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    return hmac.compare_digest(computed.hex(), digest)


def check_password_rules(password: str) -> None:
    """Raise ValueError when a new password is too short or too long."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"password too short: use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"password too long: use at most {MAX_LENGTH} characters")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEMORY, dklen=32)


# Verifying against this when an e-mail address is unknown takes as long as a real check, so the
# response time does not tell which addresses have accounts.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))

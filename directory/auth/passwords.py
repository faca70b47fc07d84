"""Password hashing with argon2id, at OWASP's recommended cost (19 MiB, 2 passes, 1 lane).

argon2-cffi's default (RFC 9106's 64 MiB, 3 passes, 4 lanes) took about a second per
sign-in on the two shared cores this runs on; this takes about a tenth. Hashes made with
other parameters are redone at the next sign-in.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Beyond this a "password" is an attempt to make hashing expensive.
MAX_LENGTH = 1024

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def _decoy_hash() -> str:
    return _hasher.hash("decoy password, never matches")


def spend_verification_time(password: str) -> None:
    """Verify against a decoy, so that an unknown address takes as long as a wrong password."""
    verify_password(_decoy_hash(), password)


def password_problem(password: str, minimum_length: int) -> str | None:
    """Why a new password is refused, in English for the caller to translate, or None."""
    if len(password) < minimum_length:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if not password.strip():
        return "blank"
    return None

"""Account use cases: sign in (slowed down after failures), create, change password,
end sessions, API tokens.

Operations check, change and flush; the caller commits. A failed sign-in is recorded
before the exception is raised, so the caller must commit in that case too.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import defaultload

from directory.auth import throttle
from directory.auth.models import (
    LOGIN_FAILED,
    LOGIN_SUCCEEDED,
    LOGIN_THROTTLED,
    ORGANIZATION_ROLES,
    ROLES,
    ApiToken,
    LoginAttempt,
    User,
    new_session_token,
)
from directory.auth.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    spend_verification_time,
    verify_password,
)
from directory.database import utcnow
from directory.extensions import db
from directory.institutions.models import Organization


class AuthenticationFailed(Exception):
    """Unknown address, wrong password or inactive account: deliberately not told apart."""


class TooSoon(Exception):
    """Failed attempts for this account or from this address, recently: the next one must
    wait ``retry_after`` more seconds (slowing down, never a lock-out)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class AccountInvalid(Exception):
    """Bad account data; ``fields`` maps each field to a problem code."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(f"{name}: {problem}" for name, problem in fields.items()))
        self.fields = fields


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _recent_failures(column: Any, value: str, since: datetime) -> tuple[int, datetime | None]:
    """How many failed attempts ``column == value`` made since ``since``, and the last one."""
    statement = select(func.count(LoginAttempt.id), func.max(LoginAttempt.attempted_at)).where(
        column == value,
        LoginAttempt.outcome == LOGIN_FAILED,
        LoginAttempt.attempted_at >= since,
    )
    count, last = db.session.execute(statement).one()
    return int(count or 0), last


def _last_success(email: str) -> datetime | None:
    return db.session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email, LoginAttempt.outcome == LOGIN_SUCCEEDED
        )
    )


def seconds_to_wait(email: str, ip_address: str, now: datetime) -> float:
    """How long this account, and this address, must still wait before another attempt.

    Failures count within ``LOGIN_FAILURE_WINDOW_MINUTES``; the account's since its last
    successful sign-in too (the address's do not reset: signing in to one's own account
    must not buy more guesses at others).
    """
    config = current_app.config
    since = now - timedelta(minutes=float(config["LOGIN_FAILURE_WINDOW_MINUTES"]))
    base = float(config["LOGIN_DELAY_SECONDS"])
    cap = float(config["LOGIN_MAX_DELAY_SECONDS"])
    last_success = _last_success(email)
    account_since = max(since, last_success) if last_success else since

    def wait(column: Any, value: str, counted_since: datetime, free_setting: str) -> float:
        failures, last = _recent_failures(column, value, counted_since)
        return throttle.seconds_to_wait(
            failures,
            last,
            now,
            free=int(config[free_setting]),
            base_seconds=base,
            max_seconds=cap,
        )

    account_wait = wait(LoginAttempt.email, email, account_since, "LOGIN_FREE_FAILURES_PER_ACCOUNT")
    address_wait = wait(
        LoginAttempt.ip_address, ip_address, since, "LOGIN_FREE_FAILURES_PER_ADDRESS"
    )
    return max(account_wait, address_wait)


def _record_attempt(email: str, ip_address: str, outcome: str, now: datetime) -> None:
    db.session.add(
        LoginAttempt(
            email=email[:254], ip_address=ip_address[:45], outcome=outcome, attempted_at=now
        )
    )
    db.session.flush()


def authenticate(email: str, password: str, ip_address: str, now: datetime | None = None) -> User:
    """The active account with this address and password.

    :raises TooSoon: attempted before the wait that recent failures impose is over; the
        password is not even checked.
    :raises AuthenticationFailed: anything else that is wrong.
    """
    now = now or utcnow()
    email = normalize_email(email)
    wait = seconds_to_wait(email, ip_address, now)
    if wait > 0:
        _record_attempt(email, ip_address, LOGIN_THROTTLED, now)
        raise TooSoon(max(1, math.ceil(wait)))
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        spend_verification_time(password)
        matched = False
    else:
        matched = verify_password(user.password_hash, password) and user.active
    if not matched:
        _record_attempt(email, ip_address, LOGIN_FAILED, now)
        raise AuthenticationFailed
    assert user is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    _record_attempt(email, ip_address, LOGIN_SUCCEEDED, now)
    return user


def create_user(
    *, email: str, name: str, role: str, password: str, organization_id: str | None = None
) -> User:
    """A new account. Counsellors and partners must belong to an existing organization.

    :raises AccountInvalid: with a problem code per field.
    """
    problems: dict[str, str] = {}
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems["email"] = "invalid"
    else:
        if db.session.scalar(select(User.id).where(User.email == email)):
            problems["email"] = "taken"
    name = name.strip()
    if not name or len(name) > 200:
        problems["name"] = "required" if not name else "too_long"
    if role not in ROLES:
        problems["role"] = "unknown"
    if role in ORGANIZATION_ROLES and not organization_id:
        problems["organization"] = "required"
    elif organization_id and db.session.get(Organization, organization_id) is None:
        problems["organization"] = "unknown"
    problem = password_problem(password, int(current_app.config["PASSWORD_MIN_LENGTH"]))
    if problem:
        problems["password"] = problem
    if problems:
        raise AccountInvalid(problems)
    user = User(
        email=email,
        name=name,
        role=role,
        organization_id=organization_id or None,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


def end_all_sessions(user: User) -> None:
    """Every browser session of this user ends at its next request."""
    user.session_token = new_session_token()
    db.session.flush()


def sign_out_everywhere(user: User, now: datetime | None = None) -> None:
    """ "Sign out of all devices": every browser session and every API token of the user end."""
    end_all_sessions(user)
    revoke_all_api_tokens(user, now)


def purge_login_attempts(now: datetime, retention_hours: float) -> int:
    """Forget sign-in attempts (addresses, and whatever was typed as an e-mail address)
    older than ``retention_hours``; how many were deleted."""
    cutoff = now - timedelta(hours=retention_hours)
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < cutoff))
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def change_password(user: User, current: str, new: str, now: datetime | None = None) -> None:
    """Set a new password, end every session and revoke every API token of the user.

    The caller signs the current session in again, under the new session token.

    :raises AccountInvalid: ``current_password: wrong`` or ``new_password: <problem>``.
    """
    now = now or utcnow()
    if not verify_password(user.password_hash, current):
        raise AccountInvalid({"current_password": "wrong"})
    problem = password_problem(new, int(current_app.config["PASSWORD_MIN_LENGTH"]))
    if problem:
        raise AccountInvalid({"new_password": problem})
    if new == current:
        raise AccountInvalid({"new_password": "unchanged"})
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    end_all_sessions(user)
    revoke_all_api_tokens(user, now)


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def issue_api_token(user: User, now: datetime | None = None) -> tuple[str, ApiToken]:
    """A new bearer token: the raw value (shown once) and its stored record."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    lifetime = timedelta(hours=int(current_app.config["API_TOKEN_LIFETIME_HOURS"]))
    token = ApiToken(user=user, token_hash=_digest(raw), created_at=now, expires_at=now + lifetime)
    db.session.add(token)
    db.session.flush()
    return raw, token


# Every API request starts here: built once, so that its cache key is computed once. The
# user's organization (and its taxonomy attributes, a query of their own) is loaded only if
# something asks for it.
_TOKEN_BY_HASH = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("token_hash"))
    .options(defaultload(ApiToken.user).lazyload(User.organization))
)


def find_api_token(raw_token: str, now: datetime | None = None) -> ApiToken | None:
    """The valid (unexpired, unrevoked, of an active account) token with this value."""
    now = now or utcnow()
    token = db.session.scalar(_TOKEN_BY_HASH, {"token_hash": _digest(raw_token)})
    if token is None or not token.is_valid(now):
        return None
    return token


def revoke_api_token(token: ApiToken, now: datetime | None = None) -> None:
    token.revoked_at = now or utcnow()
    db.session.flush()


def revoke_all_api_tokens(user: User, now: datetime | None = None) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    db.session.flush()

"""Idempotency keys: the same key (per account) with the same request within 24 hours gets
the first answer again and changes nothing; with another request it is refused.

A key is claimed in a transaction of its own before the request's work begins: of two
requests with one key, the unique constraint lets one claim it; the other waits for its
answer (``WAIT_SECONDS``) and gives it again. The answer is written in the same
transaction as the work (:func:`complete`), so a key has an answer exactly when the work
was committed; a request that commits nothing gives its key back (:func:`release`). A
claim left without an answer (its worker died before committing) is taken over after
``TAKEOVER_SECONDS``: nothing of it was stored.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from directory.extensions import db
from directory.idempotency.models import IdempotencyKey

LIFETIME = timedelta(hours=24)
TAKEOVER_SECONDS = 30
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05
# Visible ASCII, as RFC draft "The Idempotency-Key HTTP Header Field" suggests (a UUID, say).
KEY = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    location: str | None = None
    body: str | None = None


class KeyInvalid(Exception):
    """Not 1 to 255 visible ASCII characters."""


class KeyReused(Exception):
    """The key came with another request (method, path or body) before."""


class InProgress(Exception):
    """The first request with this key is still under way."""


def check_key(raw: str | None) -> str:
    """:raises KeyInvalid:"""
    if raw is None or not KEY.fullmatch(raw):
        raise KeyInvalid
    return raw


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and body (JSON compared by value,
    so the order of keys and the spacing do not matter)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        canonical = body.decode("latin-1")
    text = f"{method} {path}\n{canonical}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _find(user_id: str, key: str) -> IdempotencyKey | None:
    return db.session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).first()


def claim(
    user_id: str,
    key: str,
    request_fingerprint: str,
    now: datetime,
    *,
    wait_seconds: float = WAIT_SECONDS,
) -> int | StoredAnswer:
    """Claim ``key`` for this request (committed) and return the claim's id; or, for a
    repeat of a request that was answered, its :class:`StoredAnswer`.

    :raises KeyReused: the key came with another request within 24 hours.
    :raises InProgress: the first request is still under way after ``wait_seconds``.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        found = _find(user_id, key)
        if found is not None and found.created_at <= now - LIFETIME:
            db.session.delete(found)
            db.session.commit()
            continue
        if found is None:
            record = IdempotencyKey(
                user_id=user_id, key=key, fingerprint=request_fingerprint, created_at=now
            )
            db.session.add(record)
            try:
                db.session.flush()
                claim_id = record.id
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                continue
            return claim_id
        if found.fingerprint != request_fingerprint:
            db.session.rollback()
            raise KeyReused
        if found.status_code is not None:
            answer = StoredAnswer(found.status_code, found.location, found.response_body)
            db.session.rollback()
            return answer
        if found.created_at <= now - timedelta(seconds=TAKEOVER_SECONDS):
            taken = db.session.execute(
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.id == found.id,
                    IdempotencyKey.status_code.is_(None),
                    IdempotencyKey.created_at == found.created_at,
                )
                .values(created_at=now)
            )
            db.session.commit()
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return found.id
            continue
        db.session.rollback()
        if time.monotonic() >= deadline:
            raise InProgress
        time.sleep(POLL_SECONDS)


def complete(claim_id: int, answer: StoredAnswer) -> None:
    """Store the answer in the current transaction (the one that stores the work)."""
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claim_id)
        .values(
            status_code=answer.status_code,
            location=answer.location,
            response_body=answer.body,
        )
    )


def finish(claim_id: int, answer: StoredAnswer) -> None:
    """Store the answer of a request that changed nothing (a refusal), and commit."""
    complete(claim_id, answer)
    db.session.commit()


def release(claim_id: int) -> None:
    """Give the key back: the request committed nothing and may be sent again."""
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.id == claim_id, IdempotencyKey.status_code.is_(None)
        )
    )
    db.session.commit()


def purge_expired(now: datetime) -> int:
    """Forget keys older than 24 hours; flushed, not committed. Returns how many."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - LIFETIME)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

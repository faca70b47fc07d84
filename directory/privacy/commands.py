"""``flask privacy generate-key | rotate-key | purge``."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Table, select, update

from directory.crypto import EncryptedText, cipher, generate_key
from directory.database import utcnow
from directory.extensions import db
from directory.idempotency import operations as idempotency
from directory.privacy.retention import purge_expired
from directory.referrals.guards import rewriting_event_texts
from directory.referrals.models import Referral

privacy_cli = AppGroup("privacy", help="Client data: encryption keys and retention.")


def encrypted_columns() -> dict[Table, list[str]]:
    """Every table with client data, and its encrypted columns."""
    found: dict[Table, list[str]] = {}
    for table in db.metadata.sorted_tables:
        names = [column.name for column in table.columns if isinstance(column.type, EncryptedText)]
        if names:
            found[table] = names
    return found


def reencrypt_all() -> int:
    """Re-encrypt every client-data value with the newest key, and recompute the reference
    hashes (derived from the newest key); returns the rows rewritten. The caller commits."""
    rewritten = 0
    # Events are immutable to the database too: it lets their texts be rewritten here.
    with rewriting_event_texts(db.session):
        for table, names in encrypted_columns().items():
            rewritten += _reencrypt_table(table, names)
    return rewritten


def _reencrypt_table(table: Table, names: list[str]) -> int:
    key = table.primary_key.columns.values()[0]
    # Read through the column type (any configured key decrypts), write back through it
    # (the newest key encrypts). Core statements: events are immutable to the ORM.
    rows = db.session.execute(select(key, *(table.c[name] for name in names))).all()
    for row in rows:
        values = {name: row._mapping[name] for name in names}
        if table is Referral.__table__:
            values["client_reference_hash"] = cipher().reference_hash(values["client_reference"])
        db.session.execute(update(table).where(key == row[0]).values(**values))
    return len(rows)


@privacy_cli.command("generate-key")
def generate_key_command() -> None:
    """Print a new client-data key (put it first in CLIENT_DATA_KEYS, then rotate-key)."""
    click.echo(generate_key())


@privacy_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Re-encrypt all client data with the first key of CLIENT_DATA_KEYS.

    Set CLIENT_DATA_KEYS to "NEW,OLD", run this, then drop OLD.
    """
    rewritten = reencrypt_all()
    db.session.commit()
    keys = len(current_app.config["CLIENT_DATA_KEYS"])
    click.echo(f"re-encrypted {rewritten} rows with the newest of {keys} keys")


def purge_now(now: datetime | None = None) -> int:
    """Purge what retention says is due (``RETENTION_DAYS``), commit; how many."""
    count = purge_expired(now or utcnow(), int(current_app.config["RETENTION_DAYS"]))
    db.session.commit()
    return count


@privacy_cli.command("purge")
def purge_command() -> None:
    """Purge client data of referrals ended more than RETENTION_DAYS ago (not held)."""
    count = purge_now()
    days = current_app.config["RETENTION_DAYS"]
    click.echo(f"purged client data of {count} referrals ended over {days} days ago")


def purge_idempotency_keys(now: datetime | None = None) -> int:
    """Forget idempotency keys (and the answers they keep) older than 24 hours; commit."""
    count = idempotency.purge_expired(now or utcnow())
    db.session.commit()
    return count


@privacy_cli.command("purge-keys")
def purge_keys_command() -> None:
    """Forget idempotency keys older than 24 hours (the worker does this every round)."""
    count = purge_idempotency_keys()
    click.echo(f"forgot {count} idempotency keys older than 24 hours")

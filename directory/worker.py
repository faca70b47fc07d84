"""The worker: ``flask notifications worker`` runs :func:`worker_round` until stopped.

Each round sends the waiting notification e-mail (``flask notifications send``), runs the
retention purge (``flask privacy purge``), the stale-listing reminders (``flask listings
remind-stale``) and the overdue referrals' reminders and escalations (``flask referrals
remind-overdue``), forgets old sign-in attempts (``flask user purge-attempts``) and staged
spreadsheets past 30 days; each is cheap when there is nothing to do.

It sits at the top, beside the app factory: it calls into several features (notifications,
listings, privacy, referrals, sheets, auth), and none of them knows of it."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from directory.auth.commands import purge_attempts_now
from directory.database import utcnow
from directory.extensions import db
from directory.listings.stale import remind_stale
from directory.notifications.commands import send_once
from directory.privacy.commands import purge_idempotency_keys, purge_now
from directory.referrals.commands import remind_overdue_now
from directory.sheets.operations import STAGED_RETENTION, forget_old_imports


@click.command("worker")
@with_appcontext
@click.option("--interval", default=30, show_default=True, help="Seconds between rounds.")
def worker_command(interval: int) -> None:
    """Send waiting e-mails, purge client data past retention and remind the staff of
    stale listings, every INTERVAL seconds until stopped (Ctrl+C)."""
    click.echo(f"sending notification e-mail every {interval} s; Ctrl+C stops")
    try:
        while True:
            for line in worker_round():
                click.echo(line)
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped")


def worker_round() -> list[str]:
    """One round of the worker, each step committed; a line for each step that did something."""
    lines = []
    reminded = remind_stale(utcnow())
    db.session.commit()
    if reminded:
        lines.append(f"listings: reminded the staff of {len(reminded)} stale listing(s)")
    lines.extend(remind_overdue_now(utcnow()))
    sent, failed = send_once(100)
    if sent or failed:
        lines.append(f"e-mail: {sent} sent, {failed} failed")
    purged = purge_now()
    if purged:
        lines.append(f"retention: purged client data of {purged} referrals")
    forgotten = purge_attempts_now()
    if forgotten:
        lines.append(f"sign-in attempts: deleted {forgotten} past retention")
    keys = purge_idempotency_keys()
    if keys:
        lines.append(f"idempotency: forgot {keys} keys older than 24 hours")
    sheets = forget_old_imports(utcnow())
    db.session.commit()
    if sheets:
        days = STAGED_RETENTION.days
        lines.append(f"spreadsheets: forgot {sheets} staged import(s) older than {days} days")
    return lines

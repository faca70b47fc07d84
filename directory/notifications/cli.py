"""``flask notifications send`` (once) and ``flask notifications worker`` (until stopped).

The worker also runs the retention purge (``flask privacy purge``), the stale-listing
reminders (``flask listings remind-stale``), the overdue referrals' reminders (``flask
referrals remind-overdue``) and forgets old sign-in attempts (``flask user
purge-attempts``) every round; each is cheap when there is nothing to do."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from directory.auth.cli import purge_attempts_now
from directory.database import utcnow
from directory.extensions import db
from directory.listings.stale import remind_stale
from directory.notifications.mail import deliverer_for, send_pending
from directory.privacy.commands import purge_idempotency_keys, purge_now
from directory.referrals.commands import remind_overdue_now

notifications_cli = AppGroup("notifications", help="Send notification e-mail.")


def _send_once(limit: int) -> tuple[int, int]:
    config = current_app.config
    deliver = deliverer_for(config, Path(current_app.instance_path))
    return send_pending(config, deliver, limit=limit)


@notifications_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="At most this many e-mails.")
def send_command(limit: int) -> None:
    """Send the waiting e-mails once."""
    sent, failed = _send_once(limit)
    click.echo(f"e-mail: {sent} sent, {failed} failed")


@notifications_cli.command("worker")
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
    sent, failed = _send_once(100)
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
    return lines

"""``flask notifications send``: send the waiting e-mails once. The worker that sends them
every round is :mod:`directory.worker` (``flask notifications worker``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from directory.notifications.mail import deliverer_for, send_pending

notifications_cli = AppGroup("notifications", help="Send notification e-mail.")


def send_once(limit: int) -> tuple[int, int]:
    config = current_app.config
    deliver = deliverer_for(config, Path(current_app.instance_path))
    return send_pending(config, deliver, limit=limit)


@notifications_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="At most this many e-mails.")
def send_command(limit: int) -> None:
    """Send the waiting e-mails once."""
    sent, failed = send_once(limit)
    click.echo(f"e-mail: {sent} sent, {failed} failed")

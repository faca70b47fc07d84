"""``flask listings remind-stale``: remind the staff of listings left unverified."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from directory.database import utcnow
from directory.extensions import db
from directory.listings import stale

listings_cli = AppGroup("listings", help="Partner listings.")


@listings_cli.command("remind-stale")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Act as if it were this moment (ISO 8601 with offset); for trying it out.",
)
def remind_stale_command(now_text: str | None) -> None:
    """Remind the staff of listings unverified for six months (at most every 30 days).

    Safe to run as often as wanted, from cron for instance once a day."""
    now = utcnow()
    if now_text:
        now = datetime.fromisoformat(now_text)
        if now.tzinfo is None:
            raise click.BadParameter("give the offset, e.g. 2027-06-01T08:00:00+00:00")
    reminded = stale.remind_stale(now)
    db.session.commit()
    click.echo(f"listings: reminded the staff of {len(reminded)} stale listing(s)")

"""``flask --app directory referrals remind-overdue [--now ISO]``: for cron when the
notifications worker (which runs it every round) does not run."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from directory.database import utcnow
from directory.extensions import db
from directory.referrals.reminders import remind_overdue

referrals_cli = AppGroup("referrals", help="Referrals: reminders of overdue answers.")


@referrals_cli.command("remind-overdue")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Act as if it were this moment (ISO 8601 with offset); for trying it out.",
)
def remind_overdue_command(now_text: str | None) -> None:
    """Remind the receiver of each referral past its response deadline (once), and tell
    the network coordinators of those still unanswered a working day later (once).

    Safe to run as often as wanted: nothing is sent twice."""
    now = utcnow()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter("not an ISO 8601 moment", param_hint="--now") from None
        if now.tzinfo is None:
            raise click.BadParameter(
                "give the offset, e.g. 2027-06-01T08:00:00+07:00", param_hint="--now"
            )
    done = remind_overdue(now)
    db.session.commit()
    click.echo(f"overdue referrals: {len(done.reminded)} reminded, {len(done.escalated)} escalated")
    for reference in done.reminded:
        click.echo(f"  reminded: {reference}")
    for reference in done.escalated:
        click.echo(f"  escalated: {reference}")


def remind_overdue_now(now: datetime) -> list[str]:
    """A round of the notifications worker: remind and escalate, commit, and a line when
    anything was done."""
    done = remind_overdue(now)
    db.session.commit()
    if not (done.reminded or done.escalated):
        return []
    return [f"overdue referrals: {len(done.reminded)} reminded, {len(done.escalated)} escalated"]

"""``flask user create --email E --name N --role R [--organization ID] --password-stdin``,
``flask user purge-attempts``."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from directory.auth.models import ROLES
from directory.auth.operations import AccountInvalid, create_user, purge_login_attempts
from directory.database import utcnow
from directory.extensions import db

user_cli = AppGroup("user", help="Manage accounts.")

PROBLEMS = {
    ("email", "invalid"): "not a valid e-mail address",
    ("email", "taken"): "an account with this address exists",
    ("name", "required"): "a name is required",
    ("name", "too_long"): "at most 200 characters",
    ("role", "unknown"): f"one of {', '.join(ROLES)}",
    ("organization", "required"): "counsellors and partners belong to an organization",
    ("organization", "unknown"): "no organization with this id",
    ("password", "too_short"): "too short",
    ("password", "too_long"): "too long",
    ("password", "blank"): "only spaces",
}


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--organization", "organization_id", default=None, help="Organization id.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def create_command(
    email: str, name: str, role: str, organization_id: str | None, password_stdin: bool
) -> None:
    """Create an account. Without --password-stdin the password is asked for."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            email=email,
            name=name,
            role=role,
            password=password,
            organization_id=organization_id,
        )
    except AccountInvalid as error:
        db.session.rollback()
        lines = [
            f"{field}: {PROBLEMS.get((field, problem), problem)}"
            for field, problem in error.fields.items()
        ]
        raise click.ClickException("; ".join(lines)) from None
    db.session.commit()
    click.echo(f"created {user.role} {user.email} ({user.id})")


def purge_attempts_now() -> int:
    """Delete sign-in attempts older than ``LOGIN_ATTEMPT_RETENTION_HOURS``, commit; how many."""
    hours = float(current_app.config["LOGIN_ATTEMPT_RETENTION_HOURS"])
    count = purge_login_attempts(utcnow(), hours)
    db.session.commit()
    return count


@user_cli.command("purge-attempts")
def purge_attempts_command() -> None:
    """Forget sign-in attempts older than LOGIN_ATTEMPT_RETENTION_HOURS (the notifications
    worker does this every round)."""
    count = purge_attempts_now()
    hours = current_app.config["LOGIN_ATTEMPT_RETENTION_HOURS"]
    click.echo(f"deleted {count} sign-in attempts older than {hours} hours")


@user_cli.command("set-province")
@click.argument("email")
@click.argument("province", required=False)
def set_province_command(email: str, province: str | None) -> None:
    """Make the coordinator (administrator) EMAIL responsible for PROVINCE (its two-digit
    Kemendagri code, e.g. 36 for Banten): overdue referrals there are escalated to them.
    Without PROVINCE, responsible for everywhere again."""
    from sqlalchemy import select

    from directory.auth.models import User
    from directory.geo.models import Region

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account {email}")
    if not user.is_admin:
        raise click.ClickException("only coordinators (administrators) are given a province")
    if province is not None:
        region = db.session.get(Region, province.strip())
        if region is None or region.level != "provinsi":
            raise click.ClickException(f"{province}: not a province code (e.g. 36 for Banten)")
        user.province_code = region.code
    else:
        user.province_code = None
    db.session.commit()
    where = province or "every province"
    click.echo(f"{user.email}: coordinator for {where}")

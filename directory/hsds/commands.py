"""``flask hsds import PATH`` and ``flask hsds export PATH``: HSDS 3.0 exchange."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from directory.auth.models import User
from directory.auth.passwords import verify_password
from directory.extensions import db
from directory.hsds.exporter import count_organizations, export_path, is_json_path
from directory.hsds.importer import ImportReport, import_source, read_path

# Fewer records than this import without a progress bar.
PROGRESS_FROM = 20

hsds_cli = AppGroup("hsds", help="Exchange the directory as Open Referral HSDS 3.0.")


def run_import(path: Path, *, brief: bool = False) -> ImportReport:
    """Import ``path`` with a progress bar, print the summary (one line if ``brief``,
    else a line per kind of row) and every problem.

    The caller commits. Shared by ``hsds import`` and ``seed load``.
    """
    source = read_path(path)
    if len(source.records) >= PROGRESS_FROM:
        with click.progressbar(
            length=len(source.records),
            label=f"Importing {source.name}",
            file=sys.stderr,
        ) as bar:
            report = import_source(db.session, source, progress=bar.update)
    else:
        report = import_source(db.session, source)
    if brief:
        click.echo(f"{source.name}: {report.summary_line()}")
    else:
        click.echo(f"{source.name}:")
        for line in report.summary_lines():
            click.echo(f"  {line}")
    for problem in report.problems:
        click.echo(f"  problem: {problem}")
    return report


@hsds_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
def import_command(path: Path) -> None:
    """Import PATH into the directory: a JSON file holding one HSDS organization,
    service, location, taxonomy or taxonomy term, a list of them or an HSDS page
    (its "contents"); or a folder of HSDS CSV files (organizations.csv, services.csv,
    locations.csv, ...).

    Records are matched by id: importing the same file twice changes nothing. A bad
    record is reported with its place (file, index or row, field) and the reason, and
    is not stored; the good ones still load.

    Exit status: 0 when records were read, even if some were skipped (see the problems
    listed); 1 when nothing could be read at all (no such file or folder, not JSON or
    CSV, no HSDS record in it).
    """
    report = run_import(path)
    db.session.commit()
    if report.records_found == 0:
        raise click.exceptions.Exit(1)


@hsds_cli.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--include-confidential",
    is_flag=True,
    help="Keep the real whereabouts of confidential locations (safe houses): coordinates, "
    "addresses, phones, districts. Needs --admin. Only for a trusted full backup: never "
    "publish such a file.",
)
@click.option(
    "--admin",
    "admin_email",
    metavar="EMAIL",
    help="The administrator taking a --include-confidential export (asked for the password).",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the admin's password from the first line of stdin."
)
def export_command(
    path: Path, include_confidential: bool, admin_email: str | None, password_stdin: bool
) -> None:
    """Export the directory to PATH: a JSON array of nested organizations when PATH
    ends in .json, else a folder of HSDS CSV files (taxonomies included), which
    `flask hsds import` reads back.

    Confidential locations are written as the public API shows them (their regency,
    nothing finer) unless --include-confidential is given by an administrator; such a
    file is readable by its owner only. Nothing about clients or referrals is exported.
    """
    if not is_json_path(path) and path.exists() and not path.is_dir():
        raise click.BadParameter("a CSV export needs a folder, or a path ending in .json")
    if include_confidential:
        admin = _confirmed_admin(admin_email, password_stdin)
        current_app.logger.warning(
            "HSDS export with the whereabouts of confidential locations, by %s", admin.email
        )
    elif admin_email:
        raise click.UsageError("--admin is only needed with --include-confidential")
    total = count_organizations(db.session)
    with click.progressbar(length=total, label="Exporting", file=sys.stderr) as bar:
        summary = export_path(
            db.session, path, include_confidential=include_confidential, progress=bar.update
        )
    counts = ", ".join(f"{count} {kind}" for kind, count in summary.counts.items())
    click.echo(f"Wrote {path}: {counts}")
    if summary.confidential_hidden:
        click.echo(
            f"{summary.confidential_hidden} confidential location(s): written as the public "
            "sees them (regency only; no coordinates, address or phones)."
        )
    if summary.confidential_included:
        click.echo(
            f"Warning: {path} holds the real whereabouts (coordinates, addresses, phones) of "
            f"{summary.confidential_included} confidential location(s). It is readable by "
            "its owner only: keep it so, never publish or send it.",
            err=True,
        )


def _confirmed_admin(email: str | None, password_stdin: bool) -> User:
    """The active administrator who asks for the real whereabouts of safe houses.

    :raises click.UsageError: no ``--admin`` given.
    :raises click.ClickException: not an active administrator, or a wrong password.
    """
    if not email:
        raise click.UsageError(
            "--include-confidential writes where safe houses are: it needs --admin EMAIL "
            "of an active administrator (and the password)."
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, err=True)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if (
        user is None
        or not user.active
        or not user.is_admin
        or not verify_password(user.password_hash, password)
    ):
        raise click.ClickException(
            "not an active administrator, or a wrong password: nothing was exported"
        )
    return user

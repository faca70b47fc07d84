"""``flask hsds import PATH`` and ``flask hsds export PATH``: HSDS 3.0 exchange."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

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
    help="Keep the coordinates and street addresses of confidential locations (safe "
    "houses). Only for a trusted full backup: never publish such a file.",
)
def export_command(path: Path, include_confidential: bool) -> None:
    """Export the directory to PATH: a JSON array of nested organizations when PATH
    ends in .json, else a folder of HSDS CSV files (taxonomies included), which
    `flask hsds import` reads back.

    Confidential locations keep neither coordinates nor street address unless
    --include-confidential is given. Nothing about clients or referrals is exported.
    """
    if not is_json_path(path) and path.exists() and not path.is_dir():
        raise click.BadParameter("a CSV export needs a folder, or a path ending in .json")
    total = count_organizations(db.session)
    with click.progressbar(length=total, label="Exporting", file=sys.stderr) as bar:
        summary = export_path(
            db.session, path, include_confidential=include_confidential, progress=bar.update
        )
    counts = ", ".join(f"{count} {kind}" for kind, count in summary.counts.items())
    click.echo(f"Wrote {path}: {counts}")
    if summary.confidential_hidden:
        click.echo(
            f"{summary.confidential_hidden} confidential location(s): coordinates and "
            "street address left out."
        )
    if summary.confidential_included:
        click.echo(
            f"Warning: holds the coordinates and addresses of "
            f"{summary.confidential_included} confidential location(s). Keep it private."
        )

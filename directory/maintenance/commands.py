"""``flask db backup PATH`` and ``flask db restore PATH``, beside Flask-Migrate's commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from directory.extensions import db
from directory.maintenance.backup import BackupError, backup_database, restore_database


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent backup of the live database to PATH."""
    try:
        backup_database(db.engine.url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {path} ({path.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH."""
    if not yes:
        click.confirm(f"Replace every record of the database with {path}?", abort=True)
    db.session.remove()
    try:
        restore_database(db.engine.url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    db.engine.dispose()
    click.echo(f"restored from {path}")

"""Command-line interface: ``flask --app directory <group> <command>``."""

from flask import Flask


def register(app: Flask) -> None:
    from flask_migrate.cli import db as database_cli

    from directory.maintenance.commands import backup_command, restore_command
    from directory.seeding import seed_cli

    app.cli.add_command(seed_cli)
    # Backups sit beside Flask-Migrate's `flask db upgrade`: `flask db backup PATH`.
    database_cli.add_command(backup_command)
    database_cli.add_command(restore_command)

"""Command-line interface: ``flask --app directory <group> <command>``."""

from flask import Flask


def register(app: Flask) -> None:
    from flask_migrate.cli import db as database_cli

    from directory.auth.cli import user_cli
    from directory.hsds.commands import hsds_cli
    from directory.maintenance.commands import backup_command, restore_command
    from directory.notifications.cli import notifications_cli
    from directory.privacy.commands import privacy_cli
    from directory.referrals.commands import referrals_cli
    from directory.search.commands import search_cli
    from directory.seeding import seed_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(hsds_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(referrals_cli)
    # Backups sit beside Flask-Migrate's `flask db upgrade`: `flask db backup PATH`.
    database_cli.add_command(backup_command)
    database_cli.add_command(restore_command)

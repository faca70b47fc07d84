"""Command-line interface: ``flask --app directory <group> <command>``."""

from flask import Flask


def register(app: Flask) -> None:
    from directory.seeding import seed_cli

    app.cli.add_command(seed_cli)

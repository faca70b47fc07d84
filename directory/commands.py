"""The command line: ``flask --app directory <group> <command>``.

:func:`register` adds every feature's commands (each in its ``<feature>/commands.py``) and
the worker (:mod:`directory.worker`) to the app. The app-wide ``flask seed load`` lives
here: the gazetteer, the taxonomies and the demonstration directory."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from directory.auth.demo import create_demo_accounts
from directory.database import utcnow
from directory.extensions import db
from directory.geo.regions import load_regions
from directory.hsds.commands import run_import
from directory.referrals.demonstration import load_history
from directory.resources import resource_dir
from directory.search.lay_words import load_lay_words
from directory.security import is_production

SEED_DIR = resource_dir("seed")
# HSDS files loaded after the regions, in this order (the terms before what links them).
SEED_HSDS_FILES = ("taxonomy_terms.json", "organizations.json")
# The words people use for the terms (``directory.search.lay_words``).
LAY_WORDS_FILE = "lay_words.csv"
# The invented institutions of the demonstration directory: not for production unless asked.
DEMONSTRATION_FILES = frozenset({"organizations.json"})

seed_cli = AppGroup("seed", help="Load seed data.")


@seed_cli.command("load")
@click.option(
    "--demo/--no-demo",
    default=None,
    help="Also create demo accounts (default: in demo mode). Refused in production.",
)
@click.option(
    "--demo-institutions/--no-demo-institutions",
    default=None,
    help="Also import the demonstration institutions (default: in demo mode, or with --demo).",
)
def load_command(demo: bool | None, demo_institutions: bool | None) -> None:
    """Load seed/ into the database; safe to run again."""
    demo_mode = bool(current_app.config["DEMO_MODE"])
    if demo is None:
        demo = demo_mode
    if demo and is_production(current_app.config):
        raise click.ClickException(
            "demo accounts have a published password: not in production mode "
            "(set DIRECTORY_DEMO=1 for a demonstration)"
        )
    if demo_institutions is None:
        demo_institutions = demo_mode or demo
    added = load_regions(db.session, SEED_DIR / "regions.csv")
    db.session.commit()
    click.echo(f"regions: {added} added")
    for name in SEED_HSDS_FILES:
        if name in DEMONSTRATION_FILES and not demo_institutions:
            click.echo(
                f"{name}: demonstration institutions skipped "
                "(not in demo mode; --demo-institutions imports them)"
            )
            continue
        if not (SEED_DIR / name).is_file():
            click.echo(f"{name}: not found, skipped")
            continue
        run_import(SEED_DIR / name, brief=True)
        db.session.commit()
    if (SEED_DIR / LAY_WORDS_FILE).is_file():
        added, unknown = load_lay_words(db.session, SEED_DIR / LAY_WORDS_FILE)
        db.session.commit()
        click.echo(f"{LAY_WORDS_FILE}: {added} words added")
        if unknown:
            click.echo(f"{LAY_WORDS_FILE}: no term with the code {', '.join(unknown)}")
    if demo:
        for line in create_demo_accounts():
            click.echo(f"demo account {line}")
        db.session.commit()
        made = load_history(utcnow())
        db.session.commit()
        click.echo(f"demonstration referrals: {made} added over the past year")


@seed_cli.command("remove-demo")
def remove_demo_command() -> None:
    """Remove demo accounts, demonstration institutions and the demonstration referrals
    (before a production start).

    Deleted where nothing refers to them; an account that acted, or an institution with
    referrals, is deactivated instead, keeping its history.
    """
    from directory.demonstration import remove_demo_data

    removal = remove_demo_data()
    db.session.commit()
    click.echo(f"demonstration referrals: {removal.deleted_referrals} deleted")
    click.echo(
        f"demo accounts: {len(removal.deleted_accounts)} deleted, "
        f"{len(removal.deactivated_accounts)} deactivated (kept for their history)"
    )
    click.echo(
        f"demonstration institutions: {len(removal.deleted_organizations)} deleted, "
        f"{len(removal.deactivated_organizations)} deactivated (they have referrals)"
    )


def register(app: Flask) -> None:
    from flask_migrate.cli import db as database_cli

    from directory.auth.commands import user_cli
    from directory.hsds.commands import hsds_cli
    from directory.listings.commands import listings_cli
    from directory.maintenance.commands import backup_command, restore_command
    from directory.notifications.commands import notifications_cli
    from directory.privacy.commands import privacy_cli
    from directory.referrals.commands import referrals_cli
    from directory.search.commands import search_cli
    from directory.sheets.commands import directory_cli
    from directory.worker import worker_command

    app.cli.add_command(seed_cli)
    app.cli.add_command(hsds_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(listings_cli)
    # The worker sits at the top (directory/worker.py) but is started as a notifications command.
    notifications_cli.add_command(worker_command)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(referrals_cli)
    app.cli.add_command(directory_cli)
    # Backups sit beside Flask-Migrate's `flask db upgrade`: `flask db backup PATH`.
    database_cli.add_command(backup_command)
    database_cli.add_command(restore_command)

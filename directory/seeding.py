"""``flask seed load``: the gazetteer, the taxonomies and the demonstration directory."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from directory.auth.demo import create_demo_accounts
from directory.extensions import db
from directory.geo.regions import load_regions
from directory.hsds.commands import run_import
from directory.resources import resource_dir
from directory.search.lay_words import load_lay_words

SEED_DIR = resource_dir("seed")
# HSDS files loaded after the regions, in this order (the terms before what links them).
SEED_HSDS_FILES = ("taxonomy_terms.json", "organizations.json")
# The words people use for the terms (``directory.search.lay_words``).
LAY_WORDS_FILE = "lay_words.csv"

seed_cli = AppGroup("seed", help="Load seed data.")


@seed_cli.command("load")
@click.option("--demo/--no-demo", default=None, help="Also create demo accounts.")
def load_command(demo: bool | None) -> None:
    """Load seed/ into the database; safe to run again."""
    if demo is None:
        demo = bool(current_app.config["DEMO_MODE"])
    added = load_regions(db.session, SEED_DIR / "regions.csv")
    db.session.commit()
    click.echo(f"regions: {added} added")
    for name in SEED_HSDS_FILES:
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

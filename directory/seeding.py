"""``flask seed load``: the gazetteer, the taxonomies and the demonstration directory."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from directory.extensions import db
from directory.geo.regions import load_regions

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"

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

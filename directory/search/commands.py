"""``flask search ...``: rebuild the index, apply the change log once or keep following it."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from directory.extensions import db
from directory.search import follower
from directory.search.records import count_services
from directory.search.service import keep_current, state_of

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Rebuild the index from the database into a new folder, then swap it in."""
    state = state_of(current_app)
    total = count_services(db.session)
    started = time.perf_counter()
    with click.progressbar(length=total, label="Mengindeks layanan") as bar:
        indexed = follower.rebuild(
            db.session,
            state.folder,
            bar.update,
            bulk=state.bulk_writer,
            parallel=state.parallel_build,
        )
    elapsed = time.perf_counter() - started
    click.echo(f"search index: {indexed} services in {elapsed:.1f} s ({state.folder.current()})")


@search_cli.command("update")
def update_command() -> None:
    """Apply the change log past the index's cursor once (rebuild if there is no index)."""
    state = state_of(current_app)
    click.echo(f"search index: {keep_current(state, blocking=True)}")


@search_cli.command("follow")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks.")
def follow_command(interval: float) -> None:
    """Keep applying the change log until interrupted (a follower process of its own)."""
    state = state_of(current_app)
    click.echo("following the change log; Ctrl-C to stop")
    try:
        while True:
            outcome = keep_current(state, blocking=True)
            if outcome not in ("applied 0", "busy"):
                click.echo(f"search index: {outcome}")
            db.session.remove()
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped")


@search_cli.command("status")
def status_command() -> None:
    """Where the index is, its cursor, and how many log entries wait."""
    state = state_of(current_app)
    build = state.folder.current()
    click.echo(f"index: {build or 'none'}")
    click.echo(f"cursor: {state.folder.cursor()}")
    click.echo(f"pending: {follower.pending(db.session, state.folder)}")

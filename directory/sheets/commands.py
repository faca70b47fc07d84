"""``flask directory import-sheet PATH``: a spreadsheet of institutions into the directory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from directory.auth.models import User
from directory.demonstration import CommandActor
from directory.extensions import db
from directory.sheets import messages
from directory.sheets import operations as ops
from directory.sheets.mapping import FIELDS, looks_like_header
from directory.sheets.models import SheetImport
from directory.sheets.reading import SheetUnreadable, read_sheet

directory_cli = AppGroup("directory", help="Grow the directory from other lists.")

# Who the audit trail names when no --admin is given (as `seed remove-demo` does).
COMMAND_ACTOR = "command: flask directory import-sheet"


def _actor(email: str | None) -> User:
    if not email:
        return CommandActor(email=COMMAND_ACTOR)  # type: ignore[return-value]
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not user.is_admin:
        raise click.ClickException(f"{email}: bukan akun admin yang aktif")
    return user


def _row_lines(staged: Any) -> list[str]:
    """Every problem, by row and column, in Indonesian."""
    columns = {field: header for header, field in staged.mapping.items()}
    lines = []
    for row in staged.analysis["rows"]:
        for field, code, severity, value in row["problems"]:
            column = columns.get(field) or messages.field_label(field)
            kind = "galat" if severity == "error" else "peringatan"
            lines.append(
                f"baris {row['n']}, kolom '{column}': {kind}: {messages.problem(code, value)}"
            )
    return lines


@directory_cli.command("import-sheet")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--map",
    "overrides",
    multiple=True,
    metavar="KOLOM=ISIAN",
    help=f"Map a column to a field (or to nothing: KOLOM=). Fields: {', '.join(FIELDS)}.",
)
@click.option(
    "--duplicates",
    type=click.Choice(["skip", "new", "merge", "ask"]),
    default="skip",
    show_default=True,
    help="Rows that may duplicate an organization: skip them, add them as new, merge each "
    "into its best match, or ask for each.",
)
@click.option("--ask-places", is_flag=True, help="Ask which region an ambiguous place means.")
@click.option("--admin", "admin_email", metavar="EMAIL", help="The admin named in the audit.")
@click.option("--dry-run", is_flag=True, help="Check and report only; store nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation before writing.")
def import_sheet_command(
    path: Path,
    overrides: tuple[str, ...],
    duplicates: str,
    ask_places: bool,
    admin_email: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Import the institutions listed in PATH (.xlsx or .csv): map its columns (the
    mapping saved for the same headers, else suggested from their names), check each
    row, place it in the gazetteer, find possible duplicates, then, once confirmed,
    add the rows as unverified listings (audited, in the change log and search).

    Every problem is printed by row and column. Exit status 1 when the file cannot be
    read or its mapping is incomplete.
    """
    actor = _actor(admin_email)
    try:
        sheet = read_sheet(path.read_bytes(), path.name, looks_like_header)
    except SheetUnreadable as error:
        raise click.ClickException(messages.unreadable(error.code, error.limit)) from error
    staged = ops.stage(actor if actor.id else None, sheet, path.name)
    mapping = dict(staged.mapping)
    for override in overrides:
        header, _, field = override.partition("=")
        if header not in staged.headers or (field and field not in FIELDS):
            raise click.ClickException(f"--map {override}: kolom atau isian tidak dikenal")
        mapping = {h: f for h, f in mapping.items() if h != header and f != field}
        if field:
            mapping[header] = field
    click.echo(f"{path.name}: {len(sheet.rows)} baris")
    for header in staged.headers:
        mapped = mapping.get(header)
        click.echo(f"  {header} -> {messages.field_label(mapped) if mapped else '(diabaikan)'}")
    try:
        with click.progressbar(length=len(sheet.rows), label="Memeriksa", file=sys.stderr) as bar:
            ops.confirm_mapping(actor if actor.id else None, staged, mapping, bar.update)
    except ops.MappingInvalid as error:
        db.session.rollback()
        problems = "; ".join(messages.mapping_problem(code) for code in error.codes)
        raise click.ClickException(problems) from error
    for line in _row_lines(staged):
        click.echo(f"  {line}")
    _ask(staged, duplicates, ask_places)
    planned = ops.counts(staged)
    click.echo(
        f"Rencana: {planned['create']} dibuat, {planned['merge']} digabungkan, "
        f"{planned['skip']} dilewati (mungkin duplikat), {planned['error']} tidak diimpor "
        "(lihat galat di atas)"
    )
    if dry_run or not (planned["create"] or planned["merge"]):
        db.session.rollback()
        click.echo("Tidak ada yang disimpan.")
        return
    if not yes and not click.confirm("Simpan ke direktori?", default=False):
        db.session.rollback()
        click.echo("Dibatalkan: tidak ada yang disimpan.")
        return
    ops.start(staged)
    db.session.commit()
    with click.progressbar(length=staged.total, label="Mengimpor", file=sys.stderr) as bar:
        while True:
            locked = db.session.get(
                SheetImport, staged.id, with_for_update=True, populate_existing=True
            )
            handled = ops.write_batch(actor, locked) if locked is not None else 0
            db.session.commit()
            if not handled:
                break
            bar.update(handled)
    done = ops.result_counts(staged)
    click.echo(
        f"Selesai: {done['created']} dibuat, {done['merged']} digabungkan, "
        f"{done['skipped']} dilewati, {done['error']} tidak diimpor"
    )
    for number, result in sorted(staged.results.items(), key=lambda item: int(item[0])):
        if result["outcome"] == "error" and result.get("reason") == "refused":
            click.echo(f"  baris {number}: ditolak basis data ({', '.join(result['fields'])})")


def _ask(staged: Any, duplicates: str, ask_places: bool) -> None:
    places: dict[str, str] = {}
    rows: dict[str, str] = {}
    if ask_places:
        for key, place in staged.analysis["places"].items():
            if place["status"] != "ambiguous":
                continue
            click.echo(f"Wilayah ambigu: {key.replace(' | ', ', ').strip(', ')}")
            for number, (code, label) in enumerate(place["candidates"], start=1):
                click.echo(f"  {number}. {label} ({code})")
            picked = click.prompt(
                "Pilih nomor (0: lewati)",
                type=click.IntRange(0, len(place["candidates"])),
                default=0,
            )
            if picked:
                places[key] = place["candidates"][picked - 1][0]
    for row in staged.analysis["rows"]:
        if not row["duplicates"] or ops.has_errors(row):
            continue
        in_directory = [d for d in row["duplicates"] if not d[0].startswith("row:")]
        if duplicates == "new":
            rows[str(row["n"])] = ops.NEW
        elif duplicates == "merge" and in_directory:
            rows[str(row["n"])] = f"{ops.MERGE}{in_directory[0][0]}"
        elif duplicates == "ask":
            click.echo(f"Baris {row['n']} ({row['values'].get('name', '')}) mungkin sama dengan:")
            for number, (_, name, why, _score) in enumerate(row["duplicates"], start=1):
                click.echo(f"  {number}. {name} ({messages.reasons(why)})")
            answer = (
                click.prompt(
                    "Lewati (l), buat baru (b), atau gabungkan ke nomor",
                    default="l",
                )
                .strip()
                .lower()
            )
            if answer == "b":
                rows[str(row["n"])] = ops.NEW
            elif answer.isdigit() and 1 <= int(answer) <= len(row["duplicates"]):
                target = row["duplicates"][int(answer) - 1][0]
                if not target.startswith("row:"):
                    rows[str(row["n"])] = f"{ops.MERGE}{target}"
    ops.choose(staged, places, rows)

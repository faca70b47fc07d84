"""``/admin/impor``: an admin uploads a spreadsheet, maps its columns, reviews every row
(problems, places, possible duplicates) and confirms; the rows are then written in the
background while the page shows progress (it refreshes itself; no script needed), or in
the request when ``SHEET_IMPORT_BACKGROUND`` is off."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from directory.auth.models import User
from directory.auth.sessions import admins_only
from directory.database import utcnow
from directory.extensions import db
from directory.sheets import messages
from directory.sheets import operations as ops
from directory.sheets.mapping import FIELDS, looks_like_header
from directory.sheets.models import DONE, MAPPING, PREVIEW, RUNNING, SheetImport
from directory.sheets.reading import SheetUnreadable, read_sheet

bp = Blueprint("sheets", __name__, url_prefix="/admin/impor")

PER_PAGE = 50
# The rows the preview shows: query value -> label.
FILTERS = {
    "semua": _l("semua baris"),
    "masalah": _l("baris bermasalah"),
    "duplikat": _l("mungkin duplikat"),
    "ambigu": _l("wilayah ambigu"),
}


bp.before_request(admins_only)


def _actor() -> User:
    return current_user._get_current_object()


def _staged(import_id: uuid.UUID) -> SheetImport:
    staged = db.session.get(SheetImport, str(import_id))
    if staged is None:
        abort(404)
    return staged


@bp.get("")
def upload_page() -> ResponseReturnValue:
    return render_template("sheets/upload.html", title=_("Impor lembaga dari lembar kerja"))


@bp.post("")
def upload() -> ResponseReturnValue:
    file = request.files.get("berkas")
    data = file.read() if file is not None else b""
    filename = (file.filename or "") if file is not None else ""
    if not filename and not data:
        return _refused(messages.unreadable("no_file"))
    try:
        sheet = read_sheet(data, filename, looks_like_header)
    except SheetUnreadable as error:
        return _refused(messages.unreadable(error.code, error.limit))
    staged = ops.stage(_actor(), sheet, filename)
    db.session.commit()
    return redirect(url_for("sheets.mapping_page", import_id=staged.id), 303)


def _refused(message: str) -> ResponseReturnValue:
    return (
        render_template(
            "sheets/upload.html", title=_("Impor lembaga dari lembar kerja"), error=message
        ),
        400,
    )


def _samples(staged: SheetImport) -> list[str]:
    """A few values of each column, to recognise it by."""
    found = []
    for index in range(len(staged.headers)):
        values = [cells[index] for _, cells in staged.rows[:20] if index < len(cells)]
        found.append(", ".join(dict.fromkeys(v for v in values if v and v != "="))[:80])
    return found


@bp.get("/<uuid:import_id>/kolom")
def mapping_page(import_id: uuid.UUID) -> ResponseReturnValue:
    staged = _staged(import_id)
    return _mapping_form(staged, staged.mapping, [])


def _mapping_form(
    staged: SheetImport, mapping: dict[str, str], errors: list[str], status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "sheets/mapping.html",
            title=_("Petakan kolom"),
            staged=staged,
            mapping=mapping,
            samples=_samples(staged),
            fields=[(name, messages.field_label(name)) for name in FIELDS],
            saved=ops.has_saved_mapping(staged),
            errors=errors,
            editable=ops.is_open(staged),
        ),
        status,
    )


@bp.post("/<uuid:import_id>/kolom")
def save_mapping(import_id: uuid.UUID) -> ResponseReturnValue:
    staged = _staged(import_id)
    if not ops.is_open(staged):
        abort(409)
    wanted = {
        header: request.form.get(f"kolom-{index}", "")
        for index, header in enumerate(staged.headers)
    }
    try:
        ops.confirm_mapping(_actor(), staged, wanted)
    except ops.MappingInvalid as error:
        db.session.rollback()
        shown = {h: f for h, f in wanted.items() if f}
        errors = [messages.mapping_problem(code) for code in error.codes]
        return _mapping_form(_staged(import_id), shown, errors, 400)
    db.session.commit()
    return redirect(url_for("sheets.preview", import_id=staged.id), 303)


def _matches(row: dict[str, Any], wanted: str, places: dict[str, Any]) -> bool:
    if wanted == "masalah":
        return bool(row["problems"])
    if wanted == "duplikat":
        return bool(row["duplicates"])
    if wanted == "ambigu":
        place = places.get(row["place"]) if row["place"] else None
        return place is not None and place["status"] == "ambiguous"
    return True


@bp.get("/<uuid:import_id>")
def preview(import_id: uuid.UUID) -> ResponseReturnValue:
    staged = _staged(import_id)
    if staged.status == MAPPING or staged.analysis is None:
        return redirect(url_for("sheets.mapping_page", import_id=staged.id))
    if staged.status in (RUNNING, DONE):
        return redirect(url_for("sheets.progress", import_id=staged.id))
    wanted = request.args.get("tampil", "masalah")
    wanted = wanted if wanted in FILTERS else "semua"
    places = staged.analysis["places"]
    rows = [row for row in staged.analysis["rows"] if _matches(row, wanted, places)]
    try:
        page = max(1, min(int(request.args.get("halaman", "1")), 10_000))
    except ValueError:
        page = 1
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(page, pages)
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    ambiguous = {key: place for key, place in places.items() if place["status"] == "ambiguous"}
    columns = {field: header for header, field in staged.mapping.items()}
    return render_template(
        "sheets/preview.html",
        title=_("Periksa sebelum menyimpan"),
        staged=staged,
        rows=shown,
        page=page,
        pages=pages,
        wanted=wanted,
        filters=FILTERS,
        ambiguous=ambiguous,
        counts=ops.counts(staged),
        decision=lambda row: ops.decision(staged, row),
        columns=columns,
        messages=messages,
        choices=staged.choices or {},
        total_rows=len(staged.analysis["rows"]),
    )


@bp.post("/<uuid:import_id>/pilihan")
def save_choices(import_id: uuid.UUID) -> ResponseReturnValue:
    staged = _staged(import_id)
    if staged.status != PREVIEW:
        abort(409)
    places = {
        key[len("wilayah-") :]: value
        for key, value in request.form.items()
        if key.startswith("wilayah-")
    }
    rows = {
        key[len("baris-") :]: value
        for key, value in request.form.items()
        if key.startswith("baris-")
    }
    everyone = request.form.get("semua_duplikat", "")
    if everyone in (ops.SKIP, ops.NEW, "merge"):
        # Every possible duplicate, but those whose choice was changed on this page.
        current = (staged.choices or {}).get("rows", {})
        for row in staged.analysis["rows"] if staged.analysis else []:
            number = str(row["n"])
            if not row["duplicates"] or rows.get(number, "") not in (
                "",
                current.get(number, ops.SKIP),
            ):
                continue
            targets = [d[0] for d in row["duplicates"] if not d[0].startswith("row:")]
            if everyone != "merge":
                rows[number] = everyone
            elif targets:
                rows[number] = f"{ops.MERGE}{targets[0]}"
    refused = ops.choose(staged, places, rows)
    if refused:
        db.session.rollback()
        abort(400, _("Pilihan tidak dikenal untuk: %(keys)s", keys=", ".join(refused[:5])))
    db.session.commit()
    flash(_("Pilihan disimpan."), "success")
    return redirect(
        url_for(
            "sheets.preview",
            import_id=staged.id,
            tampil=request.form.get("tampil", "masalah"),
            halaman=request.form.get("halaman", "1"),
        ),
        303,
    )


@bp.post("/<uuid:import_id>/simpan")
def confirm(import_id: uuid.UUID) -> ResponseReturnValue:
    staged = _staged(import_id)
    staged_id = staged.id
    if staged.status == RUNNING and ops.is_stalled(staged):
        staged.heartbeat_at = utcnow()
        db.session.commit()
        _launch(staged_id)  # resume a stalled import where it stopped
        return redirect(url_for("sheets.progress", import_id=staged_id), 303)
    try:
        ops.start(staged)
    except ops.WrongStep:
        abort(409)
    db.session.commit()
    _launch(staged_id)
    return redirect(url_for("sheets.progress", import_id=staged_id), 303)


def _launch(import_id: str) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    actor_id = _actor().id
    if app.config.get("SHEET_IMPORT_BACKGROUND", True):
        thread = threading.Thread(
            target=_run, args=(app, import_id, actor_id), name="sheet-import", daemon=True
        )
        thread.start()
        app.extensions.setdefault("sheet_import_threads", []).append(thread)
    else:
        write_all(import_id, actor_id)


def _run(app: Flask, import_id: str, actor_id: str) -> None:
    with app.app_context():
        try:
            write_all(import_id, actor_id)
        except Exception:
            app.logger.exception("sheet import %s stopped", import_id)
            db.session.rollback()
        finally:
            db.session.remove()


def write_all(import_id: str, actor_id: str) -> None:
    """Write every remaining row, a batch per transaction."""
    actor = db.session.get(User, actor_id)
    while actor is not None:
        # Locked for the batch: a resumed import and a slow one never write a row twice
        # (PostgreSQL; SQLite's writers take turns anyway).
        staged = db.session.get(
            SheetImport, import_id, with_for_update=True, populate_existing=True
        )
        if staged is None:
            return
        handled = ops.write_batch(actor, staged)
        db.session.commit()
        if not handled:
            return


@bp.get("/<uuid:import_id>/kemajuan")
def progress(import_id: uuid.UUID) -> ResponseReturnValue:
    staged = _staged(import_id)
    if staged.status in (MAPPING, PREVIEW):
        return redirect(url_for("sheets.preview", import_id=staged.id))
    results = sorted(
        ((int(number), result) for number, result in (staged.results or {}).items()),
        key=lambda item: item[0],
    )
    return render_template(
        "sheets/progress.html",
        title=_("Kemajuan impor"),
        staged=staged,
        done=ops.result_counts(staged),
        results=results,
        stalled=ops.is_stalled(staged),
        messages=messages,
        by_number={row["n"]: row for row in (staged.analysis or {}).get("rows", [])},
    )


@bp.get("/<uuid:import_id>/kemajuan.json")
def progress_json(import_id: uuid.UUID) -> ResponseReturnValue:
    staged = _staged(import_id)
    return jsonify(
        status=staged.status,
        total=staged.total,
        processed=staged.processed,
        results=ops.result_counts(staged),
        stalled=ops.is_stalled(staged),
    )

"""Refuse, at the edge, what no stored field may hold: a NUL character in a posted form
value (PostgreSQL cannot store it in text). A 400 before any view runs. Query strings
are left to their readers: search text drops control characters itself."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

NUL = "\x00"


def _holds_nul() -> bool:
    return any(NUL in key or NUL in value for key, value in request.form.items(multi=True))


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters() -> None:
        if _holds_nul():
            raise BadRequest(_("Isian tidak boleh berisi karakter NUL."))

"""JSON request bodies: read, and checked against a JSON Schema, every problem named.

Bad bodies answer 400 with ``error.fields`` naming each field (dotted: ``client.initials``);
a body that is not JSON at all answers 415, on every API endpoint that takes a body
(``require_json_bodies`` runs before each API request).

Before parsing, a body is held to ``API_MAX_JSON_BYTES`` (413) and to
``API_MAX_JSON_DEPTH`` levels of nested arrays and objects (400): Python's parser recurses
once per level, and a megabyte of ``[`` would exhaust its stack. A parsed body whose
strings hold a lone UTF-16 surrogate (``"\\ud800"``, valid JSON but no text) is a 400 too.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from directory.api.blueprint import bp
from directory.errors import ApiError

BODY = "body"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _unsupported() -> ApiError:
    return ApiError(
        _("Kirim badan permintaan sebagai application/json."),
        status=415,
        code="unsupported_media_type",
    )


# POSTs that take no body (``POST /referrals/{id}/links``): an empty one needs no type.
BODYLESS_ENDPOINTS = frozenset({"api.create_link"})


@bp.before_request
def require_json_bodies() -> None:
    """:raises ApiError: 415 on POST, PUT or PATCH without a JSON content type."""
    if request.method in BODY_METHODS and not request.is_json:
        if request.endpoint in BODYLESS_ENDPOINTS and not request.get_data(cache=True):
            return
        raise _unsupported()


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
# Lone UTF-16 surrogates, and NUL (PostgreSQL cannot store it in text).
_SURROGATE = re.compile("[\ud800-\udfff\x00]")


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in ``raw`` (brackets inside strings do not count)."""
    steps = (
        1 if bracket in (b"[", b"{") else -1 for bracket in _BRACKET.findall(_STRING.sub(b"", raw))
    )
    return max(accumulate(steps, initial=0))


def _invalid_body(message: str) -> ApiError:
    return ApiError(
        _("Badan permintaan harus berupa objek JSON yang sah."),
        code="invalid_body",
        fields={BODY: message},
    )


def _with_surrogates(value: Any, path: list[Any]) -> dict[str, str]:
    """Fields whose strings (or keys) hold a lone surrogate."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        if _SURROGATE.search(value):
            found[_name(path)] = _(
                "Berisi karakter yang tidak sah (NUL atau surrogate UTF-16 tunggal)."
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                found[BODY] = _(
                    "Berisi karakter yang tidak sah (NUL atau surrogate UTF-16 tunggal)."
                )
            else:
                found.update(_with_surrogates(item, [*path, key]))
    elif isinstance(value, list):
        for item in value:
            found.update(_with_surrogates(item, path))
    return found


def json_object() -> dict[str, Any]:
    """The request's JSON object.

    :raises ApiError: 415 unless the body is declared JSON; 413 when it is larger than
        ``API_MAX_JSON_BYTES``; 400 unless it parses into an object nested at most
        ``API_MAX_JSON_DEPTH`` levels, whose text holds no lone surrogate.
    """
    if not request.is_json:
        raise _unsupported()
    limit = int(current_app.config["API_MAX_JSON_BYTES"])
    if (request.content_length or 0) > limit:
        raise _too_large(limit)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise _too_large(limit)
    depth = int(current_app.config["API_MAX_JSON_DEPTH"])
    if json_depth(raw) > depth:
        raise _invalid_body(_("Bersarang terlalu dalam: paling banyak %(n)s tingkat.", n=depth))
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise _invalid_body(_("Bukan objek JSON yang sah."))
    surrogates = _with_surrogates(data, [])
    if surrogates:
        raise ApiError(_("Badan permintaan tidak sah."), code="invalid_body", fields=surrogates)
    return data


def _too_large(limit: int) -> ApiError:
    return ApiError(
        _("Badan permintaan terlalu besar: paling banyak %(n)s bita.", n=limit),
        status=413,
        code="payload_too_large",
    )


def _name(path: list[Any]) -> str:
    """``["client", "initials"]`` -> ``client.initials``; array items take the array's name."""
    parts = [str(part) for part in path if not isinstance(part, int)]
    return ".".join(parts) or BODY


def _problems_of(error: ValidationError) -> dict[str, str]:
    path = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        return {
            _name([*path, missing]): _("Wajib diisi.")
            for missing in error.validator_value
            if isinstance(error.instance, dict) and missing not in error.instance
        }
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        return {
            _name([*path, extra]): _("Kolom ini tidak dikenal atau tidak boleh diisi.")
            for extra in error.instance
            if extra not in allowed
        }
    return {_name(path): _message(str(kind), error.validator_value)}


def _message(kind: str, limit: Any) -> str:
    if kind == "type":
        return _("Jenis nilai salah.")
    if kind == "enum":
        return _("Nilai tidak dikenal. Yang sah: %(values)s.", values=", ".join(map(str, limit)))
    if kind == "maxLength":
        return _("Terlalu panjang: paling banyak %(n)s karakter.", n=limit)
    if kind == "minLength":
        return _("Wajib diisi.")
    if kind == "format":
        return _("Bukan UUID yang sah.") if limit == "uuid" else _("Format salah.")
    if kind == "minItems":
        return _("Paling sedikit %(n)s butir.", n=limit)
    if kind == "maxItems":
        return _("Paling banyak %(n)s butir.", n=limit)
    if kind == "uniqueItems":
        return _("Ada butir yang berulang.")
    if kind == "minimum":
        return _("Paling kecil %(n)s.", n=limit)
    return _("Nilai tidak sah.")


def check(schema: dict[str, Any], data: dict[str, Any]) -> None:
    """:raises ApiError: 400, naming every field the schema refuses."""
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    fields: dict[str, str] = {}
    for error in sorted(
        validator.iter_errors(data), key=lambda e: [str(part) for part in e.absolute_path]
    ):
        for name, message in _problems_of(error).items():
            fields.setdefault(name, message)
    if fields:
        raise ApiError(_("Badan permintaan tidak sah."), code="invalid_body", fields=fields)

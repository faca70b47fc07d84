"""Checking one spreadsheet row: cleaned values, and its problems by field. Pure.

An **error** keeps the row out of the import (no name, a formula, an e-mail address that
is not one, coordinates outside Indonesia...); a **warning** is reported and the row still
imports (no phone, a phone that lost its leading zero in a spreadsheet, a second e-mail
address dropped). Problems are codes; :mod:`directory.sheets.messages` words them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from directory.sheets.reading import FORMULA

ERROR = "error"
WARNING = "warning"

MAX_LENGTHS = {
    "name": 300,
    "alternate_name": 300,
    "institution_type": 200,
    "description": 2000,
    "address": 500,
    "village": 200,
    "district": 200,
    "regency": 200,
    "province": 200,
    "website": 500,
}
MAX_SERVICES = 10
MAX_PHONES = 5
# Indonesia with its outer islands and a margin of sea (as directory.admin.operations).
LATITUDE_RANGE = (-11.5, 6.5)
LONGITUDE_RANGE = (94.5, 141.5)
# Placeholders people put in an empty cell.
BLANKS = frozenset(
    {"-", "--", "—", "–", ".", "0", "n/a", "na", "tidak ada", "tdk ada", "belum ada"}
)

_SPLIT = re.compile(r"\s*(?:[;,\n]|\s/\s|/(?=\s*(?:\+|0|62)))\s*")
_SERVICE_SPLIT = re.compile(r"\s*[;,\n]\s*")


@dataclass(frozen=True)
class RowProblem:
    field: str
    code: str
    severity: str = ERROR
    value: str = ""


@dataclass
class CheckedRow:
    values: dict[str, str]
    phones: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


def blank(text: str) -> bool:
    return text.strip().lower() in BLANKS or not text.strip()


def phone_digits(text: str) -> str | None:
    """The number in international digits (``0812-3456-789`` -> ``628123456789``), or
    None when it is not a phone number. A number that lost its leading zero in a
    spreadsheet (``81234567890``) gets it back."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("62"):
        pass
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8") and 9 <= len(digits) <= 12:
        digits = "62" + digits
    else:
        return None
    return digits if 9 <= len(digits) <= 15 else None


def format_phone(digits: str) -> str:
    """``628123456789`` -> ``+62 812 3456 789``, grouped for reading."""
    rest = digits[2:]
    head, tail = rest[:3], rest[3:]
    groups = [tail[i : i + 4] for i in range(0, len(tail), 4)]
    return " ".join(["+62", head, *groups])


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".").replace("−", "-"))
    except ValueError:
        return None


def check_row(raw: Mapping[str, str]) -> CheckedRow:
    """Clean the mapped cells of one row (field -> text) and find its problems."""
    values = {name: (text or "").strip() for name, text in raw.items()}
    row = CheckedRow(values={})
    problems = row.problems
    for name, text in values.items():
        if text == FORMULA:
            problems.append(RowProblem(name, "formula"))
            continue
        if blank(text) and name != "name":
            continue
        limit = MAX_LENGTHS.get(name)
        if limit and len(text) > limit:
            problems.append(RowProblem(name, "too_long", value=str(limit)))
            continue
        row.values[name] = " ".join(text.split()) if name != "description" else text
    name = row.values.get("name", "")
    if "name" not in values or (not name or blank(name)) and values.get("name") != FORMULA:
        problems.append(RowProblem("name", "required"))
        row.values.pop("name", None)
    _check_phones(row)
    _check_email(row)
    _check_website(row)
    _check_coordinates(row)
    services = [s for s in _SERVICE_SPLIT.split(row.values.get("services", "")) if s]
    if len(services) > MAX_SERVICES:
        problems.append(RowProblem("services", "too_many", WARNING, str(MAX_SERVICES)))
    row.services = [s[:300] for s in services[:MAX_SERVICES]]
    place_given = any(row.values.get(n) for n in ("district", "regency", "province"))
    if not place_given and row.latitude is None:
        problems.append(RowProblem("regency", "place_required"))
    return row


def _check_phones(row: CheckedRow) -> None:
    text = row.values.pop("phone", "")
    if not text:
        row.problems.append(RowProblem("phone", "missing", WARNING))
        return
    seen: list[str] = []
    for part in _SPLIT.split(text):
        if blank(part):
            continue
        digits = phone_digits(part)
        if digits is None:
            row.problems.append(RowProblem("phone", "invalid", ERROR, part[:40]))
            continue
        if re.sub(r"\D", "", part).startswith("8"):
            row.problems.append(RowProblem("phone", "leading_zero", WARNING, part[:40]))
        if digits not in seen:
            seen.append(digits)
    if len(seen) > MAX_PHONES:
        row.problems.append(RowProblem("phone", "too_many", WARNING, str(MAX_PHONES)))
    row.phones = [format_phone(d) for d in seen[:MAX_PHONES]]


def _check_email(row: CheckedRow) -> None:
    text = row.values.pop("email", "")
    if not text:
        return
    parts = [p for p in re.split(r"[\s;,/]+", text) if p]
    try:
        found = validate_email(parts[0], check_deliverability=False)
    except EmailNotValidError:
        row.problems.append(RowProblem("email", "invalid", ERROR, parts[0][:80]))
        return
    row.values["email"] = found.normalized.lower()
    if len(parts) > 1:
        row.problems.append(RowProblem("email", "extra", WARNING, ", ".join(parts[1:])[:80]))


def _check_website(row: CheckedRow) -> None:
    text = row.values.pop("website", "")
    if not text:
        return
    url = text if re.match(r"^https?://", text, re.IGNORECASE) else f"https://{text}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if " " in text or "." not in host or len(url) > 500:
        row.problems.append(RowProblem("website", "invalid", ERROR, text[:80]))
        return
    row.values["website"] = url


def _check_coordinates(row: CheckedRow) -> None:
    lat_text = row.values.pop("latitude", "")
    lon_text = row.values.pop("longitude", "")
    if not lat_text and not lon_text:
        return
    latitude, longitude = _number(lat_text), _number(lon_text)
    if latitude is None or longitude is None:
        field_name = "latitude" if latitude is None else "longitude"
        row.problems.append(RowProblem(field_name, "coordinates", ERROR, lat_text or lon_text))
        return
    if not (
        LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]
        and LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]
    ):
        row.problems.append(RowProblem("latitude", "outside", ERROR, f"{latitude}, {longitude}"))
        return
    row.latitude, row.longitude = latitude, longitude

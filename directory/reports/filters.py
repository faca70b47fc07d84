"""The report's query string, checked once for the API, the page and the CSV download.

Pure: no Flask request state. :func:`read_filters` returns the filters and every problem
by parameter name; the API answers 400 with them, the page shows them by its fields.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from directory.querystring import QueryReader
from directory.referrals.vocabulary import URGENCIES
from directory.reports.figures import GROUP_BYS, MONTH, ReportFilters

PROVINCE_CODE = re.compile(r"^\d{2}$")
REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Referrals began long after the first day; the bounds keep date arithmetic in range.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def _day(reader: QueryReader, name: str) -> date | None:
    raw = reader.value(name)
    if raw is None:
        return None
    try:
        if not DAY.match(raw):
            raise ValueError
        day = date.fromisoformat(raw)
    except ValueError:
        reader.errors[name] = _("Harus tanggal YYYY-MM-DD, misalnya 2026-01-31.")
        return None
    if not EARLIEST <= day <= LATEST:
        reader.errors[name] = _("Harus antara %(first)s dan %(last)s.", first=EARLIEST, last=LATEST)
        return None
    return day


def _code(reader: QueryReader, name: str, pattern: re.Pattern[str], example: str) -> str | None:
    raw = reader.value(name)
    if raw is not None and not pattern.match(raw):
        reader.errors[name] = _("Harus kode wilayah Kemendagri, misalnya %(code)s.", code=example)
        return None
    return raw


def _choice(reader: QueryReader, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = reader.value(name)
    if raw is not None and raw not in allowed:
        reader.errors[name] = _("Pilihan: %(allowed)s.", allowed=", ".join(allowed))
        return None
    return raw


def read_filters(args: MultiDict[str, str]) -> tuple[ReportFilters, dict[str, str]]:
    """``group_by`` (default ``month``), ``from``/``to`` (inclusive days), ``province``,
    ``regency``, ``organization_type`` and ``problem`` (term ids), ``urgency``.

    An empty value counts as absent; a repeated one is an error. The filters returned are
    only meaningful when the problems are empty.
    """
    reader = QueryReader(args)
    group_by = _choice(reader, "group_by", GROUP_BYS) or MONTH
    date_from = _day(reader, "from")
    date_to = _day(reader, "to")
    if date_from and date_to and date_from > date_to:
        reader.errors["to"] = _("Tanggal akhir tidak boleh sebelum tanggal awal.")
    province = _code(reader, "province", PROVINCE_CODE, "36")
    regency = _code(reader, "regency", REGENCY_CODE, "36.73")
    if province and regency and not regency.startswith(f"{province}."):
        reader.errors["regency"] = _("Kabupaten/kota ini tidak berada di provinsi yang dipilih.")
    filters = ReportFilters(
        group_by=group_by,
        province=province,
        regency=regency,
        organization_type=reader.identifier("organization_type"),
        problem=reader.identifier("problem"),
        urgency=_choice(reader, "urgency", tuple(URGENCIES)),
        date_from=date_from,
        date_to=date_to,
    )
    return filters, dict(reader.errors)


def query_args(filters: ReportFilters) -> dict[str, str]:
    """The query string that gives ``filters`` back (for links and the CSV download)."""
    values = {
        "group_by": filters.group_by,
        "province": filters.province,
        "regency": filters.regency,
        "organization_type": filters.organization_type,
        "problem": filters.problem,
        "urgency": filters.urgency,
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
    }
    return {name: value for name, value in values.items() if value}

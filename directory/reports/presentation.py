"""The report's figures as people and programs read them: group labels in the interface
language, the API's JSON body and the CSV download (safe from formula injection)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from directory.referrals.vocabulary import CLOSE_RESULTS, DECLINE_REASONS, URGENCIES
from directory.reports import figures as f
from directory.reports.figures import Figures, Group, Report

GROUP_BY_LABELS = {
    f.PROVINCE: _l("Provinsi pengirim"),
    f.REGENCY: _l("Kabupaten/kota pengirim"),
    f.ORGANIZATION_TYPE: _l("Jenis lembaga penerima"),
    f.PROBLEM: _l("Masalah"),
    f.URGENCY: _l("Urgensi"),
    f.MONTH: _l("Bulan"),
}


def month_label(key: str) -> str:
    """``2026-03`` -> ``Mar 2026`` (in the interface language)."""
    year, month = (int(part) for part in key.split("-"))
    return str(format_date(date(year, month, 1), "MMM yyyy"))


def group_label(group_by: str, group: Group) -> str:
    if group.key is None:
        return _("Tidak diketahui")
    if group_by == f.URGENCY:
        return str(URGENCIES.get(group.key, group.key))
    if group_by == f.MONTH:
        return month_label(group.key)
    return group.label or group.key


def report_to_json(report: Report) -> dict[str, Any]:
    filters = report.filters
    return {
        "group_by": filters.group_by,
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "filters": {
            "province": filters.province,
            "regency": filters.regency,
            "organization_type": filters.organization_type,
            "problem": filters.problem,
            "urgency": filters.urgency,
        },
        "generated_at": report.now.isoformat(),
        "groups": [
            {
                "key": group.key,
                "label": group_label(filters.group_by, group),
                **group.figures.as_dict(),
            }
            for group in report.groups
        ],
        "total": report.total.as_dict(),
    }


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell as text; one that a spreadsheet would run as a formula gets a leading ``'``."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_header() -> list[str]:
    return [
        "group_by",
        "key",
        "label",
        "sent",
        "accepted",
        "declined",
        *(f"declined_{code}" for code in DECLINE_REASONS),
        "withdrawn",
        "closed",
        *(f"closed_{code}" for code in CLOSE_RESULTS),
        "acceptance_rate",
        "median_hours_to_response",
        "p90_hours_to_response",
        "median_days_to_close",
        "p90_days_to_close",
        "overdue",
    ]


def _figure_cells(figures: Figures) -> list[object]:
    return [
        figures.sent,
        figures.accepted,
        figures.declined,
        *(figures.declined_by_reason.get(code, f.SUPPRESSED) for code in DECLINE_REASONS),
        figures.withdrawn,
        figures.closed,
        *(figures.closed_by_outcome.get(code, f.SUPPRESSED) for code in CLOSE_RESULTS),
        figures.acceptance_rate,
        figures.median_hours_to_response,
        figures.p90_hours_to_response,
        figures.median_days_to_close,
        figures.p90_days_to_close,
        figures.overdue,
    ]


def csv_rows(report: Report) -> list[list[str]]:
    """The header, a row per group, and a last row ``total`` over the distinct referrals."""
    group_by = report.filters.group_by
    rows = [csv_header()]
    for group in report.groups:
        cells = [group_by, group.key, group_label(group_by, group), *_figure_cells(group.figures)]
        rows.append([csv_cell(cell) for cell in cells])
    total = [group_by, "total", _("Semua"), *_figure_cells(report.total)]
    rows.append([csv_cell(cell) for cell in total])
    return rows

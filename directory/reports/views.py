"""The coordinators' report page ``/admin/laporan`` and its CSV ``/admin/laporan.csv``.

Administrators only. The filters are a GET form (reading changes nothing, so it carries
no CSRF token); a bad value is shown by its field and no figures are computed.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from directory.database import utcnow
from directory.extensions import db
from directory.geo.models import Region
from directory.institutions.models import (
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_PROBLEMS,
    TaxonomyTerm,
)
from directory.public.helpers import term_name
from directory.referrals.vocabulary import CLOSE_RESULTS, DECLINE_REASONS, URGENCIES
from directory.reports import charts, figures
from directory.reports.filters import query_args, read_filters
from directory.reports.presentation import GROUP_BY_LABELS, csv_rows, group_label

bp = Blueprint("reports", __name__)

# How the outcome chart's text alternative names each segment.
SEGMENT_WORDS = {
    charts.ACCEPTED: _l("disetujui"),
    charts.DECLINED: _l("ditolak"),
    charts.WITHDRAWN: _l("ditarik"),
    charts.OTHER: _l("menunggu jawaban atau di bawah 5"),
}


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403)


def _terms(taxonomy_id: str) -> list[tuple[str, str]]:
    """(id, name) of a taxonomy's terms, by name in the interface language."""
    terms = db.session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy_id))
    return sorted(((term.id, term_name(term)) for term in terms), key=lambda o: o[1].casefold())


def _regions(levels: tuple[str, ...], within: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the regions of ``levels``, only those in ``within`` if given."""
    query = select(Region.code, Region.name).where(Region.level.in_(levels))
    if within:
        query = query.where(Region.parent_code == within)
    return [(code, name) for code, name in db.session.execute(query.order_by(Region.code))]


@bp.get("/admin/laporan")
@login_required
def report_page() -> ResponseReturnValue:
    _require_admin()
    filters, errors = read_filters(request.args)
    report = None if errors else figures.compute_report(db.session, filters, utcnow(), term_name)
    group_by = filters.group_by
    labelled = [(group_label(group_by, g), g) for g in report.groups] if report else []
    trend = [(group_label(figures.MONTH, g), g.figures) for g in report.trend] if report else []
    return (
        render_template(
            "reports/index.html",
            filters=filters,
            errors=errors,
            report=report,
            rows=labelled,
            outcome_bars=charts.outcome_bars([(label, g.figures) for label, g in labelled]),
            trend=charts.trend(trend),
            bar_width=charts.TREND_BAR,
            csv_args=query_args(filters),
            group_bys=GROUP_BY_LABELS,
            provinces=_regions(("provinsi",)),
            regencies=_regions(("kabupaten", "kota"), filters.province),
            institution_types=_terms(TAXONOMY_INSTITUTION_TYPES),
            problems=_terms(TAXONOMY_PROBLEMS),
            urgencies=URGENCIES,
            decline_reasons=DECLINE_REASONS,
            close_results=CLOSE_RESULTS,
            segment_words=SEGMENT_WORDS,
            format_decimal=format_decimal,
            suppressed=figures.SUPPRESSED,
            admin_dashboard="admin.dashboard" in current_app.view_functions,
        ),
        400 if errors else 200,
    )


@bp.get("/admin/laporan.csv")
@login_required
def report_csv() -> ResponseReturnValue:
    _require_admin()
    filters, errors = read_filters(request.args)
    if errors:
        abort(400)
    report = figures.compute_report(db.session, filters, utcnow(), term_name, with_trend=False)
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(report))
    name = f"laporan-rujukan-{filters.group_by}-{report.now:%Y%m%d}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

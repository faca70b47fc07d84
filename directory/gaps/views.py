"""``/admin/kesenjangan``: the gap analysis page, and its CSV download.

Administrators only. The page holds no client data, but it answers "is some suitable
service within D km of this regency", confidential places included; asked often enough,
with D changed a kilometre at a time, it narrows down where a safe house is. That is
fine for the few accounts that run the network, not for every counsellor and partner,
who have the public map and the search page.
"""

from __future__ import annotations

import csv
import io
from time import perf_counter
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.extensions import db
from directory.gaps import analysis, data
from directory.gaps.forms import ALL_PROBLEMS, ALL_PROVINCES, GapForm
from directory.gaps.maps import gap_map
from directory.gaps.report import GapReport
from directory.public.helpers import display_locale

bp = Blueprint("gaps", __name__)


def _admin_only() -> None:
    if not current_user.is_admin:
        abort(403)


def _form() -> tuple[GapForm, list[data.ProblemTerm], list[analysis.ServicePoint]]:
    """The form, the problems and the suitable places. Opened without a choice, the page
    starts on the problem offered at the most places, every province: "every regency
    lacks some service" (the answer for all problems at once) is no place to start."""
    problems = data.problems(db.session)
    points = data.service_points(db.session)
    locale = display_locale()
    form = GapForm(formdata=request.args if request.args else None)
    form.masalah.choices = [(ALL_PROBLEMS, _("Semua masalah"))] + [
        (problem.id, problem.label(locale)) for problem in problems
    ]
    form.provinsi.choices = [(ALL_PROVINCES, _("Semua provinsi")), *data.provinces(db.session)]
    if not request.args:
        form.masalah.data = (
            analysis.most_offered(points, [problem.id for problem in problems]) or ALL_PROBLEMS
        )
    return form, problems, points


def _report(
    form: GapForm, problems: list[data.ProblemTerm], points: list[analysis.ServicePoint]
) -> GapReport:
    chosen = [p for p in problems if form.problem_id in (ALL_PROBLEMS, p.id)]
    started = perf_counter()
    result = analysis.analyse(
        analysis.in_province(data.regencies(db.session), form.province_code),
        points,
        [problem.id for problem in chosen],
        form.distance_km,
        honour_service_areas=not form.semua_wilayah.data,
    )
    names = dict(form.provinsi.choices or [])
    province = names.get(form.province_code) if form.province_code else None
    return GapReport(chosen, form.distance_km, result, perf_counter() - started, province=province)


def _cell(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_url(form: GapForm) -> str:
    arguments: dict[str, Any] = {"masalah": form.problem_id, "jarak": form.distance_km}
    if form.province_code:
        arguments["provinsi"] = form.province_code
    if form.semua_wilayah.data:
        arguments["semua_wilayah"] = "y"
    return url_for(".download", **arguments)


@bp.get("/admin/kesenjangan")
@login_required
def page() -> ResponseReturnValue:
    _admin_only()
    form, problems, points = _form()
    if not form.validate():
        return render_template("gaps/page.html", form=form, report=None), 400
    report = _report(form, problems, points)
    current_app.logger.info(
        "gap analysis: %d problems x %d regencies in %.3f s",
        len(report.problems),
        report.regency_count,
        report.seconds,
    )
    names = {problem.id: problem.label(display_locale()) for problem in problems}
    return render_template(
        "gaps/page.html",
        form=form,
        report=report,
        names=names,
        gap_map=gap_map(report),
        csv_url=_csv_url(form),
    )


@bp.get("/admin/kesenjangan.csv")
@login_required
def download() -> ResponseReturnValue:
    """One row per regency and problem: a long table that a spreadsheet can pivot."""
    _admin_only()
    form, problems, points = _form()
    if not form.validate():
        return render_template("gaps/page.html", form=form, report=None), 400
    report = _report(form, problems, points)
    names = {problem.id: problem.label(display_locale()) for problem in problems}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Kode wilayah"),
            _("Provinsi"),
            _("Kabupaten/kota"),
            _("Masalah"),
            _("Jarak layanan terdekat (km)"),
            _("Terjangkau dalam %(km)s km", km=report.distance_km),
        ]
    )
    for problem in report.problems:
        for row in report.rows(problem.id):
            writer.writerow(
                [
                    row.regency.code,
                    _cell(row.regency.province),
                    _cell(row.regency.name),
                    _cell(names[problem.id]),
                    "" if row.nearest_km is None else row.nearest_km,
                    _("ya") if row.covered else _("tidak"),
                ]
            )
    place = f"-{form.province_code}" if form.province_code else ""
    filename = f"kesenjangan{place}-{report.distance_km}km.csv"
    return Response(
        # A byte order mark, so that spreadsheet programs read the file as UTF-8.
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""``/dasbor``: the signed-in person's organization's dashboard; a coordinator chooses
one. ``/dasbor/lembaga/<id>``: one organization's, for its own staff and the coordinators
(administrators) only; anyone else is refused (403), an unknown organization is a 404."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_login import current_user, login_required

from directory.dashboard.figures import organization_dashboard, organizations_with_referrals
from directory.database import utcnow
from directory.extensions import db
from directory.institutions.models import Organization
from directory.reports import figures
from directory.reports.presentation import group_label

bp = Blueprint("dashboard", __name__)


def can_see_dashboard(user, organization: Organization) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_admin or user.organization_id == organization.id)
    )


@bp.get("/dasbor")
@login_required
def mine() -> ResponseReturnValue:
    if current_user.organization_id is not None and not current_user.is_admin:
        return redirect(url_for(".organization", organization_id=current_user.organization_id))
    if not current_user.is_admin:
        abort(403)
    return render_template(
        "dashboard/choose.html", organizations=organizations_with_referrals(db.session)
    )


@bp.get("/dasbor/lembaga/<uuid:organization_id>")
@login_required
def organization(organization_id: uuid.UUID) -> ResponseReturnValue:
    found = db.session.get(Organization, str(organization_id))
    if found is None:
        abort(404)
    if not can_see_dashboard(current_user, found):
        abort(403)
    now = utcnow()
    today = now.astimezone(figures.ZONE).date()
    dashboard = organization_dashboard(db.session, found, now, today)
    sides = []
    for key, report in (("sent", dashboard.sent), ("received", dashboard.received)):
        months = [(group_label(figures.MONTH, group), group) for group in report.groups]
        sides.append({"key": key, "report": report, "months": months})
    return render_template(
        "dashboard/organization.html",
        dashboard=dashboard,
        sides=sides,
        format_decimal=format_decimal,
    )

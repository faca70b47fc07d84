"""Each organization's own dashboard (``/dasbor``): its referrals sent and received, with
the reports' figures and the reports' small-count rules (``directory.reports.figures``)."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from directory.dashboard import views  # noqa: E402,F401

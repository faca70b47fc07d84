"""Gap analysis for planners: ``/admin/kesenjangan``, the regencies and cities with no
suitable service for a problem within a chosen distance, on a map, as a table and as CSV."""

from flask import Blueprint

bp = Blueprint("gaps", __name__)

from directory.gaps import views  # noqa: E402,F401

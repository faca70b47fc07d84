"""The JSON API under ``/api/v1``: the HSDS 3.0 directory and, with an account, referrals."""

from flask import Blueprint

bp = Blueprint("api", __name__)

# Each module adds its routes to the blueprint.
from directory.api import auth, fhir, places, referrals, reports, views  # noqa: E402,F401

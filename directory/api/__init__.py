"""The JSON API under ``/api/v1``: the HSDS 3.0 directory and, with an account, referrals."""

from flask import Blueprint

bp = Blueprint("api", __name__)

# Each module adds its routes to the blueprint.
from directory.api import (  # noqa: E402,F401
    auth,
    break_glass,
    fhir,
    places,
    profile,
    referrals,
    reports,
    views,
)

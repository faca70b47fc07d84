"""The JSON API under ``/api/v1``: the HSDS 3.0 directory and, with an account, referrals."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from directory.api import views  # noqa: E402,F401

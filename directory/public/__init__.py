"""Public pages: home, browse by region, organization and service pages."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from directory.public import helpers, views  # noqa: E402,F401

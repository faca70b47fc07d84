"""The search page, ``/cari``: find the nearest suitable service, server-rendered."""

from flask import Blueprint

bp = Blueprint("finder", __name__)

from directory.finder import views  # noqa: E402,F401

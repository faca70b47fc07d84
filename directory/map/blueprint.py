"""The map blueprint, alone: several modules add their routes or template helpers to it,
and ``views.py`` imports them all and is what the app factory registers."""

from flask import Blueprint

bp = Blueprint("map", __name__)

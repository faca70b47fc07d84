"""The public services map: ``/peta`` (alias ``/map``), its marker data, and small maps
for other pages (:mod:`directory.map.folium_maps`)."""

from flask import Blueprint

bp = Blueprint("map", __name__)

from directory.map import folium_maps, views  # noqa: E402,F401

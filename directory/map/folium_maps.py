"""Small maps for other pages: an organization's or a service's locations, the places in a
region, the results beside a search.

``small_map(points)`` returns one HTML fragment (stylesheets, the map, its scripts), all
from local files; use it once per page. Markers are drawn by folium's
``FastMarkerCluster`` from the points' rows, with a JavaScript callback that builds each
popup (a link, or plain text) with ``textContent``: names are never parsed as HTML.
Confidential locations never become points (:func:`points_from_locations`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from flask import current_app, url_for
from flask_babel import gettext as _
from folium.plugins import FastMarkerCluster
from markupsafe import Markup

from directory.geo.models import Region
from directory.institutions.models import Location
from directory.map.blueprint import bp
from directory.map.document import map_document
from directory.map.folium_assets import base_map, render_map

SINGLE_POINT_ZOOM = 15
FIT_MAX_ZOOM = 15
REGION_ZOOM = {"provinsi": 7, "kabupaten": 10, "kota": 12, "kecamatan": 13}

# Each row: [lat, lon, label, url or ""].
MARKER_CALLBACK = """function (row) {
    var marker = L.marker([row[0], row[1]], {title: row[2], alt: row[2]});
    var content = document.createElement(row[3] ? "a" : "strong");
    content.textContent = row[2];
    if (row[3]) { content.href = row[3]; }
    marker.bindPopup(content);
    return marker;
}"""


@dataclass(frozen=True)
class MapPoint:
    latitude: float
    longitude: float
    label: str
    url: str | None = None


def points_from_locations(
    locations: Iterable[Location],
    label: Callable[[Location], str],
    url: Callable[[Location], str | None] = lambda location: None,
) -> list[MapPoint]:
    """Points for the locations that may be shown: never a confidential one, never one
    without coordinates."""
    return [
        MapPoint(location.latitude, location.longitude, label(location), url(location))
        for location in locations
        if not location.confidential
        and location.latitude is not None
        and location.longitude is not None
    ]


def small_map(
    points: Sequence[MapPoint],
    center: tuple[float, float] | None = None,
    zoom: int = SINGLE_POINT_ZOOM,
    label: str | None = None,
) -> Markup:
    """A small map of ``points`` (fitted to them), or of ``center`` when there are none;
    an empty fragment when there is neither. Call inside a request."""
    if not points and center is None:
        return Markup("")
    config = current_app.config
    if points and len(points) == 1:
        center, zoom = (points[0].latitude, points[0].longitude), SINGLE_POINT_ZOOM
    folium_map = base_map(
        config["MAP_TILES_URL"],
        config["MAP_TILES_ATTRIBUTION"],
        location=center or (points[0].latitude, points[0].longitude),
        zoom_start=zoom,
    )
    if len(points) > 1:
        folium_map.fit_bounds(
            [
                [min(p.latitude for p in points), min(p.longitude for p in points)],
                [max(p.latitude for p in points), max(p.longitude for p in points)],
            ],
            max_zoom=FIT_MAX_ZOOM,
        )
    if points:
        FastMarkerCluster(
            [[p.latitude, p.longitude, p.label, p.url or ""] for p in points],
            callback=MARKER_CALLBACK,
            control=False,
            showCoverageOnHover=False,
        ).add_to(folium_map)
    rendered = render_map(folium_map, lambda path: url_for("static", filename=path))
    return Markup(
        '{css}\n<link rel="stylesheet" href="{own_css}">\n'
        '<div class="small-map" role="region" aria-label="{label}">{html}</div>\n'
        '{js}\n<script nonce="{nonce}">{script}</script>'
    ).format(
        css=rendered.assets_css(),
        own_css=url_for("static", filename="css/map.css"),
        label=label or _("Peta lokasi"),
        html=rendered.html,
        js=rendered.assets_js(),
        script=rendered.script,
        # The content security policy lets inline scripts run only with the request's nonce.
        nonce=cast(Callable[[], str], current_app.jinja_env.globals["csp_nonce"])(),
    )


def _organization_url(organization_id: str | None) -> str | None:
    if not organization_id:
        return None
    return url_for("public.organization", organization_id=organization_id)


@bp.app_template_global()
def locations_map(locations: Iterable[Location], label: str | None = None) -> Markup:
    """For an organization's or a service's page: its locations that may be shown."""
    points = points_from_locations(
        locations,
        label=lambda location: (
            location.name or (location.organization.name if location.organization else _("Lokasi"))
        ),
    )
    return small_map(points, label=label)


@bp.app_template_global()
def region_map(region: Region, label: str | None = None) -> Markup:
    """For a region's page: the public locations in it (from the cached map document),
    around the region's centre when it has none."""
    document = map_document().document
    organizations = document["organizations"]
    prefix = region.code[:5]
    points = [
        MapPoint(
            row[0],
            row[1],
            organizations[row[2]][1] + (f" · {row[5]}" if row[5] else ""),
            _organization_url(organizations[row[2]][0]),
        )
        for row in document["locations"]
        if row[0] is not None and row[4] and (row[4] == prefix or row[4].startswith(f"{prefix}."))
    ]
    return small_map(
        points,
        center=(region.latitude, region.longitude),
        zoom=REGION_ZOOM.get(region.level, 10),
        label=label or _("Peta layanan di %(region)s", region=region.name),
    )

"""folium maps that load nothing from a CDN.

folium points every page at Leaflet, jQuery, Bootstrap and Font Awesome on public CDNs
(``default_js``/``default_css`` on ``folium.Map`` and on each plugin class). Offline, or
on a network that blocks those hosts, such a page is blank. Here each folium asset name
maps to a copy under ``static/vendor/`` (see its README) or to nothing when our maps do
not need it; an asset we have not mapped is an error, so a folium upgrade that adds one
fails loudly instead of quietly reaching for a CDN.

folium's own page header also carries a viewport meta that forbids zooming and styles
that set ``html, body`` to full height: we do not use that header, only the asset list,
the map's ``<div>`` and its script, placed in our own templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import folium
from branca.element import Element, Figure
from markupsafe import Markup

LEAFLET = "vendor/leaflet-1.9.4"
MARKERCLUSTER = "vendor/leaflet.markercluster-1.5.3"

# folium asset name -> file under static/, or None: not needed by our maps.
LOCAL_JS: dict[str, str | None] = {
    "leaflet": f"{LEAFLET}/leaflet.js",
    "markerclusterjs": f"{MARKERCLUSTER}/leaflet.markercluster.js",
    "jquery": None,
    "bootstrap": None,
    "awesome_markers": None,
}
LOCAL_CSS: dict[str, str | None] = {
    "leaflet_css": f"{LEAFLET}/leaflet.css",
    "markerclustercss": f"{MARKERCLUSTER}/MarkerCluster.css",
    "markerclusterdefaultcss": f"{MARKERCLUSTER}/MarkerCluster.Default.css",
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}

# Leaflet's default tiles stop at 19; FastMarkerCluster needs the map to know a maxZoom.
MAX_ZOOM = 19
INDONESIA_CENTER = (-2.5, 118.0)
INDONESIA_ZOOM = 5
# South-west and north-east corners: Rote to Weh, Sabang to Merauke.
INDONESIA_BOUNDS = [[-11.1, 94.9], [6.1, 141.1]]

StaticUrl = Callable[[str], str]


class UnknownAssetError(ValueError):
    """A folium element asks for a script or stylesheet we hold no local copy of."""


def _local(assets: Sequence[tuple[str, str]], table: dict[str, str | None]) -> list[str]:
    files = []
    for name, url in assets:
        if name not in table:
            raise UnknownAssetError(f"no local copy of folium asset {name!r} ({url})")
        local = table[name]
        if local is not None:
            files.append(local)
    return files


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def localize(root: Element, static_url: StaticUrl) -> None:
    """Point every element of the map at our local copies (in place).

    ``static_url`` turns a path under ``static/`` into a URL (``url_for('static', ...)``).
    """
    for element in _walk(root):
        if hasattr(element, "default_js"):
            element.default_js = [
                (path, static_url(path)) for path in _local(element.default_js, LOCAL_JS)
            ]
        if hasattr(element, "default_css"):
            element.default_css = [
                (path, static_url(path)) for path in _local(element.default_css, LOCAL_CSS)
            ]


def base_map(
    tiles_url: str,
    attribution: str,
    location: Sequence[float] = INDONESIA_CENTER,
    zoom_start: int = INDONESIA_ZOOM,
    **kwargs: Any,
) -> folium.Map:
    """A map with one tile layer from ``tiles_url`` (any ``{z}/{x}/{y}`` template).

    ``tiles=None`` plus our own ``TileLayer``: the tile server comes from configuration,
    and the layer's ``max_zoom`` is what marker clustering needs to work at all.
    """
    folium_map = folium.Map(
        location=list(location),
        zoom_start=zoom_start,
        tiles=None,
        max_zoom=MAX_ZOOM,
        control_scale=True,
        **kwargs,
    )
    folium.TileLayer(tiles=tiles_url, attr=attribution, max_zoom=MAX_ZOOM).add_to(folium_map)
    return folium_map


@dataclass(frozen=True)
class RenderedMap:
    """The pieces of a folium map to place in a page of ours."""

    map_name: str
    stylesheets: list[str]
    scripts: list[str]
    html: Markup
    script: Markup

    def assets_css(self) -> Markup:
        """``<link>`` tags for the local stylesheets, in folium's order."""
        return Markup("\n").join(
            Markup('<link rel="stylesheet" href="{}">').format(url) for url in self.stylesheets
        )

    def assets_js(self) -> Markup:
        """``<script src>`` tags for the local scripts, in folium's order."""
        return Markup("\n").join(
            Markup('<script src="{}"></script>').format(url) for url in self.scripts
        )


def render_map(folium_map: folium.Map, static_url: StaticUrl) -> RenderedMap:
    """Localize and render ``folium_map``: asset URLs, the map's ``<div>``, its script."""
    localize(folium_map, static_url)
    figure = cast(Figure, folium_map.get_root())
    figure.render()
    stylesheets: list[str] = []
    scripts: list[str] = []
    for element in _walk(folium_map):
        for _name, url in getattr(element, "default_css", []):
            if url not in stylesheets:
                stylesheets.append(url)
        for _name, url in getattr(element, "default_js", []):
            if url not in scripts:
                scripts.append(url)
    return RenderedMap(
        map_name=folium_map.get_name(),
        stylesheets=stylesheets,
        scripts=scripts,
        # folium built these from our data through its templates (JSON-encoded values).
        html=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
    )

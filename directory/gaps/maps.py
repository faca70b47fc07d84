"""The gap map: one dot per regency/city at its gazetteer reference point, gaps in one
colour and covered regencies in another, built with folium like the other maps (local
Leaflet, the configured tiles, the page's CSP nonce on its script).

Only regency reference points are drawn, never a service location: the analysis counts
confidential places, and the map must not show where they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import folium
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from directory.gaps.analysis import Regency
from directory.map.folium_assets import INDONESIA_BOUNDS, RenderedMap, base_map, render_map

if TYPE_CHECKING:
    from directory.gaps.report import GapReport

# Orange-red and blue: told apart with the common colour-vision deficiencies; covered
# regencies also carry a white ring, so colour is not the only cue (the legend on the page
# says so in words).
GAP_COLOUR = "#c2410c"
COVERED_COLOUR = "#1d4ed8"
GAP_STYLE: dict[str, Any] = {
    "color": "#7c2d12",
    "weight": 1,
    "fillColor": GAP_COLOUR,
    "fillOpacity": 0.9,
}
COVERED_STYLE: dict[str, Any] = {
    "color": "#ffffff",
    "weight": 2,
    "fillColor": COVERED_COLOUR,
    "fillOpacity": 1,
}
RADIUS = 5

# Tooltips are built with textContent: names are never parsed as HTML.
TOOLTIP = folium.JsCode(
    """function (feature, layer) {
    var label = document.createElement("span");
    label.textContent = feature.properties.label;
    layer.bindTooltip(label);
}"""
)


def _feature(regency: Regency, label: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [regency.longitude, regency.latitude]},
        "properties": {"code": regency.code, "label": label},
    }


def _features(report: GapReport) -> tuple[list[dict], list[dict]]:
    """(gap features, covered features) with a one-line description each."""
    gaps: list[dict] = []
    covered: list[dict] = []
    km = report.distance_km
    if len(report.problems) == 1:
        for row in report.rows(report.problems[0].id):
            place = f"{row.regency.name}, {row.regency.province}"
            if row.nearest_km is None:
                text = _("%(place)s: tidak ada layanan yang cocok", place=place)
            else:
                text = _(
                    "%(place)s: layanan terdekat %(nearest)s km",
                    place=place,
                    nearest=row.nearest_km,
                )
            (covered if row.covered else gaps).append(_feature(row.regency, text))
        return gaps, covered
    for item in report.summary:
        place = f"{item.regency.name}, {item.regency.province}"
        count = len(item.gap_problem_ids)
        text = ngettext(
            "%(place)s: %(num)s masalah tanpa layanan dalam %(km)s km",
            "%(place)s: %(num)s masalah tanpa layanan dalam %(km)s km",
            count,
            place=place,
            km=km,
        )
        (gaps if count else covered).append(_feature(item.regency, text))
    return gaps, covered


def gap_map(report: GapReport) -> RenderedMap:
    """The folium map of ``report``, localized; call inside a request."""
    config = current_app.config
    # A canvas, not 514 SVG elements: lighter on a cheap phone.
    folium_map = base_map(
        config["MAP_TILES_URL"], config["MAP_TILES_ATTRIBUTION"], min_zoom=3, prefer_canvas=True
    )
    folium_map.fit_bounds(INDONESIA_BOUNDS)
    gaps, covered = _features(report)
    layers = [(gaps, GAP_STYLE, _("Kesenjangan")), (covered, COVERED_STYLE, _("Terjangkau"))]
    # The smaller set last, on top: where dots overlap, the exceptions stay visible.
    for features, style, name in sorted(layers, key=lambda layer: -len(layer[0])):
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=name,
            marker=folium.CircleMarker(radius=RADIUS, **style),
            style_function=lambda _feature, style=style: style,
            on_each_feature=TOOLTIP,
        ).add_to(folium_map)
    return render_map(folium_map, lambda path: url_for("static", filename=path))

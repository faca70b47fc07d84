"""``/peta``: the map page, and ``/peta/data.json``: what its markers are made of."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from folium.plugins import MarkerCluster

# folium_maps: the small maps' template globals, added to this blueprint.
from directory.map import folium_maps  # noqa: F401
from directory.map.blueprint import bp
from directory.map.document import map_document
from directory.map.folium_assets import INDONESIA_BOUNDS, RenderedMap, base_map, render_map
from directory.public.helpers import display_locale

# Browsers revalidate the document (ETag) after this many seconds.
BROWSER_MAX_AGE = 60
_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
FILTER_ARGS = ("masalah", "jenis", "provinsi", "kabkota", "buka", "gratis")


def _overview_map() -> tuple[RenderedMap, str]:
    """folium's part of ``/peta`` and the cluster layer's name. It holds no data, only the
    tile server, so it is rendered once per tile configuration and kept."""
    config = current_app.config
    key = (config["MAP_TILES_URL"], config["MAP_TILES_ATTRIBUTION"], request.script_root)
    kept: dict[tuple[str, str, str], tuple[RenderedMap, str]] = current_app.extensions[
        "map_overview"
    ]
    if key not in kept:
        # min_zoom: the whole country still fits a phone at 3; clustering works out every
        # level from here to the maximum, so the world view's levels would be wasted work.
        folium_map = base_map(key[0], key[1], min_zoom=3)
        folium_map.fit_bounds(INDONESIA_BOUNDS)
        cluster = MarkerCluster(
            control=False,
            # Clusters are worked out in slices of a quarter second, so that the page
            # stays responsive while 10,000 markers are placed; the pauses are short.
            chunkedLoading=True,
            chunkInterval=250,
            chunkDelay=10,
            showCoverageOnHover=False,
            spiderfyOnMaxZoom=True,
        ).add_to(folium_map)
        rendered = render_map(folium_map, lambda path: url_for("static", filename=path))
        kept[key] = (rendered, cluster.get_name())
    return kept[key]


def _id_url(endpoint: str, argument: str) -> str:
    """A URL pattern with ``{id}`` where the id goes, for the page's script."""
    arguments: dict[str, Any] = {argument: _PLACEHOLDER_ID}
    return url_for(endpoint, **arguments).replace(_PLACEHOLDER_ID, "{id}")


def _script_strings() -> dict[str, str]:
    return {
        "loadError": _(
            "Data peta tidak dapat dimuat. Periksa sambungan internet Anda, lalu muat ulang "
            "halaman ini."
        ),
        "count": _("%(count)s lokasi cocok dengan pilihan Anda.", count="{count}"),
        "countNone": _("Tidak ada lokasi yang cocok. Coba longgarkan saringan."),
        "openNow": _("Buka sekarang"),
        "closedNow": _("Tutup sekarang"),
        "hoursUnknown": _("Jam buka belum tercatat"),
        "allDay": _("24 jam"),
        "phone": _("Telepon"),
        "showOnMap": _("Tunjukkan di peta"),
        "notOnMap": _("Belum ada di peta: koordinatnya belum tercatat."),
        "confidential": _("Lokasi dirahasiakan"),
        "confidentialHelp": _(
            "Demi keamanan penghuninya, alamat dan letak tempat ini tidak ditampilkan."
        ),
        "reachThrough": _("Hubungi lembaganya:"),
        "or": _("atau"),
        "hotline": _("layanan pengaduan kekerasan terhadap perempuan dan anak"),
        "cluster": _("%(count)s lokasi", count="{count}"),
        "moreServices": _("dan %(count)s layanan lain", count="{count}"),
        "more": _("Tampilkan %(count)s lagi", count="{count}"),
        "locating": _("Mencari lokasi Anda…"),
        "located": _("Diurutkan dari yang terdekat dengan lokasi Anda."),
        "locationFailed": _(
            "Lokasi Anda tidak dapat diketahui. Izinkan akses lokasi di peramban, atau pilih "
            "provinsi dan kabupaten/kota."
        ),
        "you": _("Lokasi Anda"),
        "distance": _("%(km)s km dari Anda", km="{km}"),
    }


def _filter_options(document: dict[str, Any], locale: str) -> dict[str, Any]:
    """Choices for the filter form: only terms and regions that some location has."""
    used_terms = {index for service in document["services"] for index in service[3]}
    terms: dict[str, list[tuple[str, str]]] = {"problem": [], "service_type": []}
    for index, (term_id, name, name_en, kind) in enumerate(document["terms"]):
        if index in used_terms:
            terms[kind].append((term_id, name_en if locale == "en" and name_en else name))
    regions = document["regions"]
    provinces = sorted(
        ((code, name) for code, name in regions.items() if "." not in code),
        key=lambda item: item[1].casefold(),
    )
    regencies = sorted(
        ((code, name) for code, name in regions.items() if "." in code),
        key=lambda item: item[1].casefold(),
    )
    return {
        "problems": sorted(terms["problem"], key=lambda item: item[1].casefold()),
        "service_types": sorted(terms["service_type"], key=lambda item: item[1].casefold()),
        "provinces": provinces,
        "regencies": regencies,
    }


@bp.get("/peta")
def map_page() -> ResponseReturnValue:
    cached = map_document()
    locale = display_locale()
    rendered, cluster_name = _overview_map()
    days = Locale.parse(locale).days["format"]["abbreviated"]
    script_config = {
        "dataUrl": url_for(".map_data"),
        "map": rendered.map_name,
        "cluster": cluster_name,
        "organizationUrl": _id_url("public.organization", "organization_id"),
        "serviceUrl": _id_url("public.service", "service_id"),
        "lang": locale,
        "days": [days[i] for i in range(7)],
        "timeSeparator": "." if locale == "id" else ":",
        "strings": _script_strings(),
    }
    return render_template(
        "map/map.html",
        rendered=rendered,
        script_config=script_config,
        options=_filter_options(cached.document, locale),
        selected={name: request.args.get(name, "") for name in FILTER_ARGS},
    )


@bp.get("/map")
def map_alias() -> ResponseReturnValue:
    arguments: dict[str, Any] = request.args.to_dict(flat=False)
    return redirect(url_for(".map_page", **arguments), code=301)


@bp.get("/peta/data.json")
def map_data() -> ResponseReturnValue:
    """The compact document (see :mod:`directory.map.data`), gzipped when the client
    accepts it, with an ETag so that a revisit costs a 304."""
    cached = map_document()
    gzipped = request.accept_encodings["gzip"] > 0
    response = Response(cached.gzipped if gzipped else cached.body, mimetype="application/json")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{cached.etag}-gz" if gzipped else cached.etag)
    response.cache_control.public = True
    response.cache_control.max_age = BROWSER_MAX_AGE
    return response.make_conditional(request)

"""The map page and its data over HTTP (Flask's test client), and the small maps."""

from __future__ import annotations

import gzip
import json
import re

import folium
import pytest
from flask import Flask
from flask.testing import FlaskClient

from directory.config import DEFAULTS
from directory.map.folium_assets import UnknownAssetError, localize
from tests.factories import (
    AddressFactory,
    LocationFactory,
    ServiceAtLocationFactory,
)

CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "netdna", "unpkg")
SECRET_STREET = "Jl. Rahasia Kenanga No. 3"


@pytest.fixture
def places(db: object) -> dict[str, object]:
    public = ServiceAtLocationFactory(
        service__name="Konseling keluarga",
        location__latitude=-6.1234,
        location__longitude=106.1567,
    )
    AddressFactory(location=public.location, address_1="Jl. Terbuka No. 1")
    safe_house = LocationFactory(
        organization=public.service.organization,
        name="Rumah Aman Kenanga",
        latitude=-6.4321,
        longitude=106.7654,
        confidential=True,
    )
    AddressFactory(location=safe_house, address_1=SECRET_STREET)
    ServiceAtLocationFactory(service=public.service, location=safe_house)
    db.session.commit()  # type: ignore[attr-defined]
    return {"public": public, "organization": public.service.organization}


def _local_assets(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)


@pytest.mark.usefixtures("places")
def test_map_page_loads_nothing_from_a_cdn(client: FlaskClient, app: Flask) -> None:
    response = client.get("/peta")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    for host in CDN_HOSTS:
        assert host not in html
    assets = _local_assets(html)
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in assets
    assert "/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js" in assets
    assert all(url.startswith("/") for url in assets), assets
    # The only addresses beyond the app: the configured tile server, and the quick exit's
    # neutral site (a link the visitor may follow, nothing loaded from it).
    external = set(re.findall(r"https?://[^\s\"'<>\\]+", html))
    tiles = app.config["MAP_TILES_URL"]
    quick_exit = app.config["QUICK_EXIT_URL"]
    assert external <= {tiles, quick_exit, "https://www.openstreetmap.org/copyright"}
    # folium's own header is not used: zooming stays allowed.
    assert "user-scalable=no" not in html


def test_tiles_default_to_openstreetmap_with_its_attribution() -> None:
    assert DEFAULTS["MAP_TILES_URL"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in str(DEFAULTS["MAP_TILES_ATTRIBUTION"])


@pytest.mark.usefixtures("places")
def test_configured_tile_server_is_the_one_used(client: FlaskClient, app: Flask) -> None:
    app.config["MAP_TILES_URL"] = "https://tiles.example.id/{z}/{x}/{y}.png"
    app.config["MAP_TILES_ATTRIBUTION"] = "Peta dasar contoh"
    html = client.get("/peta").get_data(as_text=True)
    assert "https://tiles.example.id/{z}/{x}/{y}.png" in html
    assert "Peta dasar contoh" in html
    assert "tile.openstreetmap.org" not in html


def test_map_alias_redirects_with_the_filters(client: FlaskClient) -> None:
    response = client.get("/map?gratis=1&provinsi=36")
    assert response.status_code == 301
    assert response.headers["Location"] == "/peta?gratis=1&provinsi=36"


@pytest.mark.usefixtures("places")
def test_data_is_gzipped_for_those_who_accept_it_and_cached(client: FlaskClient) -> None:
    plain = client.get("/peta/data.json")
    zipped = client.get("/peta/data.json", headers={"Accept-Encoding": "gzip, br"})

    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["Cache-Control"] == "public, max-age=60"
    assert plain.headers["ETag"] != zipped.headers["ETag"]

    again = client.get(
        "/peta/data.json",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert again.status_code == 304
    assert again.data == b""


def test_data_follows_changes_to_the_directory(
    client: FlaskClient, app: Flask, places: dict[str, object], db: object
) -> None:
    app.config["MAP_VERSION_RECHECK_SECONDS"] = 0
    before = client.get("/peta/data.json")
    ServiceAtLocationFactory(service__name="Bantuan hukum")
    db.session.commit()  # type: ignore[attr-defined]
    after = client.get("/peta/data.json", headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    names = [service[1] for service in after.get_json()["services"]]
    assert "Bantuan hukum" in names


def test_confidential_place_is_in_neither_page_nor_data(
    client: FlaskClient, places: dict[str, object]
) -> None:
    data = client.get("/peta/data.json").get_json()
    page = client.get("/peta").get_data(as_text=True)
    body = json.dumps(data, ensure_ascii=False)

    for text in (body, page):
        for secret in ("Rumah Aman Kenanga", SECRET_STREET, "-6.4321", "106.7654"):
            assert secret not in text
    assert len(data["locations"]) == 1
    assert len(data["confidential"]) == 1


def test_organization_page_map_shows_only_public_locations(
    client: FlaskClient, places: dict[str, object]
) -> None:
    organization = places["organization"]
    html = client.get(f"/lembaga/{organization.id}").get_data(as_text=True)  # type: ignore[attr-defined]

    assert 'class="small-map"' in html
    assert "-6.1234, 106.1567" in html
    assert "-6.4321" not in html and "106.7654" not in html
    for host in CDN_HOSTS:
        assert host not in html


@pytest.mark.usefixtures("places")
def test_region_page_map_shows_the_places_in_the_region(client: FlaskClient) -> None:
    html = client.get("/wilayah/36.73").get_data(as_text=True)
    assert 'class="small-map"' in html
    assert "-6.1234, 106.1567" in html
    assert "-6.4321" not in html


def test_unknown_folium_asset_is_refused() -> None:
    folium_map = folium.Map(tiles=None)
    folium_map.default_js = [*folium_map.default_js, ("newlib", "https://cdn.example/new.js")]
    with pytest.raises(UnknownAssetError, match="newlib"):
        localize(folium_map, lambda path: f"/static/{path}")


def test_localize_keeps_only_what_our_maps_need() -> None:
    folium_map = folium.Map(tiles=None)
    localize(folium_map, lambda path: f"/static/{path}")
    assert folium_map.default_js == [
        ("vendor/leaflet-1.9.4/leaflet.js", "/static/vendor/leaflet-1.9.4/leaflet.js")
    ]
    assert [url for _, url in folium_map.default_css] == [
        "/static/vendor/leaflet-1.9.4/leaflet.css"
    ]

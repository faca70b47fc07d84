"""The services map in a real browser: clusters, filters, popups, the list, near me, a
phone-sized screen, and a page that reaches for nothing beyond the app and its tiles."""

from __future__ import annotations

import math
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveSite, PageWatch, TileServer
from tests.browser.directory_seed import CITIES, POPUP_ORGANIZATION
from tests.browser.map_helpers import (
    CONFIG,
    MARKERS_DRAWN,
    MARKERS_IN_LAYER,
    open_map,
    set_view,
    wait_for_layer_count,
    wait_until_still,
)
from tests.browser.page_checks import phone_page


def test_map_draws_clusters_holding_every_public_place(page: Page, live_site: LiveSite) -> None:
    expected = live_site.seed.count()
    open_map(page)

    assert page.evaluate(MARKERS_IN_LAYER) == expected
    expect(page.locator(".marker-cluster").first).to_be_visible()
    page.wait_for_function(f"() => ({MARKERS_DRAWN})() === {expected}")
    # The list also holds the one service at a confidential place (with no marker).
    expect(page.locator("#map-status")).to_have_text(
        f"{expected + 1} lokasi cocok dengan pilihan Anda."
    )

    # Zoomed in on one city, its places are single markers, named.
    place = next(p for p in live_site.seed.places if p.organization == POPUP_ORGANIZATION)
    set_view(page, place.latitude, place.longitude, 17)
    expect(page.locator(f'img.leaflet-marker-icon[title="{POPUP_ORGANIZATION}"]')).to_be_visible()


def test_clicking_a_cluster_zooms_in_and_splits_it(page: Page) -> None:
    open_map(page)
    zoom_before = page.evaluate(f"() => window[{CONFIG}.map].getZoom()")
    clusters_before = page.locator(".marker-cluster").count()
    page.locator(".marker-cluster").first.click()
    page.wait_for_function(f"() => window[{CONFIG}.map].getZoom() > {zoom_before}")
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon').length"
        f" > {clusters_before} || document.querySelectorAll('img.leaflet-marker-icon').length > 0"
    )


def test_filters_narrow_markers_and_list_without_reloading(page: Page, live_site: LiveSite) -> None:
    seed = live_site.seed
    open_map(page)
    page.evaluate("() => { window.notReloaded = true; }")

    page.get_by_label("Masalah").select_option(label=seed.term_names["kdrt"])
    wait_for_layer_count(page, seed.count(problem="kdrt"))
    expect(page.locator("#map-results > li")).to_have_count(seed.count(problem="kdrt"))
    expect(page.locator("#map-status")).to_have_text(
        f"{seed.count(problem='kdrt') + 1} lokasi cocok dengan pilihan Anda."
    )
    assert "masalah=" in page.url

    page.get_by_label("Buka sekarang").check()
    wait_for_layer_count(page, seed.count(problem="kdrt", open_now=True))
    # Confidential places publish no hours: "open now" leaves them out of the list too.
    expect(page.locator("#map-confidential")).to_be_hidden()

    page.get_by_label("Buka sekarang").uncheck()
    page.get_by_label("Masalah").select_option(value="")
    page.get_by_label("Gratis").check()
    wait_for_layer_count(page, seed.count(free=True))

    page.get_by_label("Gratis").uncheck()
    page.get_by_label("Provinsi", exact=True).select_option(label="Nusa Tenggara Timur")
    in_kupang = sum(1 for p in seed.places if -11 < p.latitude < -9)
    wait_for_layer_count(page, in_kupang)
    regencies = page.get_by_label("Kabupaten/kota").locator("option")
    expect(regencies).to_have_text(["Semua kabupaten/kota", "Kota Kupang"])
    # The map moved to the province's places.
    assert page.evaluate(f"() => window[{CONFIG}.map].getBounds().contains([-10.17, 123.6])")

    assert page.evaluate("() => window.notReloaded") is True


def test_a_filter_changed_while_markers_are_placed_wins(page: Page, live_site: LiveSite) -> None:
    seed = live_site.seed
    open_map(page)
    # Two changes in one go: the second arrives while the first placement is under way.
    page.evaluate(
        """([first, second]) => {
          const select = document.getElementById('filter-problem');
          for (const value of [first, second]) {
            select.value = value;
            select.dispatchEvent(new Event('change', { bubbles: true }));
          }
        }""",
        [seed.terms["kdrt"], seed.terms["cerai"]],
    )
    wait_for_layer_count(page, seed.count(problem="cerai"))
    expect(page.locator("#map-results > li")).to_have_count(seed.count(problem="cerai"))


def test_filters_in_the_address_apply_on_arrival(page: Page, live_site: LiveSite) -> None:
    seed = live_site.seed
    open_map(page, f"/peta?masalah={seed.terms['cerai']}&gratis=1")
    wait_for_layer_count(page, seed.count(problem="cerai", free=True))
    expect(page.get_by_label("Gratis")).to_be_checked()


def test_popup_from_the_list_and_from_the_marker(page: Page, live_site: LiveSite) -> None:
    open_map(page)
    page.get_by_label("Provinsi", exact=True).select_option(label="Kalimantan Barat")
    item = page.locator("#map-results > li").filter(has_text=POPUP_ORGANIZATION)
    item.get_by_role("button", name="Tunjukkan di peta").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(POPUP_ORGANIZATION)
    expect(popup.get_by_role("link", name=POPUP_ORGANIZATION, exact=True)).to_be_focused()
    expect(popup.locator("a[href^='tel:']")).to_have_count(1)
    expect(popup.get_by_role("link", name=re.compile("Konseling"))).to_have_attribute(
        "href", re.compile(r"^/layanan/[0-9a-f-]{36}$")
    )

    page.locator(".leaflet-popup-close-button").click()
    expect(popup).to_have_count(0)
    page.locator(f'img.leaflet-marker-icon[title="{POPUP_ORGANIZATION}"]').click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(POPUP_ORGANIZATION)


def test_everything_but_the_background_works_without_tiles(
    page: Page, live_site: LiveSite, tile_server: TileServer, watch: PageWatch
) -> None:
    seed = live_site.seed
    with tile_server.unreachable():
        open_map(page)
        page.wait_for_function(f"() => ({MARKERS_DRAWN})() === {seed.count()}")
        page.get_by_label("Masalah").select_option(label=seed.term_names["cerai"])
        wait_for_layer_count(page, seed.count(problem="cerai"))
        item = page.locator("#map-results > li").filter(has_text=POPUP_ORGANIZATION)
        item.get_by_role("button", name="Tunjukkan di peta").click()
        expect(page.locator(".leaflet-popup-content")).to_contain_text(POPUP_ORGANIZATION)

    tile_failures = [f for f in watch.failed if f.startswith(live_site.tile_origin)]
    assert tile_failures, "the tiles were meant to be unreachable"
    assert watch.page_errors == []
    assert [e for e in watch.console_errors if live_site.tile_origin not in e] == []


def test_no_console_errors_and_no_request_beyond_app_and_tiles(
    page: Page, live_site: LiveSite, watch: PageWatch, artifacts: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    open_map(page)
    page.wait_for_function(f"() => ({MARKERS_DRAWN})() === {live_site.seed.count()}")
    wait_until_still(page)
    page.locator(".map-canvas").screenshot(path=artifacts / "map-desktop.png")
    page.get_by_label("Masalah").select_option(label=live_site.seed.term_names["kdrt"])
    page.locator(".marker-cluster").first.click()
    page.wait_for_load_state("networkidle")
    wait_until_still(page)
    page.locator(".map-canvas").screenshot(path=artifacts / "map-desktop-zoomed.png")
    page.screenshot(path=artifacts / "map-desktop-page.png", full_page=True)

    assert watch.console_errors == []
    assert watch.page_errors == []
    assert watch.failed == []
    allowed = (live_site.url + "/", live_site.tile_origin + "/", "data:")
    outside = [url for url in watch.requests if not url.startswith(allowed)]
    assert outside == []
    assert any(url.startswith(live_site.tile_origin) for url in watch.requests)
    assert any(url.endswith("/peta/data.json") for url in watch.requests)


def test_phone_sized_screen(browser: Browser, live_site: LiveSite, artifacts: Path) -> None:
    with phone_page(browser, live_site.url, is_mobile=True, has_touch=True) as page:
        watch = PageWatch()
        watch.attach(page)
        open_map(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        canvas = page.locator(".map-canvas").bounding_box()
        assert canvas is not None
        assert canvas["width"] <= 360 and canvas["height"] >= 250
        for label in ("Masalah", "Jenis layanan", "Kabupaten/kota"):
            box = page.get_by_label(label).bounding_box()
            assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 360
        page.locator(".map-canvas").scroll_into_view_if_needed()
        page.wait_for_function(f"() => ({MARKERS_DRAWN})() === {live_site.seed.count()}")
        wait_until_still(page)
        page.screenshot(path=artifacts / "map-phone.png")

        zoom_before = page.evaluate(f"() => window[{CONFIG}.map].getZoom()")
        page.locator(".marker-cluster").first.tap()
        page.wait_for_function(f"() => window[{CONFIG}.map].getZoom() > {zoom_before}")
        item = page.locator("#map-results > li").filter(has_text=POPUP_ORGANIZATION)
        item.get_by_role("button", name="Tunjukkan di peta").tap()
        expect(page.locator(".leaflet-popup-content")).to_contain_text(POPUP_ORGANIZATION)
        wait_until_still(page)
        page.screenshot(path=artifacts / "map-phone-popup.png")
        assert watch.console_errors == [] and watch.page_errors == []


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_near_me_orders_the_list_by_distance(browser: Browser, live_site: LiveSite) -> None:
    here = (CITIES["Kota Kupang"][1] - 0.004, CITIES["Kota Kupang"][2] + 0.031)
    nearest = min(live_site.seed.places, key=lambda p: _km(here, (p.latitude, p.longitude)))
    context = browser.new_context(
        base_url=live_site.url,
        geolocation={"latitude": here[0], "longitude": here[1]},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        open_map(page)
        page.get_by_role("button", name="Di dekat saya").click()
        expect(page.locator("#map-status")).to_contain_text("terdekat")
        first = page.locator("#map-results > li").first
        expect(first.locator("h3")).to_have_text(nearest.organization)
        expect(first.locator(".map-distance")).to_contain_text("km")
        assert page.evaluate(f"() => window[{CONFIG}.map].getZoom()") >= 10
    finally:
        context.close()


def test_map_alias_leads_to_the_map(page: Page) -> None:
    page.goto("/map")
    assert page.url.endswith("/peta")
    expect(page.get_by_role("heading", level=1)).to_have_text("Peta layanan")

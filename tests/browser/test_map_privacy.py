"""A safe house appears nowhere a visitor's browser can reach: not in a page's source,
not in the marker data, not in any response, not as a marker. Only "lokasi
dirahasiakan" and how to reach it through its organization or SAPA 129."""

from __future__ import annotations

from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import LiveSite
from tests.browser.map_helpers import CONFIG, open_map

TEXT_TYPES = ("text/", "application/json", "application/javascript")


def _record_bodies(page: Page) -> list[tuple[str, str]]:
    bodies: list[tuple[str, str]] = []

    def keep(response: Response) -> None:
        kind = response.headers.get("content-type", "")
        if response.status == 200 and kind.startswith(TEXT_TYPES):
            bodies.append((response.url, response.text()))

    page.on("response", keep)
    return bodies


def test_confidential_place_appears_nowhere(page: Page, live_site: LiveSite) -> None:
    hidden = live_site.seed.confidential
    assert hidden is not None
    bodies = _record_bodies(page)

    open_map(page)
    page.get_by_label("Provinsi", exact=True).select_option(label="Nusa Tenggara Timur")
    entry = page.locator("#map-confidential-list > li")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(hidden.organization)
    expect(entry).to_contain_text("Lokasi dirahasiakan")
    expect(entry.locator("a[href^='tel:']").first).to_have_text(hidden.organization_phone)
    expect(entry.get_by_role("link", name="SAPA 129")).to_have_attribute("href", "tel:129")

    marker_points = page.evaluate(
        f"() => window[{CONFIG}.cluster].getLayers().map((m) => m.getLatLng())"
    )
    for point in marker_points:
        assert (round(point["lat"], 3), round(point["lng"], 3)) != (-10.205, 123.585)

    organization_page = page.goto(f"/lembaga/{hidden.organization_id}")
    assert organization_page is not None and organization_page.status == 200
    page.goto(f"/layanan/{live_site.seed.service_id}")
    page.goto("/wilayah/53.71")
    page.wait_for_load_state("networkidle")

    assert any(url.endswith("/peta/data.json") for url, _ in bodies)
    for url, body in bodies:
        for secret in hidden.secrets:
            assert secret not in body, f"{secret!r} in {url}"
    rendered = page.content()
    for secret in hidden.secrets:
        assert secret not in rendered

"""The gap analysis page in a real browser, signed in as an administrator: the map's dots
(one per regency, gaps and covered told apart) agree with the table, a tooltip names the
regency, the safe house appears nowhere, nothing is fetched beyond the app and its tiles,
axe finds nothing serious, and a phone-sized screen works. Writes
``tests/artifacts/gap-map.png`` and ``gap-map-phone.png``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from directory.extensions import db
from directory.gaps.maps import COVERED_COLOUR, GAP_COLOUR
from tests.browser.conftest import LiveSite, PageWatch
from tests.browser.page_checks import assert_axe_clean, phone_page, sign_in
from tests.factories import UserFactory

MAP = "window[document.querySelector('.gaps-map .folium-map').id]"
# Every regency dot on the map, by fill colour.
DOTS = f"""() => {{
  const counts = {{}};
  {MAP}.eachLayer((layer) => {{
    if (layer instanceof L.CircleMarker) {{
      counts[layer.options.fillColor] = (counts[layer.options.fillColor] || 0) + 1;
    }}
  }});
  return counts;
}}"""


@pytest.fixture(scope="module")
def admin_email(live_site: LiveSite) -> str:
    """An administrator in the browser tests' directory (no organization, no services:
    the other browser tests' counts stay as they are)."""
    with live_site.app.app_context():
        user = UserFactory(role="admin", organization=None, email="admin.kesenjangan@example.org")
        email = user.email
        db.session.commit()
        db.session.remove()
    return email


def gap_url(site: LiveSite, distance: int = 50) -> str:
    return f"/admin/kesenjangan?masalah={site.seed.terms['kdrt']}&jarak={distance}"


def open_gaps(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(f"() => {MAP} && Object.keys(({DOTS})()).length > 0")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def signed_in(page: Page, admin_email: str) -> Iterator[Page]:
    sign_in(page, admin_email)
    yield page


def test_gap_map_agrees_with_the_table(
    signed_in: Page, live_site: LiveSite, watch: PageWatch, artifacts: Path
) -> None:
    page = signed_in
    page.set_viewport_size({"width": 1280, "height": 900})
    open_gaps(page, gap_url(live_site))

    gaps = page.locator("tr.gaps-row-gap").count()
    covered = page.locator("tr.gaps-row-covered").count()
    assert gaps > 400 and covered >= 2  # Kota Serang and Kota Kupang and neighbours
    assert page.evaluate(DOTS) == {GAP_COLOUR: gaps, COVERED_COLOUR: covered}
    expect(page.locator(".gaps-summary")).to_contain_text(f"{gaps} dari {gaps + covered}")
    expect(page.locator("tr.gaps-row-covered", has_text="Kota Serang")).to_have_count(1)
    expect(page.locator("tr.gaps-row-covered", has_text="Kota Kupang")).to_have_count(1)
    expect(page.locator(".gaps-legend li")).to_have_count(2)

    # A tooltip names the regency and its nearest service (as text, never as HTML).
    page.evaluate(
        f"""() => {{
          {MAP}.eachLayer((layer) => {{
            if (layer.feature && layer.feature.properties.code === '36.73') {{
              layer.openTooltip();
            }}
          }});
        }}"""
    )
    expect(page.locator(".leaflet-tooltip")).to_contain_text("Kota Serang, Banten")

    page.locator(".gaps-map").screenshot(path=artifacts / "gap-map.png")
    page.screenshot(path=artifacts / "gap-map-page.png", full_page=False)

    assert watch.console_errors == [] and watch.page_errors == []
    # Tiles of the first view are cancelled when the map fits Indonesia: not a failure.
    cancelled = (live_site.tile_origin, "net::ERR_ABORTED")
    assert [f for f in watch.failed if not (f.startswith(cancelled[0]) and cancelled[1] in f)] == []
    allowed = (live_site.url + "/", live_site.tile_origin + "/", "data:")
    assert [url for url in watch.requests if not url.startswith(allowed)] == []
    assert any(url.startswith(live_site.tile_origin) for url in watch.requests)


def test_the_safe_house_appears_nowhere(signed_in: Page, live_site: LiveSite) -> None:
    hidden = live_site.seed.confidential
    assert hidden is not None
    bodies: list[str] = []
    signed_in.on(
        "response",
        lambda response: (
            bodies.append(response.text())
            if response.status == 200 and "text/" in response.headers.get("content-type", "")
            else None
        ),
    )
    open_gaps(signed_in, gap_url(live_site, 25))
    rendered = signed_in.content()
    for secret in hidden.secrets:
        assert secret not in rendered
        assert all(secret not in body for body in bodies)
    # Dots sit on regency reference points only: none at the safe house.
    points = signed_in.evaluate(
        f"""() => {{
          const points = [];
          {MAP}.eachLayer((layer) => {{
            if (layer instanceof L.CircleMarker) {{ points.push(layer.getLatLng()); }}
          }});
          return points;
        }}"""
    )
    assert all((round(p["lat"], 2), round(p["lng"], 2)) != (-10.20, 123.59) for p in points)


def test_a_bad_distance_is_explained_on_the_page(signed_in: Page, live_site: LiveSite) -> None:
    signed_in.goto("/admin/kesenjangan")
    signed_in.get_by_label("Jarak terjauh yang masih terjangkau (km)").fill("nol")
    signed_in.get_by_role("button", name="Tampilkan").click()
    field = signed_in.get_by_label("Jarak terjauh yang masih terjangkau (km)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(signed_in.locator(".errors")).to_have_text(
        "Isi jarak dengan angka kilometer, misalnya 50."
    )


def test_no_serious_accessibility_violation(
    signed_in: Page, live_site: LiveSite, axe_source: str
) -> None:
    open_gaps(signed_in, gap_url(live_site))
    assert_axe_clean(signed_in, axe_source)


def test_phone_sized_screen(
    browser: Browser, live_site: LiveSite, admin_email: str, artifacts: Path
) -> None:
    with phone_page(browser, live_site.url, is_mobile=True, has_touch=True) as page:
        watch = PageWatch()
        watch.attach(page)
        sign_in(page, admin_email)
        open_gaps(page, gap_url(live_site))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        for label in ("Masalah", "Jarak terjauh yang masih terjangkau (km)"):
            box = page.get_by_label(label).bounding_box()
            assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 360
        canvas = page.locator(".gaps-map").bounding_box()
        assert canvas is not None and canvas["width"] <= 360 and canvas["height"] >= 250
        page.locator(".gaps-summary").evaluate("(element) => element.scrollIntoView()")
        page.screenshot(path=artifacts / "gap-map-phone.png")
        assert watch.console_errors == [] and watch.page_errors == []

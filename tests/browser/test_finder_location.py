"""The search page's "use my location": the device's position leaves the browser rounded
to 3 decimals (about 100 m), so the address bar, history and access logs never hold the
exact spot."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser

from tests.browser.conftest import LiveSite


def test_the_device_location_is_rounded_before_it_is_sent(
    browser: Browser, live_site: LiveSite
) -> None:
    here = (-10.1723456, 123.6071234)
    context = browser.new_context(
        base_url=live_site.url,
        geolocation={"latitude": here[0], "longitude": here[1]},
        permissions=["geolocation"],
    )
    sent: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda request: sent.append(request.url))
        page.goto("/cari")
        with page.expect_navigation():
            page.locator(".finder-locate").click()
        query = parse_qs(urlsplit(page.url).query)
        assert query["lat"] == ["-10.172"] and query["lon"] == ["123.607"]
        assert not any("1723456" in url or "6071234" in url or "17235" in url for url in sent)
        assert page.locator("#finder-lat").input_value() == "-10.172"
    finally:
        context.close()

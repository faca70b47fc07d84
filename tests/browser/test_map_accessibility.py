"""axe-core on the public pages, in Chromium: no serious or critical violation.

axe is injected into the page under test from ``tests/browser/vendor/`` (never served
by the app), through the DevTools protocol, and run after the page, and the map's
markers, have settled.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LiveSite
from tests.browser.page_checks import assert_axe_clean


def _pages(site: LiveSite) -> dict[str, str]:
    return {
        "home": "/",
        "map": "/peta",
        "regions": "/wilayah",
        "province": "/wilayah/53",
        "regency": "/wilayah/53.71",
        "organization": f"/lembaga/{site.seed.organization_id}",
        "service": f"/layanan/{site.seed.service_id}",
    }


@pytest.mark.parametrize(
    "name", ["home", "map", "regions", "province", "regency", "organization", "service"]
)
def test_no_serious_accessibility_violation(
    page: Page, live_site: LiveSite, axe_source: str, name: str
) -> None:
    response = page.goto(_pages(live_site)[name])
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert_axe_clean(page, axe_source)

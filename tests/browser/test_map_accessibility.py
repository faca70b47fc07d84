"""axe-core on the public pages, in Chromium: no serious or critical violation.

axe is injected into the page under test from ``tests/browser/vendor/`` (never served
by the app), through the DevTools protocol, and run after the page, and the map's
markers, have settled.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LiveSite

BLOCKING = ("serious", "critical")


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
    # Through the DevTools protocol, not a <script> tag: the page's content security
    # policy (rightly) refuses inline scripts without its nonce.
    page.evaluate(axe_source)
    result = page.evaluate(
        """async () => {
          const result = await axe.run(document);
          return {
            passed: result.passes.length,
            violations: result.violations.map((v) => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
            })),
          };
        }"""
    )
    assert result["passed"] > 10  # axe ran its rules on a real page
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in blocking
    )

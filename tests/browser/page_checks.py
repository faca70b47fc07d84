"""What several browser tests do on a page: sign in, run axe-core, measure sideways
scrolling, and open a phone-sized page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page

from tests.factories import TEST_PASSWORD

BLOCKING = ("serious", "critical")
AXE_RUN = """async () => {
  const result = await axe.run(document);
  return {
    passed: result.passes.length,
    violations: result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    })),
  };
}"""
PHONE = {"width": 360, "height": 740}


def sign_in(page: Page, email: str) -> None:
    """Sign in through the form (every test account has ``TEST_PASSWORD``)."""
    page.goto("/masuk")
    page.get_by_label("Alamat email").fill(email)
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/masuk")
    page.wait_for_load_state("networkidle")


def assert_axe_clean(page: Page, axe_source: str) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    # Through the DevTools protocol, not a <script> tag: the page's content security
    # policy (rightly) refuses inline scripts without its nonce.
    page.evaluate(axe_source)
    result = page.evaluate(AXE_RUN)
    assert result["passed"] > 10  # axe ran its rules on a real page
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in blocking
    )


def sideways_overflow(page: Page) -> int:
    """How far the page scrolls sideways (0 or less: not at all)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


@contextmanager
def phone_page(browser: Browser, base_url: str, **options: Any) -> Iterator[Page]:
    """A page in a new 360x740 context at twice the pixel density, closed afterwards."""
    context = browser.new_context(
        base_url=base_url, viewport=PHONE, device_scale_factor=2, **options
    )
    try:
        yield context.new_page()
    finally:
        context.close()

"""Search in a real browser after a listing edit: the page answers from the index as before
(never the "index being rebuilt" notice), and shows the edit once the index has followed."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from directory.extensions import db
from directory.institutions.models import Service
from tests.browser.conftest import LiveSite
from tests.browser.page_checks import sign_in
from tests.factories import UserFactory

DEGRADED = "Indeks pencarian sedang dibangun ulang"


def search(page: Page, place: str, words: str) -> None:
    page.goto("/cari")
    page.get_by_label("Dekat dengan").fill(place)
    page.get_by_label("Kata kunci").fill(words)
    page.get_by_role("button", name="Cari", exact=True).click()
    page.wait_for_load_state("networkidle")


def test_a_capacity_edit_never_makes_the_next_search_degraded(
    page: Page, live_site: LiveSite, artifacts: Path
) -> None:
    with live_site.app.app_context():
        service = db.session.get(Service, live_site.seed.service_id)
        partner = UserFactory(role="partner", organization=service.organization, name="Mitra")
        db.session.commit()
        email, service_id, name = partner.email, service.id, service.name
        db.session.remove()

    search(page, "Kota Kupang", "perlindungan")
    expect(page.locator(".finder-result").first).to_be_visible()
    assert DEGRADED not in page.content()

    sign_in(page, email)
    page.goto("/lembaga-saya")
    page.locator(f"#capacity-{service_id}").fill("Penuh sampai akhir bulan (uji).")
    page.locator(f"#layanan-{service_id}").get_by_role("button", name="Simpan ketersediaan").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#capacity-{service_id}")).to_have_value("Penuh sampai akhir bulan (uji).")
    # Searched as the public (staff never see their own organization among the results).
    page.context.clear_cookies()

    # Straight after the edit, and again a moment later: never degraded, and the service
    # is still found.
    for _ in range(2):
        search(page, "Kota Kupang", "perlindungan")
        assert DEGRADED not in page.content()
        expect(page.locator(".finder-result", has_text=name).first).to_be_visible()
        page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "search-after-edit.png"), full_page=True)

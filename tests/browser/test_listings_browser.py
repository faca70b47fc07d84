"""The listing pages in a real browser: a partner keeps its listing (overview, edit form)
and an administrator reviews a change; no serious axe finding, and a phone-sized screen
does not scroll sideways. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from directory.extensions import db
from directory.institutions.models import Service
from directory.listings import operations
from tests.browser.conftest import LiveSite, PageWatch
from tests.browser.page_checks import assert_axe_clean, phone_page, sideways_overflow, sign_in
from tests.factories import UserFactory


@dataclass
class ListingSite:
    partner_email: str
    admin_email: str
    service_id: str
    change_id: str


@pytest.fixture(scope="module")
def listing_site(live_site: LiveSite) -> ListingSite:
    """A partner of the seed's UPTD PPA Kota Kupang, an administrator, and a change of its
    service waiting for review."""
    with live_site.app.app_context():
        service = db.session.get(Service, live_site.seed.service_id)
        partner = UserFactory(
            role="partner", organization=service.organization, name="Mitra Kupang"
        )
        admin = UserFactory(role="admin", organization=None, name="Admin Tinjauan")
        change = operations.propose_change(
            service, partner, {"wait_time": "Dua hari kerja.", "hours": "Sen-Jum 08.00-15.00"}
        )
        db.session.commit()
        site = ListingSite(partner.email, admin.email, service.id, change.id)
        db.session.remove()
    return site


def test_the_partners_pages(
    page: Page, listing_site: ListingSite, watch: PageWatch, axe_source: str, artifacts: Path
) -> None:
    sign_in(page, listing_site.partner_email)
    page.get_by_role("link", name="Data lembaga").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Data lembaga")
    expect(page.get_by_role("button", name="Data masih benar")).to_be_visible()
    expect(page.get_by_text("Waktu tunggu, Jam layanan")).to_be_visible()
    assert_axe_clean(page, axe_source)
    page.screenshot(path=str(artifacts / "listings-overview.png"), full_page=True)

    page.goto(f"/lembaga-saya/layanan/{listing_site.service_id}/ubah")
    expect(page.get_by_label("Jam layanan")).to_be_visible()
    assert_axe_clean(page, axe_source)
    assert watch.console_errors == []
    assert watch.page_errors == []


def test_the_review_page(
    page: Page, listing_site: ListingSite, axe_source: str, artifacts: Path
) -> None:
    sign_in(page, listing_site.admin_email)
    page.goto("/admin/tinjauan")
    page.get_by_role("link", name="Perlindungan perempuan dan anak").click()
    expect(page.get_by_role("cell", name="Dua hari kerja.")).to_be_visible()
    assert_axe_clean(page, axe_source)
    page.screenshot(path=str(artifacts / "listings-review.png"), full_page=True)


def test_the_listing_pages_fit_a_phone(
    browser: Browser, base_url: str, listing_site: ListingSite, artifacts: Path
) -> None:
    with phone_page(browser, base_url) as page:
        sign_in(page, listing_site.partner_email)
        for path in ("/lembaga-saya", f"/lembaga-saya/layanan/{listing_site.service_id}/ubah"):
            page.goto(path)
            assert sideways_overflow(page) <= 0, path
        button = page.get_by_role("button", name="Kirim untuk ditinjau").bounding_box()
        assert button is not None and button["height"] >= 44
        page.screenshot(path=str(artifacts / "listings-edit-phone.png"), full_page=True)

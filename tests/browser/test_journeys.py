"""Each journey in a real browser, at desktop (1280x800) and phone (390x844) sizes, as
people use the pages (issue 17, "the pages people use"):

- the public: search "kekerasan" near a place (the results come first on a phone), open a
  service (24-hour hours said as such, printed once), leave with the quick exit (button
  and Escape) without this site one step back in the history;
- a counsellor: sign in (the menu folds away on a phone), search, send a referral with a
  failed submit first (an error summary at the top, focused, linking to the fields), the
  destructive action behind a confirmation, "Rujuk ulang" as a button;
- a partner with an account: open a referral ("Dibuka", not "diterima"), accept it; the
  page in English (problem names in English, times in WIB, no "+0700");
- an administrator: the landing page with what waits, the gap analysis by province.

Every page is checked by axe-core (no serious or critical finding) and saved as a
screenshot in ``tests/artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select

from directory.admin.waiting import waiting
from directory.database import utcnow
from directory.extensions import db
from directory.geo.models import Region
from directory.institutions.models import Organization, Service, TaxonomyTerm
from directory.listings.models import ListingChange
from directory.referrals.models import Referral
from tests.browser.conftest import LiveSite
from tests.browser.page_checks import assert_axe_clean, sideways_overflow, sign_in
from tests.factories import ReferralFactory, UserFactory

SIZES = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
NEUTRAL_PATH = "/cuaca-hari-ini"


@dataclass
class Cast:
    counsellor: str
    partner: str
    admin: str
    receiver_service_id: str
    receiver_organization: str
    to_accept: dict[str, str]  # size -> referral id, sent and not yet opened
    declined: str
    just_sent: str


@pytest.fixture(scope="module")
def cast(live_site: LiveSite) -> Iterator[Cast]:
    """A counsellor at the seed's first LK3 in Kota Serang, a partner at another, an
    administrator; referrals between them; a listing change waiting for review (deleted
    afterwards; the referrals stay, as referral events cannot be deleted)."""
    with live_site.app.app_context():
        sender = db.session.get(Organization, live_site.seed.organization_id)
        receiver = db.session.scalars(
            select(Organization).where(Organization.name == "LK3 Kota Serang 1")
        ).one()
        service = db.session.scalars(
            select(Service).where(Service.organization_id == receiver.id)
        ).first()
        assert sender is not None and service is not None
        counsellor = UserFactory(role="counsellor", organization=sender, name="Konselor Uji")
        partner = UserFactory(role="partner", organization=receiver, name="Mitra Uji")
        admin = UserFactory(role="admin", organization=None, name="Admin Uji")
        kdrt = db.session.get(TaxonomyTerm, live_site.seed.terms["kdrt"])

        def referral(**fields: object) -> Referral:
            made = ReferralFactory(counsellor=counsellor, service=service, **fields)
            made.problem_terms.append(kdrt)
            return made

        to_accept = {size: referral().id for size in SIZES}
        declined = referral(status="declined", end_reason_code="capacity_full")
        just_sent = referral()
        # Overdue: sent four days ago, due a day later.
        referral(sent_at=utcnow() - timedelta(days=4), due_at=utcnow() - timedelta(days=3))
        db.session.add(
            ListingChange(
                organization_id=receiver.id,
                resource_type="organization",
                resource_id=receiver.id,
                changes={"description": {"old": "", "new": "Buka juga hari Sabtu."}},
                submitted_by_id=partner.id,
            )
        )
        db.session.commit()
        made = Cast(
            counsellor=counsellor.email,
            partner=partner.email,
            admin=admin.email,
            receiver_service_id=service.id,
            receiver_organization=receiver.name,
            to_accept=to_accept,
            declined=declined.id,
            just_sent=just_sent.id,
        )
        db.session.remove()
    yield made
    with live_site.app.app_context():
        db.session.execute(delete(ListingChange))
        db.session.commit()
        db.session.remove()


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sized_page(browser: Browser, live_site: LiveSite, size: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_site.url, viewport=SIZES[size])
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Page, artifacts: Path, name: str, size: str, full_page: bool = False) -> None:
    page.screenshot(path=str(artifacts / f"journey-{name}-{size}.png"), full_page=full_page)


def checked(page: Page, axe_source: str, artifacts: Path, name: str, size: str) -> None:
    """axe-core finds nothing serious, the page does not scroll sideways, a screenshot."""
    assert_axe_clean(page, axe_source)
    assert sideways_overflow(page) <= 0, name
    shot(page, artifacts, name, size)


def top_of(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["y"])


# The public


def test_public_search_service_and_quick_exit(
    sized_page: Page,
    size: str,
    live_site: LiveSite,
    axe_source: str,
    artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = sized_page
    # The neutral site: our tile server on another origin answers any path.
    monkeypatch.setitem(
        live_site.app.config, "QUICK_EXIT_URL", f"{live_site.tile_origin}{NEUTRAL_PATH}"
    )
    page.goto("/cari")
    expect(page.locator(".quick-exit")).to_be_visible()
    page.get_by_label("Dekat dengan").fill("Kota Serang")
    page.get_by_label("Kata kunci").fill("kekerasan")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.wait_for_load_state("networkidle")
    results = page.locator(".finder-result")
    expect(results.first).to_be_visible()
    # The results come first: the first result starts within the first screen.
    assert top_of(page, ".finder-result") < SIZES[size]["height"]
    refine = page.locator("details.finder-refine")
    if size == "phone":
        expect(refine).not_to_have_attribute("open", "")
        expect(page.get_by_label("Kata kunci")).to_be_hidden()
        expect(refine.locator("summary")).to_contain_text("kekerasan")
    else:  # beside the results on a wide screen
        expect(page.get_by_label("Kata kunci")).to_be_visible()
    checked(page, axe_source, artifacts, "public-search", size)
    if size == "phone":
        refine.locator("summary").click()
        expect(page.get_by_label("Kata kunci")).to_be_visible()
        expect(page.get_by_label("Kata kunci")).to_have_value("kekerasan")
        shot(page, artifacts, "public-search-refine", size)

    # A service open around the clock: said as such, its hours once.
    open_all_day = next(p for p in live_site.seed.places if p.always_open)
    results.filter(has_text=open_all_day.organization).first.get_by_role("link").first.click()
    page.wait_for_load_state("networkidle")
    hours = page.locator("table.hours")
    expect(hours).to_have_count(1)
    expect(hours).to_contain_text("Buka 24 jam")
    assert "00.00–00.00" not in hours.inner_text() and "23.59" not in hours.inner_text()
    checked(page, axe_source, artifacts, "public-service", size)
    page.locator("#hours-heading").scroll_into_view_if_needed()
    shot(page, artifacts, "public-service-hours", size)

    # Quick exit: the Escape key on one size, the button on the other; either way the
    # neutral site replaces this page, so "back" does not come back here.
    if size == "phone":
        page.locator(".quick-exit").click()
    else:
        page.keyboard.press("Escape")
    page.wait_for_url(f"{live_site.tile_origin}{NEUTRAL_PATH}")
    page.go_back()
    page.wait_for_load_state()
    assert not page.url.startswith(f"{live_site.url}/layanan"), page.url
    # One step back is the search page, the page before the one left.
    assert page.url.startswith(f"{live_site.url}/cari"), page.url


def test_quick_exit_is_a_plain_link_without_script(
    browser: Browser, live_site: LiveSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        live_site.app.config, "QUICK_EXIT_URL", f"{live_site.tile_origin}{NEUTRAL_PATH}"
    )
    context = browser.new_context(base_url=live_site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        exit_link = page.get_by_role("link", name="Keluar cepat")
        expect(exit_link).to_have_attribute("href", f"{live_site.tile_origin}{NEUTRAL_PATH}")
        exit_link.click()
        page.wait_for_url(f"{live_site.tile_origin}{NEUTRAL_PATH}")
    finally:
        context.close()


def test_signed_in_pages_have_no_quick_exit(sized_page: Page, size: str, cast: Cast) -> None:
    """Staff pages: no quick exit, and Escape does nothing (it closes what is open)."""
    page = sized_page
    sign_in(page, cast.counsellor)
    expect(page.locator(".quick-exit")).to_have_count(0)
    here = page.url
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    assert page.url == here


# A counsellor


def test_counsellor_sends_a_referral_after_a_failed_submit(
    sized_page: Page, size: str, cast: Cast, axe_source: str, artifacts: Path
) -> None:
    page = sized_page
    sign_in(page, cast.counsellor)
    menu = page.locator("details.nav-fold")
    inbox_link = page.get_by_role("link", name="Rujukan masuk")
    if size == "phone":
        # Folded: the page starts near the top, the menu opens from one button.
        expect(inbox_link).to_be_hidden()
        assert top_of(page, "main h1") < SIZES["phone"]["height"] * 0.4
        shot(page, artifacts, "counsellor-outbox", size)
        menu.locator("summary").click()
        expect(inbox_link).to_be_visible()
        checked(page, axe_source, artifacts, "counsellor-menu-open", size)
        menu.locator("summary").click()
    else:
        expect(menu.locator("summary")).to_be_hidden()
        expect(inbox_link).to_be_visible()
        checked(page, axe_source, artifacts, "counsellor-outbox", size)

    page.goto("/cari")
    page.get_by_label("Kata kunci").fill("kekerasan")
    page.get_by_role("button", name="Cari", exact=True).click()
    page.wait_for_load_state("networkidle")
    refer = page.locator(f'.finder-result a.refer-link[href$="{cast.receiver_service_id}"]')
    expect(refer).to_have_text("Rujuk klien ke layanan ini")
    refer.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Kirim rujukan")).to_be_visible()
    # Required fields are marked, for the eye and for assistive technology.
    expect(page.get_by_label(re.compile(r"^Inisial klien \(wajib\)"))).to_have_attribute(
        "aria-required", "true"
    )

    page.get_by_role("button", name="Kirim rujukan").click()
    page.wait_for_load_state("networkidle")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    assert 0 <= top_of(page, ".error-summary") < SIZES[size]["height"]
    links = summary.get_by_role("link")
    assert links.count() >= 5
    expect(links.first).to_contain_text("Masalah klien")
    checked(page, axe_source, artifacts, "counsellor-form-errors", size)
    links.first.click()
    expect(page.locator("#problem_term_ids-0")).to_be_focused()

    page.locator("#problem_term_ids-0").check()
    page.get_by_label(re.compile(r"^Alasan rujukan")).fill("Pendampingan setelah KDRT.")
    page.get_by_label(re.compile(r"^Kode rujukan klien")).fill("LK3-UJI-0001")
    page.get_by_label(re.compile(r"^Inisial klien")).fill("A.B.")
    page.get_by_label(re.compile(r"^Kelompok usia")).select_option("25-59")
    page.get_by_label("Perempuan").check()
    page.locator("#consent_given").check()
    page.get_by_label(re.compile(r"^Cara persetujuan")).select_option("written")
    page.get_by_role("button", name="Kirim rujukan").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_contain_text("RJK")
    expect(page.locator(".referral-status")).to_have_text("Terkirim")
    # Withdrawing consent cannot be undone: behind a step, apart from the print link.
    danger = page.get_by_role("button", name="Catat: klien mencabut persetujuan")
    expect(danger).to_be_hidden()
    print_link = page.get_by_role("link", name="Surat rujukan (cetak)")
    expect(print_link).to_be_visible()
    checked(page, axe_source, artifacts, "counsellor-sent", size)
    page.locator("#withdraw-consent summary").click()
    expect(danger).to_be_visible()
    gap = top_of(page, "#withdraw-consent button") - top_of(page, "text=Surat rujukan (cetak)")
    assert gap > 150
    shot(page, artifacts, "counsellor-danger-open", size)


def test_a_declined_referral_offers_rujuk_ulang_as_a_button(
    sized_page: Page, size: str, cast: Cast, axe_source: str, artifacts: Path
) -> None:
    page = sized_page
    sign_in(page, cast.counsellor)
    page.goto(f"/rujukan/{cast.declined}")
    button = page.get_by_role("button", name="Rujuk ulang ke layanan lain")
    expect(button).to_be_visible()
    assert top_of(page, ".next-step button") < SIZES[size]["height"]
    checked(page, axe_source, artifacts, "counsellor-declined", size)
    button.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Rujuk ulang")).to_be_visible()


# A partner with an account


def test_partner_opens_and_accepts_and_reads_it_in_english(
    sized_page: Page, size: str, cast: Cast, axe_source: str, artifacts: Path
) -> None:
    page = sized_page
    sign_in(page, cast.partner)
    referral_id = cast.to_accept[size]
    page.goto(f"/rujukan/{referral_id}")
    # Opening it is only that: "Dibuka", not "Diterima".
    expect(page.locator(".referral-status")).to_have_text("Dibuka")
    expect(page.locator(".timeline")).to_contain_text("Rujukan dibuka")
    expect(page.locator("main")).not_to_contain_text("diterima")
    # Declining ends it: behind a step; accepting is one press.
    expect(page.get_by_role("button", name="Ya, tolak rujukan")).to_be_hidden()
    checked(page, axe_source, artifacts, "partner-opened", size)
    shot(page, artifacts, "partner-opened-whole", size, full_page=True)
    page.get_by_role("button", name="Setujui rujukan").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".referral-status")).to_have_text("Disetujui")
    checked(page, axe_source, artifacts, "partner-accepted", size)

    page.goto(f"/bahasa/en?next=/rujukan/{referral_id}")
    page.wait_for_load_state("networkidle")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "RJK-" in heading and not heading.startswith("Referrals")
    main = page.locator("main")
    expect(main).to_contain_text("Domestic violence")
    expect(main).not_to_contain_text("Kekerasan dalam rumah tangga")
    expect(page.locator(".timeline time").first).to_contain_text(re.compile(r"\d\d\.\d\d WIB"))
    assert "+0700" not in main.inner_text() and "GMT" not in main.inner_text()
    checked(page, axe_source, artifacts, "partner-english", size)
    page.goto("/bahasa/id")


# An administrator


def test_admin_lands_on_what_waits_and_reads_gaps_by_province(
    sized_page: Page,
    size: str,
    cast: Cast,
    live_site: LiveSite,
    axe_source: str,
    artifacts: Path,
) -> None:
    page = sized_page
    sign_in(page, cast.admin)
    assert page.url.rstrip("/").endswith("/admin")
    with live_site.app.app_context():
        expected = waiting(db.session, utcnow())
        db.session.remove()
    assert expected.listing_changes >= 1 and expected.overdue_referrals >= 1
    waiting_list = page.locator("ul.waiting")
    expect(waiting_list).to_contain_text(
        f"{expected.listing_changes} perubahan data lembaga menunggu tinjauan"
    )
    expect(waiting_list).to_contain_text(f"{expected.overdue_referrals} rujukan terlambat")
    checked(page, axe_source, artifacts, "admin-landing", size)
    waiting_list.get_by_role("link", name=re.compile("menunggu tinjauan")).click()
    page.wait_for_load_state("networkidle")
    assert "/admin/tinjauan" in page.url

    # The listing's edit page says a change waits for review.
    with live_site.app.app_context():
        change = db.session.scalars(select(ListingChange)).first()
        assert change is not None
        organization_id = change.organization_id
        db.session.remove()
    page.goto(f"/admin/lembaga/{organization_id}")
    expect(page.locator("#pending-changes")).to_contain_text("menunggu tinjauan")
    shot(page, artifacts, "admin-edit-pending", size)

    # The gap analysis opens on one problem, not "every regency lacks something"...
    page.goto("/admin/kesenjangan")
    page.wait_for_load_state("networkidle")
    summary = page.locator(".gaps-summary")
    expect(summary).to_contain_text("tidak memiliki layanan untuk")
    # ...and narrows to a province.
    page.get_by_label("Provinsi").select_option(label="Banten")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state("networkidle")
    with live_site.app.app_context():
        banten = db.session.scalars(
            select(Region.name).where(
                Region.parent_code == "36", Region.level.in_(("kabupaten", "kota"))
            )
        ).all()
        db.session.remove()
    expect(summary).to_contain_text("Provinsi Banten:")
    expect(page.locator(".gaps-table tbody tr")).to_have_count(len(banten))
    checked(page, axe_source, artifacts, "admin-gaps-province", size)

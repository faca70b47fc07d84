"""A partner without an account answers a referral through the partner link (issue 17,
item 8), in a real browser at desktop (1280x800) and phone (390x844) sizes:

a counsellor sends a referral, makes the link on the referral page (shown once, with the
WhatsApp button and the letter carrying it as a QR code); the partner opens the link in a
browser with no session, sees what is asked and who asks it but nothing of who the client
is, marks it opened, accepts it giving a name; the counsellor then reads "melalui tautan:
<name>" in the referral's history.

Every page is checked by axe-core (no serious or critical finding), does not scroll
sideways, and is saved as a screenshot in ``tests/artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from directory.auth.models import User
from directory.extensions import db
from directory.institutions.models import Organization, Service
from tests.browser.conftest import LiveSite
from tests.browser.page_checks import assert_axe_clean, sideways_overflow, sign_in
from tests.factories import UserFactory

SIZES = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
# What identifies the client: typed into the referral form, never on the link's pages.
CLIENT = {
    "desktop": ("LK3-TAUTAN-7731", "Q.Z.", "0812 5550 7731"),
    "phone": ("LK3-TAUTAN-8842", "W.X.", "0812 5550 8842"),
}
REASON = "Pendampingan hukum setelah KDRT, klien tinggal di rumah kerabat."
# The elements that reach past the right edge of the viewport, for a failure message.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth)
  .slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className + ' '
    + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent || '').slice(0, 60))"""
PARTNER_NAME = {"desktop": "Sri Wahyuni", "phone": "Dewi Lestari"}


@dataclass
class Sender:
    counsellor: str
    counsellor_name: str
    service_id: str
    service_name: str
    sender_organization: str


@pytest.fixture(scope="module")
def sender(live_site: LiveSite) -> Iterator[Sender]:
    """A counsellor at the seed's first LK3 in Kota Serang; the receiver is another LK3
    there, with no account in Jejaring Rujukan."""
    with live_site.app.app_context():
        organization = db.session.get(Organization, live_site.seed.organization_id)
        receiver = db.session.scalars(
            select(Organization).where(Organization.name == "LK3 Kota Serang 7")
        ).one()
        assert (
            db.session.scalars(select(User).where(User.organization_id == receiver.id)).all() == []
        ), "the receiver must have no account"
        service = db.session.scalars(
            select(Service).where(Service.organization_id == receiver.id)
        ).first()
        assert organization is not None and service is not None
        counsellor = UserFactory(
            role="counsellor", organization=organization, name="Konselor Tautan"
        )
        db.session.commit()
        made = Sender(
            counsellor=counsellor.email,
            counsellor_name=counsellor.name,
            service_id=service.id,
            service_name=service.name,
            sender_organization=organization.name,
        )
        db.session.remove()
    yield made


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def new_page(browser: Browser, live_site: LiveSite, size: str) -> Iterator[Page]:
    """A page in a fresh browser context (its own cookies: no session) of this size."""
    context = browser.new_context(base_url=live_site.url, viewport=SIZES[size])
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
    finally:
        context.close()


@pytest.fixture
def counsellor_page(browser: Browser, live_site: LiveSite, size: str) -> Iterator[Page]:
    yield from new_page(browser, live_site, size)


@pytest.fixture
def partner_page(browser: Browser, live_site: LiveSite, size: str) -> Iterator[Page]:
    yield from new_page(browser, live_site, size)


def checked(page: Page, axe_source: str, artifacts: Path, name: str, size: str) -> None:
    """axe-core finds nothing serious, the page does not scroll sideways, a screenshot of
    the whole page."""
    page.screenshot(path=str(artifacts / f"link-{name}-{size}.png"), full_page=True)
    assert_axe_clean(page, axe_source)
    wide = page.evaluate(WIDEST)
    assert sideways_overflow(page) <= 0, (name, wide)


def send_referral(page: Page, sender: Sender, size: str) -> tuple[str, str]:
    """Send a referral through the form; (its id, the problem's name)."""
    reference, initials, contact = CLIENT[size]
    page.goto(f"/rujukan/baru?service_id={sender.service_id}")
    expect(page.get_by_role("heading", name="Kirim rujukan")).to_be_visible()
    problem = page.locator("#problem_term_ids-0")
    problem.check()
    problem_name = page.locator("label", has=problem).inner_text().strip()
    page.locator('input[name="urgency"][value="high"]').check()
    page.get_by_label(re.compile(r"^Alasan rujukan")).fill(REASON)
    page.get_by_label(re.compile(r"^Kode rujukan klien")).fill(reference)
    page.get_by_label(re.compile(r"^Inisial klien")).fill(initials)
    page.get_by_label(re.compile(r"^Kelompok usia")).select_option("25-59")
    page.get_by_label("Perempuan").check()
    page.locator("#client_contact").fill(contact)
    page.locator("#consent_given").check()
    page.get_by_label(re.compile(r"^Cara persetujuan")).select_option("written")
    page.get_by_role("button", name="Kirim rujukan").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_contain_text("RJK")
    expect(page.locator(".referral-status")).to_have_text("Terkirim")
    referral_id = urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]
    return referral_id, problem_name


def test_partner_without_an_account_answers_through_the_link(
    counsellor_page: Page,
    partner_page: Page,
    size: str,
    sender: Sender,
    live_site: LiveSite,
    axe_source: str,
    artifacts: Path,
) -> None:
    page = counsellor_page
    sign_in(page, sender.counsellor)
    referral_id, problem_name = send_referral(page, sender, size)

    # The sender makes the link on the referral page: shown once, with WhatsApp and the
    # letter carrying it as a QR code.
    panel = page.locator("#partner-link")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Buat tautan dan kode QR").click()
    page.wait_for_load_state("networkidle")
    shown = page.locator("#new-partner-link")
    expect(shown).to_be_visible()
    link = page.locator("#partner-link-url").input_value()
    assert link.startswith(f"{live_site.url}/tautan/"), link
    whatsapp = page.locator("#share-whatsapp")
    expect(whatsapp).to_be_visible()
    share = unquote(whatsapp.get_attribute("href") or "")
    assert share.startswith("https://wa.me/?text=") and share.endswith(link), share
    qr = page.locator("#letter-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 100, box  # large enough to scan
    checked(page, axe_source, artifacts, "made", size)

    # The partner, on a browser with no session, opens the link.
    reference, initials, contact = CLIENT[size]
    partner = partner_page
    partner.goto(link)
    partner.wait_for_load_state("networkidle")
    request_details = partner.locator("#partner-link-request")
    expect(request_details).to_contain_text(sender.service_name)
    expect(request_details).to_contain_text("Tinggi")
    expect(request_details).to_contain_text(problem_name)
    expect(request_details).to_contain_text("Terkirim")
    sender_details = partner.locator("#partner-link-sender")
    expect(sender_details).to_contain_text(sender.sender_organization)
    expect(sender_details).to_contain_text(sender.counsellor_name)
    expect(sender_details.get_by_role("link", name=sender.counsellor)).to_be_visible()
    # Nothing of who the client is: not the code, initials, contact, nor the reason.
    text = partner.locator("body").inner_text()
    for private in (reference, initials, contact, REASON):
        assert private not in text, private
    assert initials not in partner.content()
    # Nor a way in to the referral itself: this browser has no session.
    expect(partner.get_by_role("link", name="Rujukan masuk")).to_have_count(0)
    checked(partner, axe_source, artifacts, "page", size)

    # Marks it opened (no name needed), then comes back to the link.
    partner.get_by_role("button", name="Tandai sudah dibuka").click()
    partner.wait_for_load_state("networkidle")
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "Terima kasih, jawaban Anda tersimpan"
    )
    expect(partner.get_by_role("status")).to_contain_text("Dibuka")
    checked(partner, axe_source, artifacts, "opened", size)
    partner.get_by_role("link", name="Kembali ke rujukan").click()
    partner.wait_for_load_state("networkidle")
    expect(partner.locator("#partner-link-request")).to_contain_text("Dibuka")
    expect(partner.get_by_role("button", name="Tandai sudah dibuka")).to_have_count(0)

    # Accepting without a name is refused, saying so; with one, it is stored.
    partner.get_by_role("button", name="Setujui rujukan").click()
    partner.wait_for_load_state("networkidle")
    expect(partner.locator("#link-name")).to_have_attribute("aria-invalid", "true")
    expect(partner.locator("#link-name-error")).to_be_visible()
    checked(partner, axe_source, artifacts, "name-missing", size)
    name = PARTNER_NAME[size]
    partner.locator("#link-name").fill(name)
    partner.get_by_role("button", name="Setujui rujukan").click()
    partner.wait_for_load_state("networkidle")
    expect(partner.get_by_role("status")).to_contain_text("Disetujui")
    expect(partner.locator("main")).to_contain_text("tidak berlaku lagi")
    checked(partner, axe_source, artifacts, "accepted", size)
    # The link is spent: opening it again says so.
    partner.goto(link)
    expect(partner.locator("main")).to_contain_text("tidak berlaku")
    assert initials not in partner.content()

    # The counsellor reads who answered, through the link, in the history.
    page.goto(f"/rujukan/{referral_id}")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".referral-status")).to_have_text("Disetujui")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(f"melalui tautan: {name}")
    checked(page, axe_source, artifacts, "history", size)

"""The referral report page in a real browser: an administrator signs in, reads the
figures and charts (no CSP violation, no serious axe finding), regroups them, downloads
the CSV, and the page fits a phone. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from directory.database import utcnow
from directory.extensions import db
from directory.institutions.models import Organization, Service
from directory.referrals.models import Referral
from tests.browser.conftest import LiveSite, PageWatch
from tests.browser.page_checks import assert_axe_clean, phone_page, sideways_overflow, sign_in
from tests.factories import ReferralFactory, UserFactory

# Status, days to answer (None: unanswered), days to close, reason or outcome: a cycle the
# referrals below walk through, so that every figure and every chart segment shows.
CYCLE = (
    ("closed", 0.2, 12, "successful"),
    ("accepted", 0.5, None, None),
    ("declined", 1.0, None, "capacity_full"),
    ("closed", 0.1, 20, "not_successful"),
    ("in_progress", 0.3, None, None),
    ("withdrawn", None, None, "referred_elsewhere"),
    ("sent", None, None, None),
    ("accepted", 2.0, None, None),
)


@dataclass
class ReportSite:
    admin_email: str
    referrals: int


@pytest.fixture(scope="module")
def report_site(live_site: LiveSite) -> ReportSite:
    """An administrator, and 160 referrals over six months from the seed's LK3s in Kota
    Serang and Kota Kupang to the services of the other organizations."""
    with live_site.app.app_context():
        organizations = db.session.scalars(select(Organization).order_by(Organization.name)).all()
        serang = [o for o in organizations if o.name.startswith("LK3 Kota Serang")]
        kupang = [o for o in organizations if o.name.startswith("LK3 Kota Kupang")]
        senders = serang[:3] + kupang[:3]
        services = db.session.scalars(
            select(Service).where(Service.organization_id.not_in([o.id for o in senders]))
        ).all()
        counsellors = [UserFactory(role="counsellor", organization=o) for o in senders]
        admin = UserFactory(role="admin", organization=None, name="Koordinator Dinas Sosial")
        now = utcnow()
        total = 160
        for n in range(total):
            status, answer_days, close_days, detail = CYCLE[n % len(CYCLE)]
            sent_at = now - timedelta(days=2 + (n * 37) % 175)
            ReferralFactory(
                counsellor=counsellors[n % len(counsellors)],
                service=services[n % len(services)],
                status=status,
                urgency=("normal", "high", "emergency")[n % 3],
                sent_at=sent_at,
                due_at=sent_at + timedelta(days=1),
                responded_at=sent_at + timedelta(days=answer_days) if answer_days else None,
                closed_at=sent_at + timedelta(days=close_days) if close_days else None,
                end_reason_code=detail if status in ("declined", "withdrawn") else None,
                outcome_result=detail if status == "closed" else None,
            )
        db.session.commit()
        email = admin.email
        db.session.remove()
    return ReportSite(admin_email=email, referrals=total)


def test_the_report_page_with_its_charts(
    page: Page,
    report_site: ReportSite,
    live_site: LiveSite,
    watch: PageWatch,
    artifacts: Path,
    axe_source: str,
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, report_site.admin_email)
    response = page.goto("/admin/laporan?group_by=province")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Laporan rujukan")
    expect(page.locator("#report-figures tbody th[scope=row]")).to_have_text(
        ["Banten", "Nusa Tenggara Timur"]
    )
    # Every referral of the session's site: other modules' journeys send some too.
    with live_site.app.app_context():
        total = db.session.scalar(select(func.count(Referral.id)))
        db.session.remove()
    assert total is not None and total >= report_site.referrals
    expect(page.locator(".report-summary dd").first).to_have_text(str(total))
    bars = page.locator("svg.outcome-bar")
    expect(bars).to_have_count(2)
    # The segments are drawn, coloured by the stylesheet (nothing inline under the CSP).
    fill = page.locator("svg.outcome-bar rect.seg-accepted").first.evaluate(
        "(el) => getComputedStyle(el).fill"
    )
    assert fill == "rgb(11, 110, 79)"
    assert page.locator("svg.trend-chart rect.seg-accepted").count() >= 5
    page.screenshot(path=str(artifacts / "reports-page.png"), full_page=True)

    assert_axe_clean(page, axe_source)
    assert watch.console_errors == []
    assert watch.page_errors == []


def test_regrouping_and_the_csv_download(page: Page, report_site: ReportSite) -> None:
    sign_in(page, report_site.admin_email)
    page.goto("/admin/laporan")
    page.get_by_label("Kelompokkan menurut").select_option("urgency")
    page.get_by_label("Provinsi pengirim").select_option(label="Banten")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state("networkidle")
    assert "group_by=urgency" in page.url and "province=36" in page.url
    expect(page.locator("#report-figures tbody th[scope=row]")).to_have_text(
        ["Darurat", "Tinggi", "Biasa"]
    )
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Unduh CSV").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert rows[0][:4] == ["group_by", "key", "label", "sent"]
    assert [row[1] for row in rows[1:]] == ["emergency", "high", "normal", "total"]


def test_the_report_page_fits_a_phone(
    browser: Browser, base_url: str, report_site: ReportSite, artifacts: Path
) -> None:
    with phone_page(browser, base_url) as page:
        sign_in(page, report_site.admin_email)
        page.goto("/admin/laporan?group_by=month")
        expect(page.locator("svg.outcome-bar").first).to_be_visible()
        # Only the tables and the trend scroll sideways, never the page.
        assert sideways_overflow(page) <= 0
        button = page.get_by_role("button", name="Tampilkan").bounding_box()
        assert button is not None and button["height"] >= 44
        page.screenshot(path=str(artifacts / "reports-page-phone.png"), full_page=True)

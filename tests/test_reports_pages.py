"""The report page ``/admin/laporan`` and its CSV: administrators only, the known data
set's figures, charts drawn from published figures only, bad filters shown on the form,
CSV safe from formula injection, no client data."""

from __future__ import annotations

import csv
import io
import re

import pytest

from directory.extensions import db
from directory.reports import charts
from directory.reports.figures import SUPPRESSED, Figures, Tally, publish
from directory.reports.presentation import csv_cell
from tests.factories import TaxonomyTermFactory
from tests.support.referral_network import (
    ADMIN_ROLE,
    ANONYMOUS,
    OTHER_COUNSELLOR,
    OTHER_PARTNER,
    RECEIVER,
    SENDER,
    client_as,
)
from tests.support.report_data import (
    MARCH,
    NOW,
    add_canary_referral,
    add_referral,
    build_report_world,
)
from tests.support.route_probes import CANARY

PAGE = "/admin/laporan"
CSV = "/admin/laporan.csv"


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr("directory.reports.views.utcnow", lambda: NOW)
    return build_report_world()


@pytest.fixture
def admin(app, world):
    return client_as(app, world.network, ADMIN_ROLE)


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_anonymous_visitors_are_sent_to_sign_in(app, world, url):
    response = client_as(app, world.network, ANONYMOUS).get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")


@pytest.mark.parametrize("role", [SENDER, OTHER_COUNSELLOR, RECEIVER, OTHER_PARTNER])
@pytest.mark.parametrize("url", [PAGE, CSV])
def test_counsellors_and_partners_are_refused(app, world, role, url):
    response = client_as(app, world.network, role).get(f"{url}?group_by=province")
    assert response.status_code == 403
    assert "Banten" not in response.get_data(as_text=True)


def test_the_page_shows_the_figures_and_both_charts(admin):
    response = admin.get(f"{PAGE}?group_by=province")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Laporan rujukan</h1>" in page
    assert '<th scope="row">Banten</th>' in page
    assert '<th scope="row">Nusa Tenggara Timur</th>' in page
    # Acceptance 13 of 19 answered, in Indonesian notation.
    assert "68,4%" in page
    assert "&lt;5" in page
    assert page.count('class="outcome-bar"') == 2
    assert 'class="trend-chart"' in page
    # Each chart carries a text alternative; the trend's lists every month.
    assert re.search(r'aria-label="Banten: 24 dikirim, 13 disetujui, 6 ditolak', page)
    assert re.search(r"<desc[^>]*>Jan 2026: 5; Feb 2026: 7; Mar 2026: 14</desc>", page)
    # Inline SVG draws with classes: no style attribute, no script.
    assert "style=" not in page
    assert "<script" not in page


def test_the_page_in_english(admin):
    page = admin.get(f"{PAGE}?group_by=urgency&lang=en").get_data(as_text=True)
    assert 'lang="en"' in page


def test_bad_filters_are_shown_by_their_field(admin):
    response = admin.get(f"{PAGE}?group_by=kota&from=2026-03-01&to=2026-02-01")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="report-group_by" name="group_by" aria-invalid="true"' in page
    assert "Tanggal akhir tidak boleh sebelum tanggal awal." in page
    assert 'class="report-table"' not in page


def test_no_referrals_says_so(app):
    from tests.support.referral_network import build_network

    network = build_network()
    page = client_as(app, network, ADMIN_ROLE).get(PAGE).get_data(as_text=True)
    assert "Tidak ada rujukan yang cocok dengan pilihan ini." in page


def test_csv_has_the_same_figures_with_the_same_filters(admin):
    response = admin.get(f"{CSV}?group_by=province&from=2026-01-01&to=2026-03-31")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    header = rows[0]
    assert header[:6] == ["group_by", "key", "label", "sent", "accepted", "declined"]
    by_key = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_key) == {"36", "53", "total"}
    assert by_key["36"]["sent"] == "24"
    assert by_key["36"]["declined_capacity_full"] == "5"
    assert by_key["36"]["acceptance_rate"] == str(round(13 / 19, 4))
    assert by_key["53"]["sent"] == "<5"
    assert by_key["53"]["median_hours_to_response"] == ""
    assert by_key["total"]["sent"] == "26"
    assert by_key["total"]["p90_days_to_close"] == "46.0"


def test_csv_bad_filters_400(admin):
    assert admin.get(f"{CSV}?from=kemarin").status_code == 400


def test_csv_cells_cannot_run_as_formulas(admin, world):
    evil = TaxonomyTermFactory(
        taxonomy=world.kdrt.taxonomy, name='=HYPERLINK("http://example.org","klik")'
    )
    for _ in range(5):
        add_referral(world.network, "sent", MARCH, problem_terms=[evil])
    db.session.commit()
    rows = read_csv(admin.get(f"{CSV}?group_by=problem"))
    labels = [row[2] for row in rows[1:]]
    assert '\'=HYPERLINK("http://example.org","klik")' in labels
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+62 812", "'+62 812"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Banten", "Banten"),
        ("<5", "<5"),
        (12, "12"),
        (0.6842, "0.6842"),
        (None, ""),
    ],
)
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell


def test_no_client_data_on_the_page_or_in_the_csv(admin, world):
    add_canary_referral(world.network)
    db.session.commit()
    for group_by in ("province", "problem", "month"):
        for url in (PAGE, CSV):
            body = admin.get(f"{url}?group_by={group_by}").get_data(as_text=True)
            assert CANARY not in body
            assert "K.N." not in body
            assert world.network.counsellor.name not in body


# The charts' geometry.


def figures_of(sent: int, accepted: int = 0, declined: int = 0, withdrawn: int = 0) -> Figures:
    tally = Tally(sent=sent, accepted=accepted, withdrawn=withdrawn)
    tally.declined_by_reason["capacity_full"] = declined
    return publish(tally)


def test_outcome_bars_scale_to_the_largest_group():
    bars = charts.outcome_bars(
        [("A", figures_of(40, accepted=20, declined=10, withdrawn=6)), ("B", figures_of(20, 20))]
    )
    first = {segment.kind: segment for segment in bars[0].segments}
    assert first["accepted"].length == 50.0
    assert first["declined"].start == 50.0
    assert first["declined"].length == 25.0
    assert first["withdrawn"].length == 15.0
    # 4 left: waiting for an answer (or counts below 5).
    assert first["other"].length == 10.0
    assert [s.kind for s in bars[1].segments] == ["accepted"]
    assert bars[1].segments[0].length == 50.0


def test_small_counts_are_never_drawn_to_scale():
    bars = charts.outcome_bars(
        [("A", figures_of(30, accepted=25, declined=3)), ("B", figures_of(3))]
    )
    kinds = {segment.kind: segment.count for segment in bars[0].segments}
    # The 3 declined are not drawn: they join the grey remainder with the 2 unanswered.
    assert kinds == {"accepted": 25, "other": 5}
    assert bars[1].sent == SUPPRESSED
    assert bars[1].segments == []


def test_trend_columns():
    trend = charts.trend([("Jan", figures_of(10)), ("Feb", figures_of(3)), ("Mar", figures_of(5))])
    tallest, hidden, half = trend.columns
    room = trend.baseline - charts.TREND_TOP
    assert tallest.height == room
    assert tallest.y == charts.TREND_TOP
    assert hidden.height == 0 and hidden.sent == SUPPRESSED
    assert half.height == room / 2
    assert trend.width == charts.TREND_LEFT * 2 + 3 * charts.TREND_SLOT

"""Report figures on a known data set (``tests/support/report_data``): counts, rates,
medians and percentiles, each grouping, the period, and the "<5" suppression."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from directory.extensions import db
from directory.reports import figures
from directory.reports.figures import ReportFilters, Tally, compute_report, publish
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    TaxonomyTermFactory,
    UserFactory,
)
from tests.support.report_data import (
    EXPECTED_TOTAL,
    FEBRUARY,
    MARCH,
    NOW,
    add_referral,
    build_report_world,
)


@pytest.fixture
def world(app):
    return build_report_world()


def report(**filters):
    return compute_report(db.session, ReportFilters(**filters), NOW)


def by_key(result):
    return {group.key: group.figures.as_dict() for group in result.groups}


# Pure pieces.


@pytest.mark.parametrize(
    ("count", "published"), [(0, "<5"), (1, "<5"), (4, "<5"), (5, 5), (6, 6), (120, 120)]
)
def test_a_count_below_five_is_published_as_less_than_five(count, published):
    assert figures.suppress(count) == published


def test_percentile_interpolates_between_closest_ranks():
    assert figures.percentile([10, 20, 30, 40, 50], 0.5) == 30
    assert figures.percentile([10, 20, 30, 40, 50], 0.9) == pytest.approx(46)
    assert figures.percentile([50, 10, 40, 20, 30], 0.9) == pytest.approx(46)
    assert figures.percentile([7], 0.9) == 7
    with pytest.raises(ValueError):
        figures.percentile([], 0.5)


def test_derived_figures_are_withheld_below_five_values():
    tally = Tally(sent=9, accepted=5, hours_to_response=[1, 2, 3, 4], days_to_close=[1] * 5)
    tally.declined_by_reason["capacity_full"] = 4
    published = publish(tally)
    # 4 declined: the rate (5 of 9 answered) would give the hidden 4 away.
    assert published.acceptance_rate is None
    assert published.declined == "<5"
    assert published.median_hours_to_response is None
    assert published.p90_hours_to_response is None
    assert published.median_days_to_close == 1.0

    tally.declined_by_reason["capacity_full"] = 5
    tally.hours_to_response.append(5)
    published = publish(tally)
    assert published.acceptance_rate == 0.5
    assert published.median_hours_to_response == 3.0


def test_every_known_reason_and_outcome_is_listed_so_a_zero_is_not_revealed():
    published = publish(Tally())
    assert set(published.declined_by_reason) >= {"capacity_full", "other"}
    assert set(published.declined_by_reason.values()) == {"<5"}
    assert published.closed_by_outcome == {"successful": "<5", "not_successful": "<5"}


def test_months_are_counted_in_jakarta_and_run_without_gaps():
    # 31 January 20:00 UTC is 1 February 03:00 in Jakarta.
    assert figures.month_of(datetime(2026, 1, 31, 20, 0, tzinfo=UTC)) == "2026-02"
    assert figures.months_between("2025-11", "2026-02") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


# On the known data set.


def test_totals_match_the_hand_worked_figures(world):
    assert report().total.as_dict() == EXPECTED_TOTAL


def test_grouped_by_month(world):
    result = report(group_by="month")
    assert [group.key for group in result.groups] == ["2026-01", "2026-02", "2026-03"]
    months = by_key(result)
    assert months["2026-01"]["sent"] == 5
    assert months["2026-01"]["closed"] == 5
    assert months["2026-01"]["median_days_to_close"] == 30.0
    assert months["2026-02"]["sent"] == 7
    assert months["2026-02"]["declined"] == 6
    assert months["2026-02"]["accepted"] == "<5"
    # Nothing accepted in February: no rate (a count it rests on is below 5).
    assert months["2026-02"]["acceptance_rate"] is None
    assert months["2026-03"]["sent"] == 14
    assert months["2026-03"]["overdue"] == 5
    # Eight answered in March: 1, 2, 3, 4, 6, 8, 10, 12 hours.
    assert months["2026-03"]["median_hours_to_response"] == 5.0


def test_grouped_by_province_of_the_sending_organization(world):
    provinces = report(group_by="province")
    assert [(g.key, g.label) for g in provinces.groups] == [
        ("36", "Banten"),
        ("53", "Nusa Tenggara Timur"),
    ]
    figures_of = by_key(provinces)
    assert figures_of["36"]["sent"] == 24
    assert figures_of["36"]["overdue"] == "<5"
    assert figures_of["36"]["acceptance_rate"] == round(13 / 19, 4)
    # Kupang's two referrals: every count hidden, nothing derived.
    kupang = figures_of["53"]
    assert kupang["sent"] == kupang["overdue"] == kupang["accepted"] == "<5"
    assert kupang["acceptance_rate"] is None
    assert kupang["median_hours_to_response"] is None


def test_grouped_by_regency_with_an_unknown_region_last(world):
    nowhere = OrganizationFactory(name="LK3 tanpa lokasi (uji)")
    counsellor = UserFactory(role="counsellor", organization=nowhere)
    add_referral(world.network, "sent", MARCH, counsellor=counsellor)
    db.session.commit()
    regencies = report(group_by="regency")
    assert [(g.key, g.label) for g in regencies.groups] == [
        ("36.73", "Kota Serang"),
        ("53.71", "Kota Kupang"),
        (None, None),
    ]
    assert regencies.total.sent == 27


def test_a_referral_counts_once_per_problem(world):
    problems = by_key(report(group_by="problem"))
    assert problems[world.kdrt.id]["sent"] == 24
    # 6 accepted (also about divorce) and Kupang's 2.
    assert problems[world.divorce.id]["sent"] == 8
    assert problems[world.divorce.id]["accepted"] == 6
    assert report(group_by="problem").total.sent == 26


def test_grouped_by_receiving_organization_type(world):
    types = report(group_by="organization_type")
    assert [(g.key, g.label) for g in types.groups] == [(world.uptd_type.id, "UPTD PPA")]
    # A receiver of a second type counts in both groups.
    hospital = TaxonomyTermFactory(taxonomy=world.uptd_type.taxonomy, name="Rumah sakit")
    AttributeFactory(
        link_id=world.network.service.organization_id,
        link_entity="organization",
        taxonomy_term=hospital,
    )
    db.session.commit()
    both = by_key(report(group_by="organization_type"))
    assert set(both) == {world.uptd_type.id, hospital.id}
    assert {group["sent"] for group in both.values()} == {26}


def test_grouped_by_urgency_in_the_vocabulary_order(world):
    urgencies = report(group_by="urgency")
    assert [g.key for g in urgencies.groups] == ["emergency", "normal"]
    assert by_key(urgencies)["emergency"]["sent"] == "<5"
    assert by_key(urgencies)["normal"]["sent"] == 24


def test_filters_narrow_what_is_counted(world):
    assert report(province="53").total.sent == "<5"
    assert report(regency="36.73").total.sent == 24
    assert report(urgency="normal").total.sent == 24
    assert report(problem=world.divorce.id).total.sent == 8
    assert report(organization_type=world.uptd_type.id).total.sent == 26
    assert report(organization_type=world.kdrt.id).groups == []
    february = report(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert february.total.sent == 7
    assert february.total.declined == 6


def test_period_days_are_inclusive_and_in_jakarta(world):
    # 28 February 17:30 UTC is 1 March 00:30 in Jakarta: March, not February.
    add_referral(world.network, "sent", datetime(2026, 2, 28, 17, 30, tzinfo=UTC))
    # 28 February 16:30 UTC is 23:30 in Jakarta: still February.
    add_referral(world.network, "sent", datetime(2026, 2, 28, 16, 30, tzinfo=UTC))
    db.session.commit()
    february = report(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert february.total.sent == 8
    march_first = report(date_from=date(2026, 3, 1), date_to=date(2026, 3, 1))
    assert march_first.total.sent == "<5"
    assert by_key(report(date_from=date(2026, 3, 1)))["2026-03"]["sent"] == 15


def test_empty_months_between_are_listed(world):
    add_referral(world.network, "sent", FEBRUARY + timedelta(days=120))
    db.session.commit()
    months = [g.key for g in report(group_by="month").groups]
    assert months == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert by_key(report())["2026-05"]["sent"] == "<5"


def test_trend_is_monthly_whatever_the_grouping(world):
    result = report(group_by="urgency")
    assert [g.key for g in result.trend] == ["2026-01", "2026-02", "2026-03"]


def test_overdue_depends_on_now(world):
    before_deadlines = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
    result = compute_report(db.session, ReportFilters(), before_deadlines)
    assert result.total.overdue == "<5"
    assert report().total.overdue == 5


def test_a_sender_with_several_locations_is_placed_by_its_first_named_location(world):
    sending = world.network.counsellor.organization
    LocationFactory(organization=sending, name="AAA Pos pengaduan", region_code="53.71")
    db.session.commit()
    provinces = by_key(report(group_by="province"))
    assert provinces["53"]["sent"] == 26
    assert "36" not in provinces


def test_no_referrals_no_groups(app):
    result = report(group_by="province")
    assert result.groups == []
    assert result.total.sent == "<5"
    assert result.total.acceptance_rate is None


def test_the_number_of_queries_does_not_grow_with_the_referrals(world):
    def queries_for_a_report() -> int:
        statements: list[str] = []

        def count(*args, **kwargs) -> None:
            if args[2].lstrip().upper().startswith("SELECT"):
                statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            report(group_by="problem")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    before = queries_for_a_report()
    for _ in range(30):
        add_referral(world.network, "accepted", MARCH, hours_to_response=3)
    db.session.commit()
    after = queries_for_a_report()
    # Locations, institution types, problems, referrals, and the groups' names.
    assert after == before == 5

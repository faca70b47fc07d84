"""Opening hours in the location's own zone (WIB, WITA, WIT), across midnight, all day."""

from datetime import UTC, datetime, time, timedelta

from directory.geo.hours import OpeningHours, is_open, open_state, weekday_mask

WEEKDAYS = weekday_mask("MO,TU,WE,TH,FR")


def office(zone: str) -> OpeningHours:
    return OpeningHours(days=WEEKDAYS, opens=time(8), closes=time(16), zone=zone)


def test_the_same_instant_is_office_hours_in_one_zone_and_not_in_another():
    # Monday 2024-06-03 08:30 UTC = 15:30 WIB, 16:30 WITA, 17:30 WIT.
    moment = datetime(2024, 6, 3, 8, 30, tzinfo=UTC)
    assert is_open([office("WIB")], moment)
    assert not is_open([office("WITA")], moment)
    assert not is_open([office("WIT")], moment)
    # 00:30 UTC = 07:30 WIB (closed), 08:30 WITA (open), 09:30 WIT (open).
    early = datetime(2024, 6, 3, 0, 30, tzinfo=UTC)
    assert [is_open([office(zone)], early) for zone in ("WIB", "WITA", "WIT")] == [
        False,
        True,
        True,
    ]


def test_closed_state_says_when_it_opens_in_local_time():
    friday_evening = datetime(2024, 6, 7, 12, 0, tzinfo=UTC)  # 21:00 WIT
    state = open_state([office("WIT")], friday_evening)
    assert state.known and not state.open_now
    assert state.opens_at is not None
    assert (state.opens_at.weekday(), state.opens_at.hour, state.zone) == (0, 8, "WIT")


def test_hours_crossing_midnight_stay_open_into_the_next_day():
    night = OpeningHours(days=weekday_mask("FR"), opens=time(20), closes=time(2), zone="WIB")
    saturday_1am = datetime(2024, 6, 7, 18, 0, tzinfo=UTC)  # Sat 01:00 WIB
    saturday_3am = datetime(2024, 6, 7, 20, 0, tzinfo=UTC)  # Sat 03:00 WIB
    thursday_1am = datetime(2024, 6, 5, 18, 0, tzinfo=UTC)  # Thu 01:00 WIB
    assert is_open([night], saturday_1am)
    state = open_state([night], saturday_1am)
    assert state.closes_at is not None and state.closes_at.hour == 2
    assert not is_open([night], saturday_3am)
    assert not is_open([night], thursday_1am)


def test_a_24_hour_service_is_always_open():
    always = OpeningHours(days=weekday_mask(None), opens=time(0), closes=time(0), zone="WITA")
    for hour in range(0, 24, 5):
        assert is_open([always], datetime(2024, 6, 9, hour, 59, tzinfo=UTC))
    assert open_state([always], datetime(2024, 6, 9, 3, tzinfo=UTC)).all_day


def test_no_hours_means_unknown_not_closed():
    state = open_state([], datetime(2024, 6, 3, 3, tzinfo=UTC))
    assert not state.known and not state.open_now


def test_utc_week_intervals_agree_with_open_state_every_quarter_hour():
    cases = [
        office("WIB"),
        office("WIT"),
        OpeningHours(days=weekday_mask("SU,MO"), opens=time(22), closes=time(3), zone="WIT"),
        OpeningHours(days=weekday_mask("SA"), opens=time(0), closes=time(0), zone="WIB"),
    ]
    for hours in cases:
        intervals = hours.utc_week_intervals()
        for quarter in range(7 * 24 * 4):
            minute = quarter * 15 + 7
            moment = datetime(2024, 6, 3, tzinfo=UTC) + timedelta(minutes=minute)
            by_interval = any(start <= minute < end for start, end in intervals)
            assert by_interval == is_open([hours], moment), (hours, moment)


def test_closing_at_2359_is_midnight_so_every_day_0000_2359_is_open_around_the_clock():
    """The demonstration's 24-hour services are written 00:00-23:59: no "until 23.59"."""
    daily = OpeningHours(days=weekday_mask(None), opens=time(0), closes=time(23, 59), zone="WIB")
    assert daily.all_day
    late = datetime(2024, 6, 3, 16, 59, 30, tzinfo=UTC)  # Monday 23:59:30 WIB
    state = open_state([daily], late)
    assert state.open_now and state.all_day and state.closes_at is None
    assert is_open([daily], late)


def test_a_weekday_service_until_2359_closes_at_midnight_on_its_last_day():
    weekdays = OpeningHours(days=WEEKDAYS, opens=time(0), closes=time(23, 59), zone="WITA")
    friday_noon = datetime(2024, 6, 7, 4, 0, tzinfo=UTC)  # Friday 12:00 WITA
    state = open_state([weekdays], friday_noon)
    assert state.open_now and not state.all_day
    assert state.closes_at is not None
    assert (state.closes_at.weekday(), state.closes_at.hour, state.closes_at.minute) == (5, 0, 0)
    evening = OpeningHours(days=WEEKDAYS, opens=time(18), closes=time(23, 59), zone="WIB")
    assert not evening.all_day
    assert not is_open([evening], datetime(2024, 6, 3, 10, 0, tzinfo=UTC))  # 17:00 WIB
    assert is_open([evening], datetime(2024, 6, 3, 16, 59, 30, tzinfo=UTC))  # 23:59:30 WIB

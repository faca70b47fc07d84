"""The pure formatting helpers of the public pages (no app needed)."""

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from directory.public.formatting import (
    format_clock,
    format_idr,
    format_zoned,
    hours_row,
    language_name,
    tel_href,
    weekday_ranges,
    zone_for,
)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (150000, "Rp 150.000"),
        (Decimal("2500000.00"), "Rp 2.500.000"),
        (Decimal("75000.40"), "Rp 75.000"),
        (500, "Rp 500"),
    ],
)
def test_rupiah_is_written_the_indonesian_way(amount, expected):
    assert format_idr(amount) == expected


@pytest.mark.parametrize(
    ("number", "extension", "expected"),
    [
        ("+62 21 5550 0001", None, "tel:+622155500001"),
        ("(0411) 555-0102", None, "tel:04115550102"),
        ("129", None, "tel:129"),
        ("+62 411 555 0101", "12", "tel:+624115550101,12"),
        ("+62 411+555", "ext", "tel:+62411555"),
    ],
)
def test_tel_href_keeps_digits_and_a_leading_plus(number, extension, expected):
    assert tel_href(number, extension) == expected


@pytest.mark.parametrize(
    ("byday", "locale", "expected"),
    [
        ("MO,TU,WE,TH,FR", "id", "Senin–Jumat"),
        ("MO,TU,WE,TH,FR", "en", "Monday–Friday"),
        ("SU,MO,TU,WE,TH,FR,SA", "id", "Senin–Minggu"),
        ("MO,TU", "id", "Senin, Selasa"),
        ("SA, MO ,TU,WE", "id", "Senin–Rabu, Sabtu"),
        ("MO,WE,FR", "en", "Monday, Wednesday, Friday"),
        ("mo,XX", "id", "Senin"),
        ("", "id", ""),
        (None, "id", ""),
    ],
)
def test_weekday_ranges(byday, locale, expected):
    assert weekday_ranges(byday, locale) == expected


def test_clock_times_follow_the_locale():
    assert format_clock(time(8, 0), "id") == "08.00"
    assert format_clock(time(16, 30), "en").replace("\u202f", " ") == "4:30 PM"


@pytest.mark.parametrize(
    ("region_code", "offset", "expected"),
    [
        ("36.73", None, "WIB"),
        ("73.71.01", None, "WITA"),
        ("51", None, "WITA"),
        ("91.71", 7, "WIT"),  # the region wins over a stored offset
        (None, 8, "WITA"),
        (None, 9.0, "WIT"),
        (None, 5.5, None),
        (None, None, None),
    ],
)
def test_zone_for(region_code, offset, expected):
    assert zone_for(region_code, offset) == expected


def test_language_names_come_from_the_locale_data_with_fallbacks():
    assert language_name("jv", "Bahasa Jawa", "id") == "Jawa"
    assert language_name("jv", "Bahasa Jawa", "en") == "Javanese"
    assert language_name("BUG", None, "en") == "Buginese"
    assert language_name("zzz", "Bahasa setempat", "id") == "Bahasa setempat"
    assert language_name(None, None, "id") == ""
    assert language_name("zzz", None, "id") == "zzz"


def test_hours_row_without_times_keeps_the_note():
    row = hours_row("SA,SU", None, None, "Dengan janji", "id")
    assert (row.days, row.opens, row.closes, row.note) == (
        "Sabtu, Minggu",
        None,
        None,
        "Dengan janji",
    )


@pytest.mark.parametrize(
    ("opens", "closes", "all_day"),
    [
        (time(0), time(0), True),
        (time(0), time(23, 59), True),
        (time(8), time(8), True),
        (time(8), time(23, 59), False),
        (time(0), time(16), False),
    ],
)
def test_hours_row_says_when_it_is_open_around_the_clock(opens, closes, all_day):
    assert hours_row("MO,TU,WE,TH,FR,SA,SU", opens, closes, None, "id").all_day is all_day


@pytest.mark.parametrize(
    ("opens", "closes", "note", "kept"),
    [
        # The note only says the hours again: printed once.
        (time(8), time(16), "Senin-Jumat 08.00-16.00 WIB", False),
        (time(0), time(23, 59), "Setiap hari, 24 jam", False),
        (time(18), time(2), "Setiap hari 18.00-02.00 WIB (sampai dini hari)", False),
        # It says more: kept.
        (time(8), time(16), "08.00-16.00, istirahat 12.00-13.00", True),
        (time(8), time(16), "Dengan janji", True),
        (time(0), time(23, 59), "24 jam, kecuali 12.00-13.00", True),
        (time(8), time(16), "Sabtu 09.00-12.00", True),
    ],
)
def test_a_note_that_restates_the_hours_is_left_out(opens, closes, note, kept):
    row = hours_row("MO,TU,WE,TH,FR", opens, closes, note, "id")
    assert (row.note == note) is kept


@pytest.mark.parametrize(
    ("zone", "locale", "expected"),
    [
        ("WIB", "id", "5 Des 2026 14.05 WIB"),
        ("WITA", "id", "5 Des 2026 15.05 WITA"),
        ("WIT", "en", "5 Dec 2026 16.05 WIT"),
    ],
)
def test_times_are_written_on_the_zone_clock_with_its_name(zone, locale, expected):
    moment = datetime(2026, 12, 5, 7, 5, tzinfo=UTC)
    assert format_zoned(moment, zone, locale, "d MMM y HH.mm") == expected
    # A naive moment is UTC; the default pattern never shows an offset.
    written = format_zoned(moment.replace(tzinfo=None), zone, locale)
    assert written.endswith(f" {zone}") and "+0" not in written and "GMT" not in written

"""The pure formatting helpers of the public pages (no app needed)."""

from datetime import time
from decimal import Decimal

import pytest

from directory.public.formatting import (
    format_clock,
    format_idr,
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

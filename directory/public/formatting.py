"""How the public pages write money, weekdays, hours, phone numbers and languages.

Pure: no Flask request state. The caller passes the display locale (``"id"`` or ``"en"``);
day and language names come from Babel's CLDR data, so they need no catalogue of ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal

from babel import Locale
from babel.dates import format_datetime, format_time
from babel.numbers import format_currency

from directory.geo.hours import MIDNIGHT, is_end_of_day
from directory.geo.timezones import UTC_OFFSET_HOURS, ZONES, zone_name
from directory.institutions.models import WEEKDAYS

_ZONE_BY_OFFSET = {hours: zone for zone, hours in UTC_OFFSET_HOURS.items()}


def format_idr(amount: Decimal | float | int) -> str:
    """Rupiah the Indonesian way, whatever the interface language: ``Rp 150.000``."""
    return format_currency(amount, "IDR", format="¤ #,##0", currency_digits=False, locale="id")


def tel_href(number: str, extension: str | None = None) -> str:
    """A ``tel:`` URI: digits and a leading plus only (``+62 21-555`` -> ``tel:+6221555``);
    an extension is dialled after a pause (``,``)."""
    digits = re.sub(r"[^\d+]", "", number)
    digits = digits[:1] + digits[1:].replace("+", "")
    if extension:
        ext = re.sub(r"\D", "", extension)
        if ext:
            digits = f"{digits},{ext}"
    return f"tel:{digits}"


def weekday_ranges(byday: str | None, locale: str) -> str:
    """``MO,TU,WE,TH,FR,SU`` -> ``Senin–Jumat, Minggu`` (runs of three days or more are
    joined by a dash, in week order whatever the order given). Unknown codes are ignored."""
    wide = Locale.parse(locale).days["format"]["wide"]
    given = {day.strip().upper() for day in (byday or "").split(",")}
    indexes = [i for i, code in enumerate(WEEKDAYS) if code in given]
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{wide[run[0]]}–{wide[run[-1]]}")
        else:
            parts.extend(wide[i] for i in run)
    return ", ".join(parts)


def format_clock(value: time, locale: str) -> str:
    """A wall-clock time in the locale's short form (``08.00`` in Indonesian)."""
    return format_time(value, "short", locale=locale)


def zone_for(region_code: str | None, utc_offset: float | None = None) -> str | None:
    """WIB, WITA or WIT for a location's region code; an HSDS ``timezone`` offset (hours)
    is used when no region is known. ``None`` when neither tells."""
    if region_code:
        return zone_name(region_code)
    if utc_offset is not None:
        return _ZONE_BY_OFFSET.get(int(utc_offset))
    return None


def language_name(code: str | None, fallback: str | None, locale: str) -> str:
    """The name of a spoken language in the interface language (``jv`` -> ``Jawa`` or
    ``Javanese``), falling back to the stored name, then to the code."""
    if code:
        name = Locale.parse(locale).languages.get(code.strip().lower())
        if name:
            return name
    return fallback or code or ""


@dataclass(frozen=True)
class HoursRow:
    days: str
    opens: str | None
    closes: str | None
    note: str | None
    # Open around the clock on those days: the page says "Buka 24 jam", not 00.00-23.59.
    all_day: bool = False


_CLOCK = re.compile(r"\b(\d{1,2})[.:](\d{2})\b")
_ALL_DAY_WORDS = re.compile(r"24\s*(jam|hours?|h)\b", re.IGNORECASE)


def is_all_day(opens_at: time | None, closes_at: time | None) -> bool:
    """00:00-00:00 (or any opening equal to the closing) and 00:00-23:59: the whole day."""
    if opens_at is None or closes_at is None:
        return False
    return opens_at == closes_at or (opens_at == MIDNIGHT and is_end_of_day(closes_at))


def restates(note: str, opens_at: time | None, closes_at: time | None) -> bool:
    """Whether a schedule's note only says again what its hours say ("Senin-Jumat
    08.00-16.00 WIB" beside 08:00-16:00; "Setiap hari, 24 jam" beside a whole day), so
    that the page prints the hours once."""
    if opens_at is None or closes_at is None:
        return False
    if is_all_day(opens_at, closes_at):
        return bool(_ALL_DAY_WORDS.search(note)) and not _CLOCK.search(note)
    clocks = {(int(hour), int(minute)) for hour, minute in _CLOCK.findall(note)}
    return clocks == {
        (opens_at.hour, opens_at.minute),
        (closes_at.hour, closes_at.minute),
    }


def hours_row(
    byday: str | None,
    opens_at: time | None,
    closes_at: time | None,
    note: str | None,
    locale: str,
) -> HoursRow:
    if note and restates(note, opens_at, closes_at):
        note = None
    return HoursRow(
        days=weekday_ranges(byday, locale),
        opens=format_clock(opens_at, locale) if opens_at else None,
        closes=format_clock(closes_at, locale) if closes_at else None,
        note=note or None,
        all_day=is_all_day(opens_at, closes_at),
    )


def format_zoned(moment: datetime, zone: str, locale: str, pattern: str = "d MMM y, HH.mm") -> str:
    """A moment on the clock of one of Indonesia's zones, named as people name it:
    ``5 Des 2026, 14.05 WIB`` (never ``+0700`` or ``GMT+7``). A naive moment is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZONES[zone])
    return f"{format_datetime(local, pattern, tzinfo=ZONES[zone], locale=locale)} {zone}"

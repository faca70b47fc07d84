"""Opening hours: open now, and when a place opens next. Pure: no Flask, no database.

Hours are in the local time of the location (WIB, WITA or WIT, from its province; see
:mod:`directory.geo.timezones`), as HSDS schedules give them: weekdays, ``opens_at`` and
``closes_at``. Closing before (or at) opening means the hours cross midnight: Friday
20:00-02:00 is open until 02:00 on Saturday. Opening and closing at the same time means
open the whole day (``00:00``-``00:00`` is the usual way to write a 24-hour service).
Closing at ``23:59`` means closing at the end of the day (midnight): ``00:00``-``23:59``
every day is open around the clock, not closed for a minute each night.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from directory.geo.timezones import UTC_OFFSET_HOURS, ZONES

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ALL_DAYS = 0b1111111
MINUTES_PER_WEEK = 7 * 24 * 60


MIDNIGHT = time(0, 0)


def is_end_of_day(closes: time) -> bool:
    """``23:59`` (with any seconds) is how many write "until midnight"."""
    return closes.hour == 23 and closes.minute == 59


def weekday_mask(byday: str | None) -> int:
    """``"MO,WE"`` -> a bit per weekday (Monday is bit 0). No days given: every day."""
    mask = 0
    for part in (byday or "").upper().split(","):
        part = part.strip()[-2:]  # RRULE allows "1MO"; only the weekday matters weekly
        if part in WEEKDAY_CODES:
            mask |= 1 << WEEKDAY_CODES.index(part)
    return mask or ALL_DAYS


@dataclass(frozen=True)
class OpeningHours:
    """One weekly opening: on the days in ``days`` from ``opens`` to ``closes``."""

    days: int
    opens: time
    closes: time
    zone: str = "WIB"
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def all_day(self) -> bool:
        return self.opens == self.closes or (self.opens == MIDNIGHT and is_end_of_day(self.closes))

    @property
    def crosses_midnight(self) -> bool:
        return self.closes < self.opens

    def _minutes(self) -> tuple[int, int]:
        start = self.opens.hour * 60 + self.opens.minute
        end = self.closes.hour * 60 + self.closes.minute
        if is_end_of_day(self.closes) and self.opens != self.closes:
            end = 24 * 60
        elif end <= start:
            end += 24 * 60
        return start, end

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The local (aware) intervals that start on ``day``."""
        if not (self.days >> day.weekday()) & 1 or not self.valid_on(day):
            return []
        start, end = self._minutes()
        midnight = datetime.combine(day, time(0), tzinfo=ZONES[self.zone])
        return [(midnight + timedelta(minutes=start), midnight + timedelta(minutes=end))]

    def utc_week_intervals(self) -> list[tuple[int, int]]:
        """Minutes of the UTC week (Monday 00:00 UTC = 0) when open, ignoring validity
        dates; an interval over the end of the week is split in two."""
        offset = UTC_OFFSET_HOURS[self.zone] * 60
        start, end = self._minutes()
        found = []
        for weekday in range(7):
            if not (self.days >> weekday) & 1:
                continue
            first = (weekday * 24 * 60 + start - offset) % MINUTES_PER_WEEK
            last = first + (end - start)
            if last <= MINUTES_PER_WEEK:
                found.append((first, last))
            else:
                found.append((first, MINUTES_PER_WEEK))
                found.append((0, last - MINUTES_PER_WEEK))
        return found


def minute_of_utc_week(moment: datetime) -> int:
    utc = moment.astimezone(UTC)
    return utc.weekday() * 24 * 60 + utc.hour * 60 + utc.minute


def _intervals_around(
    hours: Iterable[OpeningHours], moment: datetime, days_ahead: int
) -> list[tuple[datetime, datetime, str]]:
    found = []
    for item in hours:
        local_day = moment.astimezone(ZONES[item.zone]).date()
        # From yesterday: last night's hours may still run past midnight.
        for shift in range(-1, days_ahead + 1):
            for start, end in item.intervals_on(local_day + timedelta(days=shift)):
                found.append((start, end, item.zone))
    return found


@dataclass(frozen=True)
class OpenState:
    """Whether a place is open at a moment, until when, or when it opens next.

    ``known`` is false when no hours are recorded: neither open nor closed is claimed.
    Times are local to the place, with its zone name for display.
    """

    known: bool
    open_now: bool = False
    closes_at: datetime | None = None
    opens_at: datetime | None = None
    zone: str | None = None
    all_day: bool = False


def open_state(hours: Iterable[OpeningHours], moment: datetime) -> OpenState:
    """The state at ``moment`` (aware) of a place with the given weekly hours."""
    hours = list(hours)
    if not hours:
        return OpenState(known=False)
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    intervals = sorted(_intervals_around(hours, moment, days_ahead=7))
    current = [item for item in intervals if item[0] <= moment < item[1]]
    if current:
        # Chain touching intervals (Monday 00:00-24:00, Tuesday 00:00-...) to the real end.
        end, zone = max(item[1] for item in current), current[0][2]
        extended = True
        while extended:
            extended = False
            for start, stop, _ in intervals:
                if start <= end < stop:
                    end, extended = stop, True
        all_day = end - moment > timedelta(days=6)
        return OpenState(
            known=True,
            open_now=True,
            closes_at=None if all_day else end,
            zone=zone,
            all_day=all_day,
        )
    upcoming = [item for item in intervals if item[0] > moment]
    if not upcoming:
        return OpenState(known=True)
    start, _, zone = upcoming[0]
    return OpenState(known=True, opens_at=start, zone=zone)


def is_open(hours: Iterable[OpeningHours], moment: datetime) -> bool:
    return open_state(hours, moment).open_now

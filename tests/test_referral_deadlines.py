"""Response deadlines by urgency, in working days of the receiver's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from directory.referrals.deadlines import (
    DeadlineRule,
    holidays_from_config,
    is_overdue,
    response_due_at,
    rules_from_config,
)

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")
DEFAULTS = rules_from_config(
    {"emergency": {"hours": 4}, "high": {"working_days": 1}, "normal": {"working_days": 3}}
)


def local(*parts: int, zone=WIB) -> datetime:
    return datetime(*parts, tzinfo=zone)


@pytest.mark.parametrize(
    ("sent", "urgency", "due"),
    [
        # Thursday 1 May 2025, 10:00 WIB.
        (local(2025, 5, 1, 10), "emergency", local(2025, 5, 1, 14)),
        (local(2025, 5, 1, 10), "high", local(2025, 5, 2, 10)),
        (local(2025, 5, 1, 10), "normal", local(2025, 5, 6, 10)),
        # Friday afternoon: the weekend does not count.
        (local(2025, 5, 2, 15), "high", local(2025, 5, 5, 15)),
        # Emergencies count every hour, weekend or not: Saturday 22:00 -> Sunday 02:00.
        (local(2025, 5, 3, 22), "emergency", local(2025, 5, 4, 2)),
        # Sent on Saturday: counted from Monday 08:00.
        (local(2025, 5, 3, 10), "high", local(2025, 5, 6, 8)),
        (local(2025, 5, 3, 10), "normal", local(2025, 5, 8, 8)),
    ],
)
def test_default_deadlines(sent, urgency, due):
    assert response_due_at(sent, DEFAULTS[urgency], WIB) == due.astimezone(UTC)


def test_holidays_are_not_working_days():
    holidays = holidays_from_config(["2025-05-12", "2025-05-13"])
    # Friday 9 May; Monday 12 and Tuesday 13 are holidays.
    due = response_due_at(local(2025, 5, 9, 9), DeadlineRule(working_days=1), WIB, holidays)
    assert due == local(2025, 5, 14, 9).astimezone(UTC)
    assert holidays == {date(2025, 5, 12), date(2025, 5, 13)}


def test_working_days_follow_the_receivers_zone():
    # Friday 23:30 in Jakarta is already Saturday 01:30 in Jayapura: Monday 08:00 WIT starts.
    sent = local(2025, 5, 2, 23, 30)
    due = response_due_at(sent, DeadlineRule(working_days=1), WIT)
    assert due == local(2025, 5, 6, 8, zone=WIT).astimezone(UTC)


def test_configurable_rules():
    rules = rules_from_config({"normal": {"working_days": 2, "hours": 2}})
    due = response_due_at(local(2025, 5, 1, 10), rules["normal"], WIB)
    assert due == local(2025, 5, 5, 12).astimezone(UTC)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        response_due_at(datetime(2025, 5, 1, 10), DEFAULTS["high"], WIB)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("sent", True),
        ("received", True),
        ("accepted", False),
        ("declined", False),
        ("withdrawn", False),
        ("in_progress", False),
        ("closed", False),
    ],
)
def test_overdue_only_while_awaiting_an_answer(status, expected):
    due = local(2025, 5, 1, 10)
    assert is_overdue(status, due, local(2025, 5, 1, 10, 1)) is expected
    assert is_overdue(status, due, local(2025, 5, 1, 9, 59)) is False

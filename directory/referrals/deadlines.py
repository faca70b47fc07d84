"""When a receiver must answer a referral, by urgency. Pure: no Flask, no database.

Defaults (``REFERRAL_RESPONSE_DEADLINES``): emergency 4 hours, high 1 working day,
normal 3 working days. Working days are Monday to Friday less the configured holidays,
counted in the receiver's time zone. N working days after a moment on a working day is
the same time of day N working days later; a referral sent on a non-working day counts
from the start of the next working day (08:00).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from directory.referrals.states import AWAITING_RESPONSE

WORKDAY_START = time(8, 0)
# Monday is 0: Saturday and Sunday are not working days.
WEEKEND = frozenset({5, 6})


@dataclass(frozen=True)
class DeadlineRule:
    hours: int = 0
    working_days: int = 0


def rules_from_config(config: Mapping[str, Mapping[str, int]]) -> dict[str, DeadlineRule]:
    """``{"high": {"working_days": 1}}`` -> ``{"high": DeadlineRule(working_days=1)}``."""
    return {
        urgency: DeadlineRule(
            hours=int(rule.get("hours", 0)), working_days=int(rule.get("working_days", 0))
        )
        for urgency, rule in config.items()
    }


def holidays_from_config(values: Iterable[str | date]) -> frozenset[date]:
    return frozenset(
        value if isinstance(value, date) else date.fromisoformat(value) for value in values
    )


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def next_working_day(day: date, holidays: Collection[date]) -> date:
    """The first working day after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


def response_due_at(
    sent_at: datetime, rule: DeadlineRule, zone: tzinfo, holidays: Collection[date] = ()
) -> datetime:
    """The moment (UTC) by which the receiver should accept or decline."""
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be timezone-aware")
    local = sent_at.astimezone(zone)
    if rule.working_days:
        if not is_working_day(local.date(), holidays):
            start_day = next_working_day(local.date(), holidays)
            local = datetime.combine(start_day, WORKDAY_START, tzinfo=zone)
        day = local.date()
        for _ in range(rule.working_days):
            day = next_working_day(day, holidays)
        local = datetime.combine(day, local.timetz())
    return (local + timedelta(hours=rule.hours)).astimezone(UTC)


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    """Still unanswered after its deadline."""
    return status in AWAITING_RESPONSE and now > due_at

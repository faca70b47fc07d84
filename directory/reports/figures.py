"""Referral figures for the network's coordinators: aggregates only, never a referral.

Pure of Flask request state: the filters, the grouping and ``now`` come in as arguments;
the database is read through the session given. Everything published goes through
:func:`publish`, the one place where small numbers are suppressed.

Definitions (tested in ``tests/test_reports_figures.py``):

- **Region** (``province``, ``regency``): where the family asked for help, i.e. the
  region of the *sending* organization: the Kemendagri code of its first location that
  has one (by location name, then id), cut to the province (``36``) or the regency/city
  (``36.73``). No such location: the group ``None`` ("unknown").
- **organization_type**: the institution type (taxonomy ``TAXONOMY_INSTITUTION_TYPES``)
  of the *receiving* organization. An organization of two types counts in both groups;
  one of none counts in the group ``None``.
- **problem**: each problem term of the referral; a referral with two problems counts
  once in each problem's group (so groups may add up to more than the total).
- **urgency**: the referral's urgency; **month**: the month of ``sent_at`` in
  Asia/Jakarta (``2026-03``). Monthly groups run without gaps from the first month with a
  referral to the last.
- **Period**: ``date_from``/``date_to`` are calendar days in Asia/Jakarta, both
  inclusive, applied to ``sent_at``.
- **sent**: every referral of the group (all were sent). **accepted**: referrals the
  receiver accepted, including those now ``in_progress``, ``on_hold`` or ``closed``.
  **declined** (by ``end_reason_code``), **withdrawn**, **closed** (by
  ``outcome_result``): their status.
  **overdue**: still awaiting an answer after the response deadline at ``now``
  (:func:`directory.referrals.deadlines.is_overdue`).
- **acceptance_rate**: accepted / (accepted + declined), i.e. of the referrals that were
  answered; a fraction from 0 to 1.
- **Times**: to first response ``responded_at - sent_at`` in hours, over the referrals
  answered (accepted or declined); to closure ``closed_at - sent_at`` in days, over the
  closed ones. Median and 90th percentile by linear interpolation between the closest
  ranks (PostgreSQL's ``percentile_cont``).

Suppression, so that no family can be singled out: every count below 5 (0 to 4) is
published as the string ``"<5"``. A derived figure is withheld (``None``) when a count it
is computed from is below 5: a median or percentile over fewer than 5 times; an
acceptance rate when accepted or declined is below 5, since the rate together with the
other, published count would give the hidden one away. Declined reasons and closing
outcomes list every known code, so that a missing code does not reveal a zero.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from directory.geo.models import Region
from directory.institutions.models import (
    TAXONOMY_INSTITUTION_TYPES,
    Attribute,
    Location,
    TaxonomyTerm,
)
from directory.referrals import states
from directory.referrals.deadlines import is_overdue
from directory.referrals.models import Referral, referral_problem_term
from directory.referrals.vocabulary import CLOSE_RESULTS, DECLINE_REASONS, URGENCIES
from directory.sqltypes import raw_id

ZONE = ZoneInfo("Asia/Jakarta")

PROVINCE = "province"
REGENCY = "regency"
ORGANIZATION_TYPE = "organization_type"
PROBLEM = "problem"
URGENCY = "urgency"
MONTH = "month"
GROUP_BYS = (PROVINCE, REGENCY, ORGANIZATION_TYPE, PROBLEM, URGENCY, MONTH)

# Counts below this are published as SUPPRESSED; derived figures need this many values.
SMALLEST_PUBLISHED = 5
SUPPRESSED = "<5"

ACCEPTED_STATUSES = frozenset({states.ACCEPTED, states.IN_PROGRESS, states.ON_HOLD, states.CLOSED})

Count = int | str


@dataclass(frozen=True)
class ReportFilters:
    """What narrows the referrals counted. Term filters are taxonomy term ids."""

    group_by: str = MONTH
    province: str | None = None
    regency: str | None = None
    organization_type: str | None = None
    problem: str | None = None
    urgency: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One referral as the report sees it, times worked out once: no client data, no
    free text."""

    status: str
    urgency: str
    month: str
    hours_to_response: float | None
    days_to_close: float | None
    overdue: bool
    end_reason_code: str | None
    outcome_result: str | None
    region: str | None
    organization_types: tuple[str, ...]
    problems: tuple[str, ...]


@dataclass
class Tally:
    """Raw figures of one group, before suppression: never published as such."""

    sent: int = 0
    accepted: int = 0
    declined_by_reason: Counter[str] = field(default_factory=Counter)
    withdrawn: int = 0
    closed_by_outcome: Counter[str] = field(default_factory=Counter)
    overdue: int = 0
    hours_to_response: list[float] = field(default_factory=list)
    days_to_close: list[float] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.sent += 1
        status = row.status
        if status in ACCEPTED_STATUSES:
            self.accepted += 1
            if status == states.CLOSED:
                self.closed_by_outcome[row.outcome_result or "unknown"] += 1
        elif status == states.DECLINED:
            self.declined_by_reason[row.end_reason_code or "other"] += 1
        elif status == states.WITHDRAWN:
            self.withdrawn += 1
        if row.hours_to_response is not None:
            self.hours_to_response.append(row.hours_to_response)
        if row.days_to_close is not None:
            self.days_to_close.append(row.days_to_close)
        if row.overdue:
            self.overdue += 1

    @property
    def declined(self) -> int:
        return sum(self.declined_by_reason.values())

    @property
    def closed(self) -> int:
        return sum(self.closed_by_outcome.values())


@dataclass(frozen=True)
class Figures:
    """The published figures of one group: counts below 5 are ``"<5"``, withheld
    derived figures ``None``."""

    sent: Count
    accepted: Count
    declined: Count
    declined_by_reason: dict[str, Count]
    withdrawn: Count
    closed: Count
    closed_by_outcome: dict[str, Count]
    acceptance_rate: float | None
    median_hours_to_response: float | None
    p90_hours_to_response: float | None
    median_days_to_close: float | None
    p90_days_to_close: float | None
    overdue: Count

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "declined": self.declined,
            "declined_by_reason": dict(self.declined_by_reason),
            "withdrawn": self.withdrawn,
            "closed": self.closed,
            "closed_by_outcome": dict(self.closed_by_outcome),
            "acceptance_rate": self.acceptance_rate,
            "median_hours_to_response": self.median_hours_to_response,
            "p90_hours_to_response": self.p90_hours_to_response,
            "median_days_to_close": self.median_days_to_close,
            "p90_days_to_close": self.p90_days_to_close,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class Group:
    """``key``: a region code, a term id, an urgency or ``YYYY-MM``; ``None`` for
    "unknown". ``label``: the region's or term's name (the key itself otherwise)."""

    key: str | None
    label: str | None
    figures: Figures


@dataclass(frozen=True)
class Report:
    filters: ReportFilters
    now: datetime
    groups: list[Group]
    # Over the distinct referrals counted (a referral of two problems counts once).
    total: Figures
    trend: list[Group]


def suppress(count: int) -> Count:
    """The one place where a small count is hidden: 0 to 4 become ``"<5"``."""
    return count if count >= SMALLEST_PUBLISHED else SUPPRESSED


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks, as PostgreSQL's ``percentile_cont``."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _spread(values: Sequence[float], fraction: float) -> float | None:
    if len(values) < SMALLEST_PUBLISHED:
        return None
    return round(percentile(values, fraction), 1)


def publish(tally: Tally) -> Figures:
    """The figures of ``tally`` fit to publish (see the module's notes on suppression)."""
    declined_reasons = dict.fromkeys(DECLINE_REASONS, 0) | dict(tally.declined_by_reason)
    outcomes = dict.fromkeys(CLOSE_RESULTS, 0) | dict(tally.closed_by_outcome)
    small = SMALLEST_PUBLISHED
    rate = None
    if tally.accepted >= small and tally.declined >= small:
        rate = round(tally.accepted / (tally.accepted + tally.declined), 4)
    return Figures(
        sent=suppress(tally.sent),
        accepted=suppress(tally.accepted),
        declined=suppress(tally.declined),
        declined_by_reason={code: suppress(n) for code, n in declined_reasons.items()},
        withdrawn=suppress(tally.withdrawn),
        closed=suppress(tally.closed),
        closed_by_outcome={code: suppress(n) for code, n in outcomes.items()},
        acceptance_rate=rate,
        median_hours_to_response=_spread(tally.hours_to_response, 0.5),
        p90_hours_to_response=_spread(tally.hours_to_response, 0.9),
        median_days_to_close=_spread(tally.days_to_close, 0.5),
        p90_days_to_close=_spread(tally.days_to_close, 0.9),
        overdue=suppress(tally.overdue),
    )


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in Asia/Jakarta."""
    return datetime.combine(day, time(0), tzinfo=ZONE)


def month_of(moment: datetime) -> str:
    local = moment.astimezone(ZONE)
    return f"{local.year:04d}-{local.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """``"2026-11", "2027-01"`` -> the three months from one to the other."""
    year, month = (int(part) for part in first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _period(filters: ReportFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.date_from is not None:
        conditions.append(Referral.sent_at >= day_start(filters.date_from))
    if filters.date_to is not None:
        conditions.append(Referral.sent_at < day_start(filters.date_to + timedelta(days=1)))
    if filters.urgency is not None:
        conditions.append(Referral.urgency == filters.urgency)
    return conditions


class _Canonical(dict[Any, str]):
    """Raw id (hex string on SQLite, ``UUID`` on PostgreSQL) -> canonical UUID string."""

    def __missing__(self, raw: Any) -> str:
        value = self[raw] = str(uuid.UUID(str(raw)))
        return value


def _sending_regions(session: Session, conditions: list[ColumnElement[bool]]) -> dict[Any, str]:
    senders = select(Referral.sending_organization_id).where(*conditions)
    found: dict[Any, str] = {}
    for organization_id, code in session.execute(
        select(raw_id(Location.organization_id), Location.region_code)
        .where(Location.region_code.is_not(None), Location.organization_id.in_(senders))
        .order_by(Location.organization_id, Location.name, Location.id)
    ):
        found.setdefault(organization_id, code)
    return found


def _institution_types(
    session: Session, conditions: list[ColumnElement[bool]], canonical: _Canonical
) -> dict[Any, tuple[str, ...]]:
    receivers = select(Referral.receiving_organization_id).where(*conditions)
    found: defaultdict[Any, list[str]] = defaultdict(list)
    for organization_id, term_id in session.execute(
        select(raw_id(Attribute.link_id), raw_id(Attribute.taxonomy_term_id))
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(
            Attribute.link_entity == "organization",
            Attribute.link_id.in_(receivers),
            TaxonomyTerm.taxonomy_id == TAXONOMY_INSTITUTION_TYPES,
        )
        .order_by(Attribute.link_id, Attribute.taxonomy_term_id)
    ):
        found[organization_id].append(canonical[term_id])
    return {organization_id: tuple(terms) for organization_id, terms in found.items()}


def _problems(
    session: Session, conditions: list[ColumnElement[bool]], canonical: _Canonical
) -> dict[Any, list[str]]:
    counted = select(Referral.id).where(*conditions)
    link = referral_problem_term.c
    found: defaultdict[Any, list[str]] = defaultdict(list)
    for referral_id, term_id in session.execute(
        select(raw_id(link.referral_id), raw_id(link.taxonomy_term_id)).where(
            link.referral_id.in_(counted)
        )
    ):
        found[referral_id].append(canonical[term_id])
    return found


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def load_rows(
    session: Session,
    filters: ReportFilters,
    now: datetime,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[Row]:
    """The referrals the filters (and the conditions ``where``, on ``Referral``) select,
    as :class:`Row`: four queries whatever the size."""
    conditions = [*_period(filters), *where]
    canonical = _Canonical()
    regions = _sending_regions(session, conditions)
    types = _institution_types(session, conditions, canonical)
    problems = _problems(session, conditions, canonical)
    rows = []
    for item in session.execute(
        select(
            raw_id(Referral.id).label("id"),
            Referral.status,
            Referral.urgency,
            Referral.sent_at,
            Referral.responded_at,
            Referral.closed_at,
            Referral.due_at,
            Referral.end_reason_code,
            Referral.outcome_result,
            raw_id(Referral.sending_organization_id).label("sending_organization_id"),
            raw_id(Referral.receiving_organization_id).label("receiving_organization_id"),
        ).where(*conditions)
    ):
        sent_at = item.sent_at
        closed = item.status == states.CLOSED and item.closed_at is not None
        row = Row(
            status=item.status,
            urgency=item.urgency,
            month=month_of(sent_at),
            hours_to_response=(
                (item.responded_at - sent_at) / HOUR if item.responded_at is not None else None
            ),
            days_to_close=(item.closed_at - sent_at) / DAY if closed else None,
            overdue=is_overdue(item.status, item.due_at, now),
            end_reason_code=item.end_reason_code,
            outcome_result=item.outcome_result,
            region=regions.get(item.sending_organization_id),
            organization_types=types.get(item.receiving_organization_id, ()),
            problems=tuple(problems.get(item.id, ())),
        )
        if _selected(row, filters):
            rows.append(row)
    return rows


def _selected(row: Row, filters: ReportFilters) -> bool:
    region = row.region or ""
    if filters.province is not None and region[:2] != filters.province:
        return False
    if filters.regency is not None and region[:5] != filters.regency:
        return False
    if filters.organization_type is not None and (
        filters.organization_type not in row.organization_types
    ):
        return False
    return filters.problem is None or filters.problem in row.problems


def group_keys(row: Row, group_by: str) -> Iterable[str | None]:
    """The groups ``row`` counts in (several for problems and institution types)."""
    if group_by == PROVINCE:
        return [row.region[:2] if row.region else None]
    if group_by == REGENCY:
        return [row.region[:5] if row.region and len(row.region) >= 5 else None]
    if group_by == ORGANIZATION_TYPE:
        return row.organization_types or [None]
    if group_by == PROBLEM:
        return row.problems or [None]
    if group_by == URGENCY:
        return [row.urgency]
    if group_by == MONTH:
        return [row.month]
    raise ValueError(f"unknown grouping {group_by!r}")


def tally(rows: Iterable[Row], group_by: str) -> dict[str | None, Tally]:
    tallies: defaultdict[str | None, Tally] = defaultdict(Tally)
    for row in rows:
        for key in group_keys(row, group_by):
            tallies[key].add(row)
    if group_by == MONTH and tallies:
        months = sorted(key for key in tallies if key is not None)
        for month in months_between(months[0], months[-1]):
            tallies.setdefault(month, Tally())
    return dict(tallies)


def _labels(
    session: Session,
    group_by: str,
    keys: Iterable[str | None],
    term_label: Callable[[TaxonomyTerm], str],
) -> dict[str, str]:
    wanted = [key for key in keys if key is not None]
    if not wanted:
        return {}
    if group_by in (PROVINCE, REGENCY):
        names = select(Region.code, Region.name).where(Region.code.in_(wanted))
        return dict(session.execute(names).all())
    if group_by in (ORGANIZATION_TYPE, PROBLEM):
        terms = session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.id.in_(wanted)))
        return {term.id: term_label(term) for term in terms}
    return {}


def _order(group_by: str, label: Callable[[str | None], str | None]) -> Callable[..., Any]:
    urgencies = list(URGENCIES)

    def key(item: tuple[str | None, Tally]) -> tuple[Any, ...]:
        code = item[0]
        if code is None:
            return (1, "")
        if group_by == URGENCY:
            return (0, urgencies.index(code) if code in urgencies else len(urgencies), code)
        if group_by in (MONTH, PROVINCE, REGENCY):
            return (0, code)
        return (0, (label(code) or code).casefold(), code)

    return key


def _groups(
    session: Session,
    rows: list[Row],
    group_by: str,
    term_label: Callable[[TaxonomyTerm], str],
) -> list[Group]:
    tallies = tally(rows, group_by)
    names = _labels(session, group_by, tallies, term_label)
    ordered = sorted(tallies.items(), key=_order(group_by, lambda code: names.get(code or "")))
    return [
        Group(key, names.get(key, key) if key is not None else None, publish(raw))
        for key, raw in ordered
    ]


def _term_name(term: TaxonomyTerm) -> str:
    return term.name


def compute_report(
    session: Session,
    filters: ReportFilters,
    now: datetime,
    term_label: Callable[[TaxonomyTerm], str] = _term_name,
    *,
    with_trend: bool = True,
    where: Sequence[ColumnElement[bool]] = (),
) -> Report:
    """The figures of every group of ``filters.group_by``, of all together, and (unless
    ``with_trend`` is false) the monthly trend, the same as the groups when grouping by
    month. Terms are named by ``term_label`` (the interface language's name). ``where``
    narrows the referrals further (an organization's dashboard: its own)."""
    if filters.group_by not in GROUP_BYS:
        raise ValueError(f"unknown grouping {filters.group_by!r}")
    rows = load_rows(session, filters, now, where)
    groups = _groups(session, rows, filters.group_by, term_label)
    trend: list[Group] = []
    if filters.group_by == MONTH:
        trend = groups
    elif with_trend:
        trend = _groups(session, rows, MONTH, term_label)
    total = Tally()
    for row in rows:
        total.add(row)
    return Report(filters=filters, now=now, groups=groups, total=publish(total), trend=trend)

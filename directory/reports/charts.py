"""Geometry of the report's SVG charts, drawn by the server from published figures only.

Pure: no Flask, no database. A count published as ``"<5"`` is never drawn to scale (its
length would tell the hidden number): stacked bars show the published outcome counts and
a grey remainder, "waiting for an answer or fewer than 5"; a month below 5 gets no bar,
only its ``"<5"`` label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from directory.reports.figures import Count, Figures

# Stacked outcome segments, in drawing order; "other" is what the published counts leave.
ACCEPTED = "accepted"
DECLINED = "declined"
WITHDRAWN = "withdrawn"
OTHER = "other"
SEGMENTS = (ACCEPTED, DECLINED, WITHDRAWN, OTHER)

# The monthly trend, in SVG user units (= CSS pixels: the chart scrolls, never shrinks).
TREND_HEIGHT = 200
TREND_TOP = 24
TREND_BOTTOM = 36
TREND_LEFT = 8
TREND_SLOT = 68
TREND_BAR = 40


def _number(count: Count) -> int | None:
    return count if isinstance(count, int) else None


@dataclass(frozen=True)
class Segment:
    kind: str
    count: int
    # Start and length in percent of the chart's width.
    start: float
    length: float


@dataclass(frozen=True)
class OutcomeBar:
    label: str
    sent: Count
    segments: list[Segment]


def outcome_bars(rows: Sequence[tuple[str, Figures]]) -> list[OutcomeBar]:
    """One stacked bar per group, scaled to the largest published ``sent``."""
    largest = max((_number(figures.sent) or 0 for _label, figures in rows), default=0)
    bars = []
    for label, figures in rows:
        sent = _number(figures.sent)
        segments: list[Segment] = []
        if sent is not None and largest:
            shown = {
                ACCEPTED: _number(figures.accepted) or 0,
                DECLINED: _number(figures.declined) or 0,
                WITHDRAWN: _number(figures.withdrawn) or 0,
            }
            shown[OTHER] = max(sent - sum(shown.values()), 0)
            start = 0.0
            for kind in SEGMENTS:
                if shown[kind]:
                    length = 100 * shown[kind] / largest
                    segments.append(Segment(kind, shown[kind], round(start, 2), round(length, 2)))
                    start += length
        bars.append(OutcomeBar(label, figures.sent, segments))
    return bars


@dataclass(frozen=True)
class Column:
    label: str
    sent: Count
    x: float
    y: float
    height: float

    @property
    def centre(self) -> float:
        return self.x + TREND_BAR / 2


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    baseline: float
    columns: list[Column]


def trend(rows: Sequence[tuple[str, Figures]]) -> Trend:
    """Referrals sent per month as columns; a month below 5 has a column of no height."""
    largest = max((_number(figures.sent) or 0 for _label, figures in rows), default=0)
    baseline = float(TREND_HEIGHT - TREND_BOTTOM)
    room = baseline - TREND_TOP
    columns = []
    for index, (label, figures) in enumerate(rows):
        sent = _number(figures.sent)
        height = round(room * sent / largest, 2) if sent and largest else 0.0
        x = TREND_LEFT + index * TREND_SLOT + (TREND_SLOT - TREND_BAR) / 2
        columns.append(Column(label, figures.sent, x, round(baseline - height, 2), height))
    width = max(TREND_LEFT * 2 + len(rows) * TREND_SLOT, 160)
    return Trend(width=width, height=TREND_HEIGHT, baseline=baseline, columns=columns)

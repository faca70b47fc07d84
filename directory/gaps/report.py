"""What the gap analysis page shows for one choice: the analysis, its summary, its timing.

Read by the page (:mod:`directory.gaps.views`) and its map (:mod:`directory.gaps.maps`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from directory.gaps import analysis, data


@dataclass
class GapReport:
    """The analysis for one choice of problem (or all) and distance."""

    problems: list[data.ProblemTerm]
    distance_km: int
    result: dict[str, list[analysis.Coverage]]
    seconds: float
    province: str | None = None  # its name; None: every province

    def rows(self, problem_id: str) -> list[analysis.Coverage]:
        """Every regency for one problem, gaps first (:func:`analysis.gap_order`)."""
        return analysis.gap_order(self.result[problem_id])

    @cached_property
    def summary(self) -> list[analysis.RegencyGaps]:
        return analysis.summarise(self.result)

    @property
    def regency_count(self) -> int:
        return len(self.summary)

    @property
    def gap_count(self) -> int:
        """Regencies lacking a suitable service for at least one of the problems."""
        return sum(1 for item in self.summary if item.gap_problem_ids)

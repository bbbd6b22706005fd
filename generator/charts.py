"""Counts per month → bar geometry the templates draw as inline SVG (no JavaScript)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


@dataclass(frozen=True, slots=True)
class Bar:
    """One month's bar: where it stands, how tall, and what it stands for."""

    x: float
    y: float
    width: float
    height: float
    year: int
    month: int
    count: int

    @property
    def label(self) -> str:
        return f"{MONTH_NAMES[self.month - 1]} {self.year}: {self.count} article{'s' * (self.count != 1)}"


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart of article counts over consecutive months, oldest on the left."""

    width: float
    height: float
    bars: tuple[Bar, ...]
    peak: int
    first: tuple[int, int]
    last: tuple[int, int]

    @property
    def summary(self) -> str:
        (y0, m0), (y1, m1) = self.first, self.last
        total = sum(b.count for b in self.bars)
        return (f"{total} articles from {MONTH_NAMES[m0 - 1]} {y0} to {MONTH_NAMES[m1 - 1]} {y1}; "
                f"at most {self.peak} in a month")


def monthly_counts(dates: Iterable[datetime]) -> dict[tuple[int, int], int]:
    return dict(Counter((date.year, date.month) for date in dates))


def month_chart(counts: dict[tuple[int, int], int], width: float = 640, height: float = 120) -> Chart | None:
    """Every month from the first to the last with a count, empty months included."""
    if not counts:
        return None
    first, last = min(counts), max(counts)
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    peak = max(counts.values())
    slot = width / len(months)
    gap = min(2.0, slot * 0.2)
    bars = tuple(
        Bar(
            x=round(i * slot + gap / 2, 2),
            y=round(height - _bar_height(counts.get(ym, 0), peak, height), 2),
            width=round(slot - gap, 2),
            height=_bar_height(counts.get(ym, 0), peak, height),
            year=ym[0],
            month=ym[1],
            count=counts.get(ym, 0),
        )
        for i, ym in enumerate(months)
    )
    return Chart(width, height, bars, peak, first, last)


def _bar_height(count: int, peak: int, height: float) -> float:
    # Non-empty months get at least 2px, so a single article stays visible next to a busy month.
    return 0.0 if count == 0 else round(max(2.0, height * count / peak), 2)

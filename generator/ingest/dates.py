"""Dates for undated articles: from the text where it dates itself, else inferred from what it mentions
and from the dump's order (newest first).

Each article yields lower bounds — it was written after every past event it names ("in late December",
"the fourth quarter of 2020", "on August 6") — and sometimes an exact date (an "updated on …" note, an
embedded tweet). An event dated to the day is usually reported within a day or two, so such a bound
plus a day is a point the article's date is likely near; coarser mentions ("in March", "in 2019") are
only bounds. Order makes every point of an older article a bound on all newer ones, so the points that
bind — each later than all older ones — are joined by straight segments (articles between two known
points spread out evenly instead of piling onto the older one) and continued at the dump's average
pace beyond the first and last; no date falls below a bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Sequence

_MONTHS = {name: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")], start=1) for name in names}
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DIGIT_RE = re.compile(r"\d")
_FULL_RE = re.compile(_MONTH + r"\.? (\d{1,2})(?:st|nd|rd|th)?,? (20\d\d|19\d\d)\b")
_MONTH_DAY_RE = re.compile(_MONTH + r"\.? (\d{1,2})(?:st|nd|rd|th)?\b(?!,? ?\d)")
_MONTH_YEAR_RE = re.compile(_MONTH + r",? (20\d\d|19\d\d)\b")
_BARE_MONTH_RE = re.compile(r"\b(?:[Ii]n|[Ss]ince|[Dd]uring|[Ll]ast|[Tt]his|[Ee]arly|[Mm]id|[Ll]ate|[Ee]nd of)"
                            r"[- ](?:(?:early|mid|late)[- ])?" + _MONTH + r"\b(?!\.? ?\d)")
_QUARTER_RE = re.compile(r"\b(?:Q([1-4])|([Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth)[- ]quarter)(?: of)?,? (20\d\d)\b")
_HALF_RE = re.compile(r"\b(?:H([12])|([Ff]irst|[Ss]econd) half)(?: of)? (20\d\d)\b")
_YEAR_RE = re.compile(r"\b(?:[Ii]n|[Ss]ince|[Dd]uring|[Ee]arly|[Mm]id|[Ll]ate|[Ee]nd of|year of)[- ](20\d\d)\b")
_UPDATED_RE = re.compile(r"\b(?:is|was|has been) updated (?:on )?" + _MONTH + r"\.? (\d{1,2}),? (20\d\d)")
_TWEET_DATE_RE = re.compile(r"^[—–-].*\(@\w+\)\s*" + _MONTH + r"\.? (\d{1,2}),? (20\d\d)$")
_FUTURE_RE = re.compile(r"\b(will|would|plans?|planned|expect|expected|expects|scheduled|slated|due|until|by|"
                        r"starting|deadline|next|set to|aims?|goal|target)\b[^.;]{0,70}$", re.I)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}


LAG_DAYS = {"day": 1, "month": None, "quarter": None, "year": None}  # coarser mentions only bound
DEFAULT_PACE = 3.0  # days between articles when a dump gives no two points to measure it by


@dataclass(frozen=True, slots=True)
class DateEstimate:
    """An article's date and where it came from: `text` when the article dates itself."""

    date: date
    source: str


@dataclass(frozen=True, slots=True)
class Bound:
    """A past event the article names: the earliest day it could be, and how precisely it is dated."""

    earliest: date
    precision: str  # day | month | quarter | year

    def likely(self) -> date | None:
        """Where the article's date probably is, given the event: the event plus a reporting lag."""
        lag = LAG_DAYS[self.precision]
        return None if lag is None else self.earliest + timedelta(days=lag)


@dataclass(frozen=True, slots=True)
class DateClues:
    """What one article's text says about when it was written."""

    exact: date | None
    bounds: tuple[Bound, ...]
    year_less: tuple[tuple[int, int], ...]  # (month, day or 0) mentioned without a year, in the past


def _month(name: str) -> int:
    return _MONTHS[name.lower()]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _is_future(text: str, start: int) -> bool:
    return bool(_FUTURE_RE.search(text[max(0, start - 60):start]))


def clues(lines: Sequence[str]) -> DateClues:
    """The date evidence in one article's lines (headline first)."""
    exact: list[date] = []
    bounds: list[Bound] = []
    year_less: list[tuple[int, int]] = []
    for line in lines:
        # Every pattern but "in March" needs a digit; most lines of prose have none.
        if not _DIGIT_RE.search(line):
            patterns: tuple = ((_BARE_MONTH_RE, _bare_month),)
        else:
            patterns = _PATTERNS
            for match in (_UPDATED_RE.search(line), _TWEET_DATE_RE.search(line)):
                if match:
                    found = _safe_date(int(match.group(3)), _month(match.group(1)), int(match.group(2)))
                    exact.extend([found] if found else [])
        for pattern, make in patterns:
            for match in pattern.finditer(line):
                if _is_future(line, match.start()):
                    continue
                found = make(match)
                if isinstance(found, Bound):
                    bounds.append(found)
                elif found:
                    year_less.append(found)
    return DateClues(max(exact) if exact else None, tuple(bounds), tuple(year_less))


def _full(m: re.Match[str]) -> Bound | None:
    found = _safe_date(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    return Bound(found, "day") if found else None


def _month_year(m: re.Match[str]) -> Bound | None:
    return Bound(date(int(m.group(2)), _month(m.group(1)), 1), "month")


def _quarter(m: re.Match[str]) -> Bound:
    quarter = int(m.group(1)) if m.group(1) else _ORDINAL[m.group(2).lower()]
    # Figures for a quarter are reported after it ends.
    return Bound(_month_end(int(m.group(3)), quarter * 3), "quarter")


def _half(m: re.Match[str]) -> Bound:
    half = int(m.group(1)) if m.group(1) else (1 if m.group(2).lower() == "first" else 2)
    return Bound(_month_end(int(m.group(3)), 6 if half == 1 else 12), "quarter")


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _year(m: re.Match[str]) -> Bound:
    return Bound(date(int(m.group(1)), 1, 1), "year")


def _month_day(m: re.Match[str]) -> tuple[int, int] | None:
    day = int(m.group(2))
    return (_month(m.group(1)), day) if 1 <= day <= 31 else None


def _bare_month(m: re.Match[str]) -> tuple[int, int]:
    return (_month(m.group(1)), 0)


_PATTERNS = ((_FULL_RE, _full), (_MONTH_YEAR_RE, _month_year), (_QUARTER_RE, _quarter), (_HALF_RE, _half),
             (_YEAR_RE, _year), (_MONTH_DAY_RE, _month_day), (_BARE_MONTH_RE, _bare_month))


def _resolve_year_less(mentions: tuple[tuple[int, int], ...], estimate: date) -> tuple[Bound, ...]:
    """Each `(month, day)` at its latest occurrence up to two months after the (low) first estimate."""
    bounds = []
    for month, day in mentions:
        for year in (estimate.year + 1, estimate.year, estimate.year - 1):
            found = _safe_date(year, month, max(day, 1))
            if found and found <= estimate + timedelta(days=60):
                bounds.append(Bound(found, "day" if day else "month"))
                break
    return tuple(bounds)


def _binding(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The points that bind: each is later than every point of an older article (larger position)."""
    binding: list[tuple[int, int]] = []
    best = None
    for x, y in sorted(points, reverse=True):
        if best is None or y > best:
            best = y
            binding.append((x, y))
    return sorted(binding)


def _chain(n: int, points: list[tuple[int, int]]) -> list[float]:
    """Day number for positions 0..n-1 through the fitted points, extended at the average pace."""
    fitted = _binding(points)
    (x0, y0), (x1, y1) = fitted[0], fitted[-1]
    pace = (y0 - y1) / (x1 - x0) if x1 > x0 and y0 > y1 else DEFAULT_PACE
    values = []
    for x in range(n):
        if x <= x0:
            values.append(y0 + pace * (x0 - x))
        elif x >= x1:
            values.append(y1 - pace * (x - x1))
        else:
            (ax, ay), (bx, by) = next((a, b) for a, b in zip(fitted, fitted[1:]) if a[0] <= x <= b[0])
            values.append(ay + (by - ay) * (x - ax) / (bx - ax))
    return values


def _estimate(found: list[DateClues], extra: list[tuple[Bound, ...]], newest: date | None,
              oldest: date | None) -> list[date]:
    """One pass: points from exact dates and likely dates, a chain through them, hard floors kept."""
    n = len(found)
    points: list[tuple[int, int]] = []
    floors: list[date | None] = []
    for i, (clue, more) in enumerate(zip(found, extra)):
        bounds = (*clue.bounds, *more)
        likely = [b.likely() for b in bounds if b.likely()]
        best = clue.exact or (max(likely) if likely else None)
        if best:
            points.append((i, best.toordinal()))
        floors.append(max((b.earliest for b in bounds), default=None))
    if newest:
        points.append((0, newest.toordinal()))
    if oldest:
        points.append((n - 1, oldest.toordinal()))
    if not points:  # nothing dated to the day: fall back on the hard floors, then on a fixed date
        points = [(i, f.toordinal()) for i, f in enumerate(floors) if f] or [(0, date(2000, 1, 1).toordinal())]
    chain = _chain(n, points)
    result: list[date] = []
    running: date | None = oldest
    for i in range(n - 1, -1, -1):  # oldest first: every bound of an older article bounds newer ones
        floor = max((d for d in (floors[i], running) if d), default=None)
        value = date.fromordinal(round(chain[i]))
        value = max(value, floor) if floor else value
        if newest:
            value = min(value, newest)
        running = value
        result.append(value)
    return result[::-1]


def estimate_dates(articles: Sequence[Sequence[str]], newest: date | None = None,
                   oldest: date | None = None, known: Sequence[date | None] = ()) -> list[DateEstimate]:
    """Each article's lines (source order, newest first) → its date and the date's source.

    `known` dates (a feed's own) are kept as they are and anchor the others.
    """
    found = [clues(lines) for lines in articles]
    feed_dates = list(known) + [None] * (len(found) - len(known))
    found = [replace(clue, exact=when) if when else clue for clue, when in zip(found, feed_dates)]
    first = _estimate(found, [()] * len(found), newest, oldest)
    resolved = [_resolve_year_less(clue.year_less, estimate) for clue, estimate in zip(found, first)]
    final = _estimate(found, resolved, newest, oldest)
    return [DateEstimate(when, "feed") if when else DateEstimate(clue.exact, "text") if clue.exact
            else DateEstimate(d, "inferred") for clue, d, when in zip(found, final, feed_dates)]

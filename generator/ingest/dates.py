"""Dates for undated articles: from the text where it dates itself, else inferred from what it mentions
and from the dump's order (newest first).

Each article yields lower bounds — it was written after every past event it names ("in late December",
"the fourth quarter of 2020", "on August 6") — and sometimes an exact date (an "updated on …" note, an
embedded tweet). Order makes every bound of an older article a bound of all newer ones. The estimate
runs through the binding bounds, straight by position between them, so articles between two known
points spread out instead of piling onto the older one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

_MONTHS = {name: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")], start=1) for name in names}
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
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
_FUTURE_RE = re.compile(r"\b(will|would|plans?|planned|expected|expects|scheduled|slated|due|until|by|"
                        r"starting|deadline|next|set to|aims?|goal|target)\b[^.;]{0,40}$", re.I)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}


@dataclass(frozen=True, slots=True)
class DateEstimate:
    """An article's date and where it came from: `text` when the article dates itself."""

    date: date
    source: str


@dataclass(frozen=True, slots=True)
class DateClues:
    """What one article's text says about when it was written."""

    exact: date | None
    lower_bound: date | None
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
    bounds: list[date] = []
    year_less: list[tuple[int, int]] = []
    for line in lines:
        for match in (_UPDATED_RE.search(line), _TWEET_DATE_RE.search(line)):
            if match:
                found = _safe_date(int(match.group(3)), _month(match.group(1)), int(match.group(2)))
                exact.extend([found] if found else [])
        for pattern, make in _PATTERNS:
            for match in pattern.finditer(line):
                if _is_future(line, match.start()):
                    continue
                found = make(match)
                if isinstance(found, date):
                    bounds.append(found)
                elif found:
                    year_less.append(found)
    return DateClues(max(exact) if exact else None, max(bounds) if bounds else None, tuple(year_less))


def _full(m: re.Match[str]) -> date | None:
    return _safe_date(int(m.group(3)), _month(m.group(1)), int(m.group(2)))


def _month_year(m: re.Match[str]) -> date | None:
    return _safe_date(int(m.group(2)), _month(m.group(1)), 1)


def _quarter(m: re.Match[str]) -> date | None:
    quarter = int(m.group(1)) if m.group(1) else _ORDINAL[m.group(2).lower()]
    # Figures for a quarter are reported after it ends.
    return date(int(m.group(3)), quarter * 3, 28)


def _half(m: re.Match[str]) -> date | None:
    half = int(m.group(1)) if m.group(1) else (1 if m.group(2).lower() == "first" else 2)
    return date(int(m.group(3)), 6 if half == 1 else 12, 28)


def _year(m: re.Match[str]) -> date | None:
    return date(int(m.group(1)), 1, 1)


def _month_day(m: re.Match[str]) -> tuple[int, int] | None:
    day = int(m.group(2))
    return (_month(m.group(1)), day) if 1 <= day <= 31 else None


def _bare_month(m: re.Match[str]) -> tuple[int, int]:
    return (_month(m.group(1)), 0)


_PATTERNS = ((_FULL_RE, _full), (_MONTH_YEAR_RE, _month_year), (_QUARTER_RE, _quarter), (_HALF_RE, _half),
             (_YEAR_RE, _year), (_MONTH_DAY_RE, _month_day), (_BARE_MONTH_RE, _bare_month))


def _resolve_year_less(mentions: tuple[tuple[int, int], ...], estimate: date) -> date | None:
    """Each `(month, day)` at its latest occurrence not long after the estimate; the latest of them."""
    latest = None
    for month, day in mentions:
        for year in (estimate.year + 1, estimate.year, estimate.year - 1):
            found = _safe_date(year, month, max(day, 1))
            if found and found <= estimate + timedelta(days=45):
                latest = max(latest or found, found)
                break
    return latest


def _interpolate(bounds: list[date | None], newest: date | None, oldest: date | None) -> list[date]:
    """Nonincreasing dates by position through the binding bounds (index 0 is the newest article)."""
    n = len(bounds)
    floor: list[date | None] = [None] * n
    running: date | None = oldest
    for i in range(n - 1, -1, -1):
        if bounds[i] and (running is None or bounds[i] > running):
            running = bounds[i]
        floor[i] = running
    anchors = [(i, floor[i]) for i in range(n) if floor[i] and (i == n - 1 or floor[i] != floor[i + 1])]
    if oldest:
        anchors.append((n - 1, min(floor[n - 1] or oldest, oldest) if floor[n - 1] else oldest))
    if newest:
        anchors.insert(0, (0, max(newest, floor[0]) if floor[0] else newest))
    anchors = sorted({i: d for i, d in anchors}.items())
    if not anchors:
        return [date(2000, 1, 1)] * n
    rate = _days_per_position(anchors)
    result = []
    for i in range(n):
        before = [(j, d) for j, d in anchors if j <= i]
        after = [(j, d) for j, d in anchors if j >= i]
        if before and after:
            (j0, d0), (j1, d1) = before[-1], after[0]
            share = 0 if j1 == j0 else (i - j0) / (j1 - j0)
            value = d0 - timedelta(days=round((d0 - d1).days * share))
        elif after:
            value = after[0][1] + timedelta(days=round(rate * (after[0][0] - i)))
        else:
            value = before[-1][1] - timedelta(days=round(rate * (i - before[-1][0])))
        result.append(max(value, floor[i]) if floor[i] else value)
    return result


def _days_per_position(anchors: list[tuple[int, date]]) -> float:
    (first, newest), (last, oldest) = anchors[0], anchors[-1]
    if last == first or newest <= oldest:
        return 3.0
    return (newest - oldest).days / (last - first)


def estimate_dates(articles: Sequence[Sequence[str]], newest: date | None = None,
                   oldest: date | None = None) -> list[DateEstimate]:
    """Each article's lines (dump order, newest first) → its date and the date's source."""
    found = [clues(lines) for lines in articles]
    first_pass = _interpolate([c.exact or c.lower_bound for c in found], newest, oldest)
    bounds: list[date | None] = []
    for clue, estimate in zip(found, first_pass):
        candidates = [d for d in (clue.lower_bound, _resolve_year_less(clue.year_less, estimate)) if d]
        bounds.append(clue.exact or (max(candidates) if candidates else None))
    final = _interpolate(bounds, newest, oldest)
    if newest:
        final = [min(d, newest) for d in final]
    return [DateEstimate(clue.exact, "text") if clue.exact else DateEstimate(d, "inferred")
            for clue, d in zip(found, final)]

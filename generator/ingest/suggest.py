"""Names the text treats as companies but the gazetteer lacks, for an editor to review and add."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from .entities import Gazetteer, unknown_companies


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An unknown company: how many articles name it, and one line that shows how."""

    name: str
    articles: int
    mentions: int
    context: str


def suggest_companies(articles: Iterable[tuple[str, str]], gazetteer: Gazetteer) -> list[Suggestion]:
    """(title, body text) pairs → unknown companies, most widely covered first."""
    seen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for title, text in articles:
        for name in unknown_companies(title, text, gazetteer):
            seen[name].append((title, text))
    suggestions = []
    for name, where in seen.items():
        pattern = re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])")
        mentions = sum(len(pattern.findall(title + "\n" + text)) for title, text in where)
        suggestions.append(Suggestion(name, len(where), mentions, _context(pattern, where)))
    return sorted(suggestions, key=lambda s: (-s.articles, -s.mentions, s.name))


def _context(pattern: re.Pattern[str], where: list[tuple[str, str]]) -> str:
    """The shortest sentence naming the company, trimmed to a line."""
    sentences = [s.strip() for title, text in where for s in re.split(r"(?<=[.!?])\s+|\n", title + "\n" + text)
                 if pattern.search(s)]
    best = min(sentences, key=lambda s: (len(s) < 40, len(s)), default="")
    return best if len(best) <= 140 else best[:139] + "…"

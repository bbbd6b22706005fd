"""Names in an article → the companies (or places) it is about, and the ones it only mentions.

Known names come from a gazetteer (data/<taxonomy>.yaml: canonical name, aliases, parent). Unknown
companies are found by how news text introduces them ("startup X", "X-backed", "X's CEO", "X Motors")
and count only when the article is clearly about them. Salience — headline, lead, how often — decides
`companies`; the rest go to `mentions`. A wrong tag costs more than a missing one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..model import TermInfo

_NAME = r"[A-Z][\w&.'’-]*[\w&]"
_NAME_SEQ = rf"{_NAME}(?:[ -](?:{_NAME}|of|de|and|&)){{0,3}}?"
_INTRO_RES = (
    re.compile(rf"\b(?:startup|start-up|company|firm|unicorn|giant|maker|platform|app|service|provider|"
               rf"operator|developer|retailer|carmaker|automaker|chipmaker|brand|lender|marketplace|portal|"
               rf"subsidiary|affiliate|rival|backer|investor|fund)\s+({_NAME_SEQ})(?=[\s,.;:)’']|$)"),
    re.compile(rf"\b({_NAME_SEQ})-(?:backed|owned|based startup|led)\b"),
    re.compile(rf"\b({_NAME_SEQ})(?:’s|'s)\s+(?:CEO|founder|co-founder|chairman|president|chief|board|"
               rf"shares|stock|IPO|valuation|revenue|investors|subsidiary|parent|app|platform)\b"),
    re.compile(rf"\b({_NAME_SEQ} (?:Motors?|Capital|Labs|Group|Technologies|Technology|Inc\.?|Ltd\.?|"
               rf"Holdings|Ventures|Partners|Networks|Systems|Robotics|Foods|Games|Pay|Financial|Bank|"
               rf"Semiconductor|Electronics|Airlines|Media|Studios|Therapeutics|Health|AI))\b"),
    re.compile(rf"\b({_NAME_SEQ}),? (?:a|an|the) [\w\s-]{{0,40}}?(?:startup|company|firm|unicorn|platform|"
               rf"maker|provider|marketplace|app)\b"),
    re.compile(rf"^({_NAME_SEQ}) (?:raises|raised|gets|lands|secures|closes|nabs|acquires|buys|launches|"
               rf"unveils|files|announces|hits|tops|pulls in|bags)\b"),
)
_NOT_COMPANY_WORDS = re.compile(
    r"\b(Ministry|Administration|Commission|Department|Congress|Senate|House|Court|Council|Bureau|Agency|"
    r"Authority|Government|Parliament|University|Institute|Association|Committee|Office|Party|Army|"
    r"Police|Act|Series|Day|Week|Year|Festival|Olympics|Summit|Show|President|Minister|Secretary|"
    r"Chairman|Vice|CEO|Founder|Mr|Ms|Dr)\b")


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Known names of one taxonomy with their aliases, compiled for matching."""

    canonical: dict[str, str]  # surface form → canonical name
    pattern: re.Pattern[str] | None
    excluded: frozenset[str]

    @classmethod
    def of(cls, infos: Iterable[TermInfo], excluded: Iterable[str] = ()) -> "Gazetteer":
        canonical: dict[str, str] = {}
        for info in infos:
            for form in (info.name, *info.aliases):
                canonical.setdefault(form, info.name)
        forms = sorted(canonical, key=lambda f: (-len(f), f))
        pattern = None
        if forms:
            pattern = re.compile(r"(?<![\w@#])(" + "|".join(re.escape(f) for f in forms) + r")(?:’s|'s)?(?![\w])")
        return cls(canonical, pattern, frozenset(excluded))

    def count(self, text: str) -> Counter[str]:
        """Canonical name → occurrences in text; the longest form wins where forms overlap."""
        if self.pattern is None:
            return Counter()
        return Counter(self.canonical[m.group(1)] for m in self.pattern.finditer(text))


def introduced_names(text: str, known: Gazetteer, excluded: frozenset[str]) -> Counter[str]:
    """Unknown names that text introduces the way news introduces companies."""
    found: Counter[str] = Counter()
    for pattern in _INTRO_RES:
        for match in pattern.finditer(text):
            name = match.group(1).strip(" -’'")
            name = re.sub(r"(?:’s|'s)$", "", name)
            if _plausible(name, known, excluded):
                found[name] += 1
    return found


def _plausible(name: str, known: Gazetteer, excluded: frozenset[str]) -> bool:
    words = name.split()
    return (2 <= len(name) <= 40 and len(words) <= 4 and name not in known.canonical and name not in excluded
            and not _NOT_COMPANY_WORDS.search(name) and not any(w.lower() in _COMMON for w in words[:1])
            and not all(w.isupper() and len(w) <= 3 for w in words if len(words) > 1))


_COMMON = frozenset("the a an this that these its their his her our chinese american us u.s. china india "
                    "european global local new former early late in on at for and but as with by".split())


@dataclass(frozen=True, slots=True)
class Salience:
    """Where and how often an article names a term."""

    in_title: bool
    in_lead: bool
    count: int

    def score(self) -> float:
        return 3.0 * self.in_title + 2.0 * self.in_lead + min(self.count, 8) * 0.5


def _literal_count(name: str, text: str) -> int:
    return len(re.findall(r"(?<![\w@#])" + re.escape(name) + r"(?![\w])", text))


def tag_entities(title: str, lead: str, body: Sequence[str], gazetteer: Gazetteer, find_unknown: bool,
                 max_tags: int = 5) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names the article is about, names it only mentions), most salient first."""
    text = "\n".join(body)
    title_counts, lead_counts, body_counts = gazetteer.count(title), gazetteer.count(lead), gazetteer.count(text)
    unknown: set[str] = set()
    if find_unknown:
        unknown = set(introduced_names(title, gazetteer, gazetteer.excluded)) | set(
            introduced_names(text, gazetteer, gazetteer.excluded))
    saliences = {name: Salience(title_counts[name] > 0, lead_counts[name] > 0, body_counts[name])
                 for name in set(title_counts) | set(body_counts)}
    for name in unknown:
        saliences[name] = Salience(_literal_count(name, title) > 0, _literal_count(name, lead) > 0,
                                   _literal_count(name, text))
    if not saliences:
        return (), ()
    top = max(s.count for s in saliences.values())
    about, mentioned = [], []
    for name, s in sorted(saliences.items(), key=lambda kv: (-kv[1].score(), kv[0])):
        if name in unknown:  # an unknown name needs the headline, or a lead and repeated mentions
            is_about = s.in_title or (s.in_lead and s.count >= 3)
        else:
            is_about = s.in_title or (s.in_lead and s.count >= 2) or (s.count >= 4 and s.count >= 0.5 * top)
        if is_about and len(about) < max_tags:
            about.append(name)
        elif name not in unknown:
            mentioned.append(name)
    return tuple(about), tuple(mentioned)

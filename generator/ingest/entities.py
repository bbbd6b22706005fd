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

_NAME = r"[A-Z][\w&.-]*[\w&]|[a-z][A-Z][\w&.-]*[\w&]"  # Alibaba, JD.com, iQiyi
_NAME_RUN_RE = re.compile(rf"(?<![\w’'-])((?:{_NAME})(?: (?:{_NAME})){{0,2}})")
# Words that introduce a company ("startup X"); "app X" or "platform X" introduce products instead.
_INTRODUCERS = (r"startup|start-up|company|firm|unicorn|maker|provider|operator|developer|retailer|carmaker|"
                r"automaker|chipmaker|lender|marketplace|portal|processor|neobank|rival")
_SUFFIXES = re.compile(r" (Motors?|Capital|Labs|Group|Technologies|Technology|Inc\.?|Ltd\.?|Holdings|Ventures|"
                       r"Partners|Networks|Systems|Robotics|Foods|Games|Pay|Financial|Bank|Semiconductor|"
                       r"Electronics|Airlines|Media|Studios|Therapeutics|Health|AI)$")
# How news text says that a name is a company. {n} is the escaped name.
_COMPANY_CUES = tuple(re.compile(cue) for cue in (
    rf"\b(?:{_INTRODUCERS})\s+{{n}}\b",
    r"\b{n}(?:’s|'s)?\s+(?:CEO|co-founder|cofounder|founder|chief executive|spokesperson|spokesman|spokeswoman)\b",
    rf"\b{{n}},? (?:a|an|the) [\w\s,’'-]{{0,60}}?\b(?:{_INTRODUCERS}|bank)\b",
    r"\b{n} (?:raises|raised|has raised|closes|closed|lands|landed|secures|secured|gets|nabs|bags|pulls in)\b",
    r"\b{n} (?:was|is) (?:founded|backed|valued|headquartered)\b",
    r"\b{n}(?:’s|'s) (?:valuation|IPO|shares|investors|funding|revenue|customers|co-founder|founder|employees)\b",
))
_NOT_COMPANY_WORDS = re.compile(
    r"\b(Ministry|Administration|Commission|Department|Congress|Senate|House|Court|Council|Bureau|Agency|"
    r"Authority|Government|Parliament|University|Institute|Association|Committee|Office|Party|Army|"
    r"Police|Act|Series|Day|Week|Year|Festival|Olympics|Summit|Show|President|Minister|Secretary|"
    r"Chairman|Vice|CEO|Founder|Mr|Ms|Dr|Review|Roundup|Station|Crunch)\b")
_COMMON = frozenset("the a an this that these its their his her our chinese american us u.s. china india "
                    "european global local new former early late in on at for and but as with by".split())


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


# "YC-backed X", "raises $5M from X", "led by X": X is a backer, not what the headline is about.
_BACKER_RE = re.compile(rf"(?<![\w.&-])[\w.&]{{1,40}}-(?:backed|owned|funded)\b|\b(?:from|led by|backed by) (?:{_NAME})(?: (?:{_NAME}))*")


def headline_subjects(title: str) -> str:
    """The headline without the parts that name backers."""
    return _BACKER_RE.sub(" ", title)


def _candidates(title: str, text: str) -> set[str]:
    """Capitalised names in the headline, and names the body introduces with a company word."""
    names = {m.group(1) for m in _NAME_RUN_RE.finditer(headline_subjects(title))}
    introduced = re.compile(rf"\b(?:{_INTRODUCERS})\s+((?:{_NAME})(?: (?:{_NAME})){{0,2}})")
    names |= {m.group(1) for m in introduced.finditer(text)}
    return {re.sub(r"(?:’s|'s)$", "", name) for name in names}


def _is_company(name: str, text: str) -> bool:
    """An unknown name is a company when the text says so: `startup X`, `X's CEO`, `X raised`…"""
    escaped = re.escape(name)
    return bool(_SUFFIXES.search(name)) or any(
        re.search(cue.pattern.replace("{n}", escaped), text) for cue in _COMPANY_CUES)


def unknown_companies(title: str, text: str, known: Gazetteer) -> set[str]:
    """Names not in the gazetteer that the article's text treats as companies."""
    common = _lowercase_only(text)
    found = set()
    for name in _candidates(title, text):
        words = name.split()
        if (len(name) < 3 or name in known.canonical or name in known.excluded or words[0].lower() in _COMMON
                or _NOT_COMPANY_WORDS.search(name)
                or re.search(r"(?<![\w-])" + re.escape(name.lower()) + r"(?![\w-])", common)):
            continue
        if _is_company(name, title + "\n" + text):
            found.add(name)
    return found


def _lowercase_only(text: str) -> str:
    """The words of text that are written in lower case there (so `Regulators` is a common word)."""
    return " ".join(w for w in text.split() if w == w.lower())


@dataclass(frozen=True, slots=True)
class Salience:
    """Where and how often an article names a term."""

    in_title: bool
    in_lead: bool
    count: int

    def score(self) -> float:
        return 3.0 * self.in_title + 2.0 * self.in_lead + min(self.count, 8) * 0.5


def _full_name(name: str, unknown: set[str], gazetteer: Gazetteer, text: str) -> str:
    """The longer name a short form stands for, when the text also writes it out in full."""
    longer = sorted((form for form in (*unknown, *gazetteer.canonical) if form.startswith(name + " ")
                     and form in text), key=len)
    if not longer:
        written_out = re.search(rf"\b{re.escape(name)}(?: (?:{_NAME})){{1,2}}", text)
        if written_out and _SUFFIXES.search(written_out.group(0)):
            return written_out.group(0)
        return name
    return gazetteer.canonical.get(longer[0], longer[0])


def _literal_count(name: str, text: str) -> int:
    return len(re.findall(r"(?<![\w@#])" + re.escape(name) + r"(?![\w])", text))


def tag_entities(title: str, lead: str, body: Sequence[str], gazetteer: Gazetteer, find_unknown: bool,
                 max_tags: int = 5) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names the article is about, names it only mentions), most salient first."""
    text = "\n".join(body)
    title = headline_subjects(title)
    title_counts, lead_counts, body_counts = gazetteer.count(title), gazetteer.count(lead), gazetteer.count(text)
    unknown = unknown_companies(title, text, gazetteer) if find_unknown else set()
    saliences = {name: Salience(title_counts[name] > 0, lead_counts[name] > 0, body_counts[name])
                 for name in set(title_counts) | set(body_counts)}
    for name in unknown:
        found = Salience(_literal_count(name, title) > 0, _literal_count(name, lead) > 0, _literal_count(name, text))
        full = _full_name(name, unknown, gazetteer, text)
        if full != name:  # "Ant" for Ant Group, "Impossible" for Impossible Foods: one company
            known = saliences.get(full, Salience(False, False, 0))
            found = Salience(found.in_title or known.in_title, found.in_lead or known.in_lead,
                             max(found.count, known.count))
        saliences[full] = found
    unknown = {_full_name(name, unknown, gazetteer, text) for name in unknown} - set(gazetteer.canonical.values())
    if not saliences:
        return (), ()
    top = max(s.count for s in saliences.values())
    about, mentioned = [], []
    for name, s in sorted(saliences.items(), key=lambda kv: (-kv[1].score(), kv[0])):
        if name in unknown:  # an unknown name needs the headline, or a lead and repeated mentions
            is_about = s.in_title or (s.in_lead and s.count >= 3)
        else:
            is_about = s.in_title or (s.in_lead and s.count >= 3) or (s.count >= 5 and s.count >= 0.75 * top)
        if is_about and len(about) < max_tags:
            about.append(name)
        elif name not in unknown:
            mentioned.append(name)
    return tuple(about), tuple(mentioned)

"""Small text measures the dump splitter and the cleaner share: words, sentence ends, line shapes."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours out over own same she should so some such than that the
their theirs them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours new says said after amid over its it's
""".split())

_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9&.\-]*")
# "Title by User on Scribd": the text line a document or video embed leaves in a dump.
EMBED_RE = re.compile(r"\bon (Scribd|SlideShare|Issuu|DocumentCloud|YouTube|Vimeo)$")
SENTENCE_END_RE = re.compile(r"[.!?…][\"”’')\]]*$")
_INNER_SENTENCE_RE = re.compile(r"[a-z0-9%)\]]{2}[.!?][\"”’]? [A-Z“\"]")


@lru_cache(maxsize=1 << 17)  # words repeat: half a million tokens in 1,000 articles, few distinct
def normalise_token(raw: str) -> str:
    """`Alibaba’s` → `alibaba`, `$2.75B` → `2.75`, `U.S.` → `u.s`: a comparable form of a word."""
    word = raw.lower().rstrip(".-&")
    word = re.sub(r"['’]s$", "", word)
    if word[:1].isdigit():
        word = re.sub(r"[a-z]+$", "", word)
    return word


def stem(word: str) -> str:
    """A crude stem so that China/Chinese or invest/investors meet: the first five letters."""
    return word[:5] if word.isalpha() and len(word) > 5 else word


@lru_cache(maxsize=1 << 17)
def _meaning(raw: str) -> str:
    """A token's stem if it carries meaning, else "" (stop words, one-letter tokens)."""
    word = normalise_token(raw)
    return stem(word) if len(word) > 1 and word not in STOPWORDS else ""


@lru_cache(maxsize=1 << 17)
def content_words(text: str) -> frozenset[str]:
    """The stems of a line's words that carry meaning: no stop words, no one-letter tokens."""
    return frozenset(filter(None, map(_meaning, _WORD_RE.findall(text.replace("’", "'")))))


_ABBREVIATION_END_RE = re.compile(r"\b(Inc|Corp|Ltd|Co|Jr|Sr|St|U\.S|U\.K|Dr|Mr|Ms|Mrs|No|vs)\.$")


def ends_sentence(text: str) -> bool:
    """True when a line ends as a sentence does; `Big Tech Inc.` does not."""
    text = text.rstrip()
    return bool(SENTENCE_END_RE.search(text)) and not _ABBREVIATION_END_RE.search(text)


def inner_sentences(text: str) -> int:
    """How many sentence breaks a line has inside it (a headline has none)."""
    return len(_INNER_SENTENCE_RE.findall(text))


def capitalised_start(text: str) -> bool:
    """Starts as a headline may: a capital, a digit, a quote, or `iPhone`-style lower-then-capital."""
    stripped = text.lstrip("“\"‘'([")
    if not stripped:
        return False
    first = stripped[0]
    return first.isupper() or first.isdigit() or first == "$" or (
        first.islower() and len(stripped) > 1 and stripped[1].isupper())


@dataclass(frozen=True, slots=True)
class WordStats:
    """How rare each word is in one dump, so shared rare names weigh more than shared common words."""

    document_count: int
    frequencies: dict[str, int]

    @classmethod
    def of(cls, texts: Iterable[str]) -> "WordStats":
        counts: Counter[str] = Counter()
        total = 0
        for text in texts:
            total += 1
            counts.update(content_words(text))
        return cls(total, dict(counts))

    def weight(self, word: str) -> float:
        return math.log((self.document_count + 1) / (self.frequencies.get(word, 0) + 1)) + 0.1

    def overlap(self, words: frozenset[str] | set[str], other: frozenset[str] | set[str]) -> float:
        """Share of `words`' weight that `other` also has, 0..1."""
        total = sum(self.weight(w) for w in words)
        if not total:
            return 0.0
        return sum(self.weight(w) for w in words & other) / total


def near_duplicate(a: str, b: str) -> bool:
    """Caption and alt text repeat each other with small changes (quotes, a word)."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return False
    return len(wa & wb) / len(wa | wb) >= 0.7

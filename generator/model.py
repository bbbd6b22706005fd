"""The site's data: frozen values built once by the load and index stages, never mutated."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, NamedTuple

DATE_SOURCES = ("feed", "text", "inferred", "manual")


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with an input file, reported as `path:line: message`."""

    path: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


class InputError(Exception):
    """Raised with every problem found in one pass, so the user fixes them all at once."""

    def __init__(self, problems: tuple[Problem, ...]):
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class Article(NamedTuple):
    """One page of content/, validated; terms are display names grouped by taxonomy key.

    A named tuple rather than a frozen dataclass: an edit build makes 10,000 of them from the cache,
    and a tuple is made in one call, where a frozen dataclass sets each field in turn (70 ms).
    """

    slug: str
    title: str
    date: datetime
    date_source: str
    summary: str
    body_digest: str  # the hash of the body's HTML; the HTML itself is in Site.bodies
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    mentions: tuple[str, ...]
    author: str
    source_url: str
    path: str
    word_count: int
    digest: str = ""  # a hash of all the fields above, so pages can be keyed by it cheaply
    index_digest: str = ""  # a hash of what the index reads (slug, date, terms), so it can be kept
    card_digest: str = ""  # a hash of what other pages show of it: all but PAGE_ONLY

    INDEXED = ("slug", "date", "terms")
    # Shown on the article's own page only (with the default theme; see render.cards_show_page_only),
    # so a body edit need not touch the lists, neighbours and related articles that show it.
    PAGE_ONLY = ("body_digest", "word_count")

    def terms_of(self, taxonomy_key: str) -> tuple[str, ...]:
        """The names this article carries in one taxonomy (empty if none)."""
        for key, names in self.terms:
            if key == taxonomy_key:
                return names
        return ()

    @property
    def date_is_estimate(self) -> bool:
        return self.date_source == "inferred"

    def sealed(self) -> "Article":
        """This article with `digest`, `index_digest` and `card_digest` set from its other fields."""
        hashed = lambda names: hashlib.sha256(repr(tuple(getattr(self, n) for n in names)).encode("utf-8")).hexdigest()  # noqa: E731
        fields = [n for n in self._fields if not n.endswith("digest") or n == "body_digest"]
        return self._replace(digest=hashed(fields), index_digest=hashed(self.INDEXED),
                             card_digest=hashed([n for n in fields if n not in self.PAGE_ONLY]))


@dataclass(frozen=True, slots=True)
class Term:
    """A value of a taxonomy (a topic, a company) and the articles carrying it, newest first."""

    taxonomy: str
    name: str
    slug: str
    description: str
    articles: tuple[str, ...]
    related: tuple[tuple[str, int], ...]  # (term slug, shared article count), most shared first
    parent: str = ""  # the parent's name (Alibaba for Alibaba Cloud), from the data file


@dataclass(frozen=True, slots=True)
class TermLink:
    """Enough of a term to link to it by name: what other terms' pages show of it. Unlike a Term, it
    does not change when the term gains an article, so those pages need not be made again."""

    taxonomy: str
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class MonthLink:
    """Enough of a month to link to it, for the months before and after on a month's page."""

    year: int
    month: int


@dataclass(frozen=True, slots=True)
class Month:
    """A calendar month of the timeline and the articles published in it, newest first."""

    year: int
    month: int
    articles: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class TermInfo:
    """What an editor says about a term in a data file: its aliases, parent and description."""

    name: str
    aliases: tuple[str, ...] = ()
    parent: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """All terms of one taxonomy (by its front-matter key), sorted by slug."""

    key: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class IndexChanges:
    """How an index differs from the one with the key `since`: whether the articles' order or their
    months do (an article added, removed or redated), which terms (taxonomy, slug) differ, came or
    went, and which articles' related lists differ or are new."""

    since: str
    order: bool = False
    terms: frozenset[tuple[str, str]] = frozenset()
    related: frozenset[str] = frozenset()

    @property
    def none(self) -> bool:
        return not (self.order or self.terms or self.related)


@dataclass(frozen=True, slots=True)
class Site:
    """Everything the render stage needs: articles newest first, taxonomies, timeline, related."""

    articles: tuple[Article, ...]
    taxonomies: tuple[Taxonomy, ...]
    months: tuple[Month, ...]
    related: tuple[tuple[str, tuple[str, ...]], ...]
    build_time: datetime
    bodies: Mapping[str, str]  # body digest → HTML, read from the cache only for pages rendered again
    by_slug: Mapping[str, Article]  # the articles by slug, in the same order: made once for every stage
    # A hash of all that taxonomies, months and related articles are made from (index.index_key): two
    # sites with the same one have them the same, so pages differ only where articles' fields do.
    index_key: str = ""
    # What of the index differs from an earlier one's (None: not known), so that the page memo need
    # not work out again the shape of a page the change cannot have reached (see cache.PageMemo).
    changes: IndexChanges | None = None

    def body(self, article: Article) -> str:
        return self.bodies[article.body_digest]

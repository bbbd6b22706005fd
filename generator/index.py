"""Articles → Site: taxonomies with their terms, the timeline and related articles. Pure data."""

from __future__ import annotations

import hashlib
import heapq
import os
from itertools import chain, permutations
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import AbstractSet, Callable, Iterable, Mapping

from .config import SiteConfig
from .model import Article, Month, Site, Taxonomy, Term, TermInfo
from .slugs import slug_for_term

RelatedMap = tuple[tuple[str, tuple[str, ...]], ...]
# (inputs, compute) → the map: compute(None) for every article, compute(slugs) for some.
RelatedMemory = Callable[["RelatedInputs", Callable[[Iterable[str] | None], tuple[RelatedMap, frozenset[str]]]],
                         RelatedMap]


@dataclass(frozen=True, slots=True)
class PreviousIndex:
    """An earlier build's taxonomies and what they were made from: the settings and data files
    (`head`, hashed) and each article's index_digest, by slug."""

    head: str
    digests: Mapping[str, str]
    taxonomies: tuple[Taxonomy, ...]


# (key, this build's head and digests, compute) → the taxonomies and related map: those of the last
# build if its key was the same, else compute(that build's index, or None), which may start from it.
IndexMemory = Callable[[str, str, Mapping[str, str],
                        Callable[["PreviousIndex | None"], tuple[tuple[Taxonomy, ...], RelatedMap]]],
                       tuple[tuple[Taxonomy, ...], RelatedMap]]
RELATED_TERMS = 8
MIN_RELATED = 3


def newest_first(articles: Iterable[Article]) -> tuple[Article, ...]:
    """Sort newest first; equal dates by slug, so the order never depends on file order."""
    by_slug = sorted(articles, key=lambda a: a.slug)
    return tuple(sorted(by_slug, key=lambda a: a.date, reverse=True))


def canonical_names(infos: Iterable[TermInfo]) -> dict[str, str]:
    """Alias slug → canonical name, so `Alibaba Group` and `Alibaba's` both read `Alibaba`."""
    mapping: dict[str, str] = {}
    for info in infos:
        mapping[slug_for_term(info.name)] = info.name
        for alias in info.aliases:
            mapping.setdefault(slug_for_term(alias), info.name)
    return mapping


def build_taxonomy(key: str, articles: tuple[Article, ...], infos: tuple[TermInfo, ...],
                   previous: Taxonomy | None = None, changed: AbstractSet[str] = frozenset()) -> Taxonomy:
    """Group articles by term; spellings with one slug are one term, named as most often written.

    Given the `previous` taxonomy (made with the same data file) and the slugs of the articles whose
    date or terms `changed` since (added and deleted ones too), only the terms those articles had or
    have are made again: another term's articles, spellings and co-occurrence counts involve none of
    them (a pair of terms is counted on articles carrying both). A tag edit then costs the articles of
    a few terms, not a pass over every term of 10,000 articles.
    """
    canonical = canonical_names(infos)
    descriptions = {slug_for_term(i.name): i.description for i in infos}
    parents = {slug_for_term(i.name): i.parent for i in infos}
    resolved: dict[str, tuple[str, str]] = {}  # as written → (its slug, canonical name), worked out once

    def resolve(written: str) -> tuple[str, str]:
        name = canonical.get(slug_for_term(written), written)
        found = resolved[written] = (slug_for_term(name), name)
        return found

    def pairs_of(article: Article) -> list[tuple[str, str]]:
        return [resolved.get(written) or resolve(written) for written in article.terms_of(key)]

    remade: set[str] | None = None  # the terms made again; None: all of them
    read: set[str] | None = None  # the articles that may carry them: those that did, and those changed
    if previous is not None:
        remade = {term.slug for term in previous.terms if not changed.isdisjoint(term.articles)}
        remade.update(slug for article in articles if article.slug in changed for slug, _ in pairs_of(article))
        read = set(changed).union(*(term.articles for term in previous.terms if term.slug in remade))
    members: dict[str, list[str]] = defaultdict(list)
    per_article: list[list[str]] = []
    written_as: list[tuple[str, str]] = []  # (slug, canonical name) of every name as written, counted below
    for article in articles:
        if read is not None and article.slug not in read:
            continue
        pairs = pairs_of(article)
        slugs = list(dict.fromkeys(slug for slug, _ in pairs))
        if remade is not None and remade.isdisjoint(slugs):
            continue
        written_as += pairs
        for slug in slugs:
            members[slug].append(article.slug)
        per_article.append(slugs)
    named: dict[str, tuple[int, str]] = {}  # slug → the name most often written (ties: the first by sort)
    for (slug, name), count in Counter(written_as).items():
        if slug not in named or (-count, name) < named[slug]:
            named[slug] = (-count, name)
    together = _co_occurrence(per_article)  # complete for every term made again: all its articles were read
    made = {slug: Term(
        taxonomy=key,
        name=named[slug][1],
        slug=slug,
        description=descriptions.get(slug, ""),
        articles=tuple(members[slug]),
        # nsmallest: the same as sorted(...)[:RELATED_TERMS], without sorting a company's 300 partners
        related=tuple(heapq.nsmallest(RELATED_TERMS, together[slug].items(), key=lambda kv: (-kv[1], kv[0]))),
        parent=parents.get(slug, ""),
    ) for slug in members if remade is None or slug in remade}
    if previous is not None:
        made.update((term.slug, term) for term in previous.terms if term.slug not in remade)
    return Taxonomy(key, tuple(made[slug] for slug in sorted(made)))


def _co_occurrence(per_article: list[list[str]]) -> dict[str, Counter[str]]:
    # Every ordered pair counted at once, in C; then split by first term.
    pairs = Counter(chain.from_iterable(permutations(slugs, 2) for slugs in per_article if len(slugs) > 1))
    together: dict[str, Counter[str]] = defaultdict(Counter)
    for (slug, other), shared in pairs.items():
        together[slug][other] = shared
    return together


def build_months(articles: tuple[Article, ...]) -> tuple[Month, ...]:
    """Articles (newest first) → months newest first, each listing its articles newest first."""
    grouped: dict[tuple[int, int], list[str]] = defaultdict(list)
    for article in articles:
        grouped[(article.date.year, article.date.month)].append(article.slug)
    return tuple(Month(y, m, tuple(slugs)) for (y, m), slugs in sorted(grouped.items(), reverse=True))


def related_articles(articles: tuple[Article, ...], taxonomies: tuple[Taxonomy, ...], weights: Mapping[str, int],
                     count: int, only: Iterable[str] | None = None) -> tuple[RelatedMap, frozenset[str]]:
    """For each article (or each slug in `only`), the `count` articles sharing most weighted terms,
    then nearest in time; and which of them had too few such articles and were filled up with the
    nearest in time of all (their lists depend on every article's date)."""
    by_slug = {a.slug: a for a in articles}
    term_members = {(t.key, term.slug): term.articles for t in taxonomies for term in t.terms}
    article_terms: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (key, term_slug), members in term_members.items():
        for slug in members:
            article_terms[slug].append((key, term_slug))
    result = []
    filled = set()
    for article in (by_slug[s] for s in only) if only is not None else articles:
        # Counter.update counts a whole member list in C; a weight of 3 counts it three times.
        scores: Counter[str] = Counter()
        for key, term_slug in article_terms[article.slug]:
            for _ in range(weights[key]):
                scores.update(term_members[(key, term_slug)])
        scores.pop(article.slug, None)

        def nearness(slug: str) -> tuple[int, float, str]:
            return (-scores[slug], abs((by_slug[slug].date - article.date).total_seconds()), slug)

        # Only candidates scoring at least the count-th best score can be chosen: rank just those.
        floor = heapq.nlargest(count, scores.values())[-1] if 0 < count < len(scores) else 0
        chosen = sorted((s for s, score in scores.items() if score >= floor), key=nearness)[:count]
        if len(chosen) < MIN_RELATED:
            filled.add(article.slug)
            rest = (s for s in by_slug if s != article.slug and s not in chosen)
            chosen += heapq.nsmallest(MIN_RELATED - len(chosen), rest, key=nearness)
        result.append((article.slug, tuple(chosen)))
    return tuple(sorted(result)), frozenset(filled)


@dataclass(frozen=True, slots=True)
class RelatedInputs:
    """What related articles depend on: the settings, and each article's date and terms."""

    settings: str
    articles: dict[str, str]  # slug → "date|taxonomy/term …"


def related_inputs(articles: tuple[Article, ...], taxonomies: tuple[Taxonomy, ...],
                   config: SiteConfig) -> RelatedInputs:
    terms: dict[str, list[str]] = defaultdict(list)
    for taxonomy in taxonomies:
        for term in taxonomy.terms:
            for slug in term.articles:
                terms[slug].append(f"{taxonomy.key}/{term.slug}")
    settings = [f"{t.key}={t.related_weight}" for t in config.taxonomies] + [str(config.related_count)]
    return RelatedInputs("|".join(settings),
                         {a.slug: f"{a.date.isoformat()}|{' '.join(terms[a.slug])}" for a in articles})


def affected_by(changed: set[str], previous: RelatedInputs, current: RelatedInputs, filled: Iterable[str]) -> set[str]:
    """The articles whose related lists may differ once `changed` (added, removed, redated or
    retagged articles) changed: every article sharing a term with one of them, before or after, and
    every article filled up by nearness in time (which covers any that listed one of them). Any
    other article has the same candidates with the same scores and dates, so the same list."""
    touched_terms = {term for slug in changed for inputs in (previous.articles, current.articles)
                     if slug in inputs for term in inputs[slug].split("|", 1)[1].split()}
    affected = set(changed) | set(filled)
    for inputs in (previous.articles, current.articles):
        for slug, signature in inputs.items():
            if slug not in affected and not touched_terms.isdisjoint(signature.split("|", 1)[1].split()):
                affected.add(slug)
    return {slug for slug in affected if slug in current.articles}


def canonicalise_terms(articles: Iterable[Article], config: SiteConfig,
                       term_data: Mapping[str, tuple[TermInfo, ...]]) -> list[Article]:
    """Rewrite each article's term names through the data files' aliases."""
    maps = {t.key: canonical_names(term_data.get(t.key, ())) for t in config.taxonomies}
    canonical: dict[tuple[str, str], str] = {}  # (taxonomy, name as written) → its canonical name, worked out once
    result = []
    for article in articles:
        renamed = False
        for key, names in article.terms:
            for name in names:
                found = canonical.get((key, name))
                if found is None:
                    found = canonical[(key, name)] = maps[key].get(slug_for_term(name), name)
                renamed = renamed or found != name
        if not renamed:  # as after most edits: no alias written, nothing to rebuild
            result.append(article)
            continue
        terms = tuple((key, tuple(dict.fromkeys(canonical[(key, n)] for n in names))) for key, names in article.terms)
        result.append(article._replace(terms=terms).sealed())
    return result


def build_time(articles: tuple[Article, ...]) -> datetime:
    """SOURCE_DATE_EPOCH when set, else the newest article's date: never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    if articles:
        return max(a.date for a in articles)
    return datetime(1970, 1, 1, tzinfo=timezone.utc)


def _signature(inputs: RelatedInputs, slug: str) -> tuple[datetime, set[str]]:
    date, _, terms = inputs.articles[slug].partition("|")
    return datetime.fromisoformat(date), set(terms.split())


def update_related(previous_map: Mapping[str, tuple[str, ...]], previous: RelatedInputs, current: RelatedInputs,
                   filled: frozenset[str], weights: Mapping[str, int], count: int,
                   compute: Callable[[Iterable[str] | None], tuple[RelatedMap, frozenset[str]]],
                   ) -> tuple[RelatedMap, frozenset[str]]:
    """The related map after an edit, from the previous one: equal to computing it all again.

    When one article `c` changed, an article that shares a term with it but did not list it keeps
    its list unless `c` now outranks its last entry — then `c` takes that place. Only articles that
    listed `c`, were filled up by nearness, or are `c` are worked out in full. More changes at
    once: every article they can affect is worked out in full (see affected_by).
    """
    changed = {slug for slug in previous.articles.keys() | current.articles.keys()
               if previous.articles.get(slug) != current.articles.get(slug)}
    merged = {slug: others for slug, others in previous_map.items() if slug in current.articles}
    if not changed:
        return tuple(sorted(merged.items())), filled
    if len(changed) == 1 and next(iter(changed)) in current.articles:
        (edited,) = changed
        full = ({edited} | filled | {slug for slug, others in merged.items() if edited in others}) & current.articles.keys()
        edited_date, edited_terms = _signature(current, edited)
        weight_of = {term: weights[term.split("/", 1)[0]] for term in edited_terms}
        for slug in current.articles.keys() - full:
            date, terms = _signature(current, slug)
            shared = edited_terms & terms
            if not shared:
                continue
            listed = merged[slug]
            if len(listed) < count:  # it had room: the new candidate joins, in its place
                full.add(slug)
                continue

            def rank(other: str, other_date: datetime, other_terms: set[str]) -> tuple[int, float, str]:
                score = sum(weights[t.split("/", 1)[0]] for t in terms & other_terms)
                return -score, abs((other_date - date).total_seconds()), other

            last = rank(listed[-1], *_signature(current, listed[-1]))
            mine = (-sum(weight_of[t] for t in shared), abs((edited_date - date).total_seconds()), edited)
            if mine < last:
                keys = {other: rank(other, *_signature(current, other)) for other in listed[:-1]}
                keys[edited] = mine
                merged[slug] = tuple(sorted(keys, key=keys.__getitem__))
        affected = full
    else:
        affected = affected_by(changed, previous, current, filled)
    fresh, fresh_filled = compute(sorted(affected))
    merged.update(fresh)
    return tuple(sorted(merged.items())), frozenset((filled - affected) | fresh_filled) & current.articles.keys()


def index_head(config: SiteConfig, term_data: Mapping[str, tuple[TermInfo, ...]]) -> str:
    """What taxonomies and related articles are made from besides the articles: the settings and data files."""
    settings = [(t.key, t.related_weight) for t in config.taxonomies]
    return f"{settings!r}|{config.related_count}|{sorted(term_data.items())!r}"


def index_key(ordered: tuple[Article, ...], config: SiteConfig, term_data: Mapping[str, tuple[TermInfo, ...]]) -> str:
    """Everything taxonomies and related articles are made from: each article's slug, date and
    (canonical) terms, in order, by their digest, and the settings and data files that shape them."""
    head = index_head(config, term_data)
    return hashlib.sha256("\n".join([head, *(a.index_digest for a in ordered)]).encode("utf-8")).hexdigest()


def build_site(articles: Iterable[Article], config: SiteConfig, term_data: Mapping[str, tuple[TermInfo, ...]],
               bodies: Mapping[str, str], related: RelatedMemory | None = None,
               memory: IndexMemory | None = None) -> Site:
    """The whole index step: Articles → Site.

    `related`, when given, may remember related articles from the last build and recompute only
    those an edit can change (the costliest part of indexing; a body edit changes none). `memory`
    may keep the taxonomies and related articles whole when no slug, date or term changed, and
    otherwise hand back the last build's taxonomies, so that only the terms of the articles whose
    slug, date or terms changed are made again (see build_taxonomy).
    """
    ordered = newest_first(canonicalise_terms(articles, config, term_data))
    head = hashlib.sha256(index_head(config, term_data).encode("utf-8")).hexdigest()
    digests = {a.slug: a.index_digest for a in ordered}

    def compute(previous: PreviousIndex | None = None) -> tuple[tuple[Taxonomy, ...], RelatedMap]:
        before: dict[str, Taxonomy] = {}
        changed: set[str] = set()
        if previous is not None and previous.head == head:  # made from the same settings and data files
            before = {t.key: t for t in previous.taxonomies}
            changed = {slug for slug in previous.digests.keys() | digests.keys()
                       if previous.digests.get(slug) != digests.get(slug)}
        taxonomies = tuple(build_taxonomy(t.key, ordered, term_data.get(t.key, ()), before.get(t.key), changed)
                           for t in config.taxonomies)
        weights = {t.key: t.related_weight for t in config.taxonomies}

        def ranked(only: Iterable[str] | None) -> tuple[RelatedMap, frozenset[str]]:
            return related_articles(ordered, taxonomies, weights, config.related_count, only)

        inputs = related_inputs(ordered, taxonomies, config)
        return taxonomies, related(inputs, ranked) if related else ranked(None)[0]

    key = index_key(ordered, config, term_data)
    taxonomies, related_map = memory(key, head, digests, compute) if memory else compute()
    return Site(
        articles=ordered,
        taxonomies=taxonomies,
        months=build_months(ordered),
        related=related_map,
        build_time=build_time(ordered),
        bodies=bodies,
        index_key=key,
    )

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
from .model import Article, IndexChanges, Month, Site, Taxonomy, Term, TermInfo
from .slugs import slug_for_term

RelatedMap = tuple[tuple[str, tuple[str, ...]], ...]
MonthRuns = tuple[tuple[int, int, int], ...]  # see month_runs


@dataclass(frozen=True, slots=True)
class PreviousIndex:
    """An earlier build's index (its `key`) and what it was made from: the settings and data files
    (`head`, hashed) and each article's index_digest, by slug, newest first; its taxonomies, related
    map, the articles whose related lists were filled up by nearness in time, and its months as
    (year, month, number of articles)."""

    key: str
    head: str
    digests: Mapping[str, str]
    taxonomies: tuple[Taxonomy, ...]
    related: Mapping[str, tuple[str, ...]]
    filled: frozenset[str]
    months: MonthRuns


Computed = tuple[tuple[Taxonomy, ...], RelatedMap, frozenset[str], "IndexChanges | None"]
# (key, this build's head, digests and month runs, compute) → the taxonomies, related map and changes:
# those of the last build if its key was the same (no changes), else compute(that build's index, or
# None), which may start from it.
IndexMemory = Callable[[str, str, Mapping[str, str], MonthRuns, Callable[["PreviousIndex | None"], Computed]],
                       tuple[tuple[Taxonomy, ...], RelatedMap, "IndexChanges | None"]]
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
    for article in articles if read is None else [a for a in articles if a.slug in read]:
        pairs = pairs_of(article)
        slugs = list(dict.fromkeys(slug for slug, _ in pairs))
        if remade is not None and remade.isdisjoint(slugs):
            continue
        written_as += pairs if remade is None else [pair for pair in pairs if pair[0] in remade]
        for slug in slugs if remade is None else remade.intersection(slugs):
            members[slug].append(article.slug)
        per_article.append(slugs)
    named: dict[str, tuple[int, str]] = {}  # slug → the name most often written (ties: the first by sort)
    for (slug, name), count in Counter(written_as).items():
        if slug not in named or (-count, name) < named[slug]:
            named[slug] = (-count, name)
    # Complete for every term made again: all its articles were read.
    together = _co_occurrence(per_article, remade)
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


def _co_occurrence(per_article: list[list[str]],
                   first: AbstractSet[str] | None = None) -> dict[str, Counter[str]]:
    """How many articles each pair of terms shares, for pairs whose first term is in `first` (None:
    all): the terms a tag edit makes again, not the thousands their articles also carry."""
    # Every ordered pair counted at once, in C; then split by first term.
    if first is None:
        pairs = Counter(chain.from_iterable(permutations(slugs, 2) for slugs in per_article if len(slugs) > 1))
    else:
        pairs = Counter((slug, other) for slugs in per_article for slug in slugs if slug in first
                        for other in slugs if other != slug)
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


@dataclass(frozen=True, slots=True)
class Memberships:
    """Which articles carry each term, and which terms each article carries — terms named
    `taxonomy/slug`, an article's taxonomy by taxonomy and by slug within one. What related
    articles are scored on, made once per build from the taxonomies."""

    members: dict[str, tuple[str, ...]]
    of: dict[str, list[str]]


def memberships(taxonomies: Iterable[Taxonomy]) -> Memberships:
    members: dict[str, tuple[str, ...]] = {}
    of: dict[str, list[str]] = defaultdict(list)
    for taxonomy in taxonomies:
        for term in taxonomy.terms:
            name = f"{taxonomy.key}/{term.slug}"
            members[name] = term.articles
            for slug in term.articles:
                of[slug].append(name)
    return Memberships(members, of)


def _weight(term: str, weights: Mapping[str, int]) -> int:
    return weights[term.partition("/")[0]]


def related_articles(by_slug: Mapping[str, Article], terms: Memberships, weights: Mapping[str, int],
                     count: int, only: Iterable[str] | None = None) -> tuple[RelatedMap, frozenset[str]]:
    """For each article (`by_slug`, newest first; or each slug in `only`), the `count` articles
    sharing most weighted terms, then nearest in time; and which of them had too few such articles and
    were filled up with the nearest in time of all (their lists depend on every article's date)."""
    result = []
    filled = set()
    for article in (by_slug[s] for s in only) if only is not None else by_slug.values():
        # Counter.update counts a whole member list in C; a weight of 3 counts it three times.
        scores: Counter[str] = Counter()
        for term in terms.of.get(article.slug, ()):
            for _ in range(_weight(term, weights)):
                scores.update(terms.members[term])
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


def affected_by(changed: AbstractSet[str], before: Iterable[Taxonomy], now: Memberships, filled: Iterable[str]) -> set[str]:
    """The articles whose related lists may differ once `changed` (added, removed, redated or
    retagged articles) changed: every article sharing a term with one of them, before or after, and
    every article filled up by nearness in time (which covers any that listed one of them). Any
    other article has the same candidates with the same scores and dates, so the same list.

    `before`: the last build's taxonomies, for the terms the changed articles had. An article
    carrying such a term then but not now is itself a changed one, so members are looked up now."""
    touched = {term for slug in changed for term in now.of.get(slug, ())}
    touched.update(f"{taxonomy.key}/{term.slug}" for taxonomy in before for term in taxonomy.terms
                   if not changed.isdisjoint(term.articles))
    affected = set(changed) | set(filled)
    for term in touched:
        affected.update(now.members.get(term, ()))
    return affected


def update_related(previous: PreviousIndex, changed: AbstractSet[str], articles: Mapping[str, Article],
                   now: Memberships, weights: Mapping[str, int], count: int,
                   compute: Callable[[Iterable[str]], tuple[RelatedMap, frozenset[str]]],
                   ) -> tuple[RelatedMap, frozenset[str]]:
    """The related map after an edit, from the `previous` one: equal to computing it all again.
    `changed`: the articles whose slug, date or terms differ (added and deleted ones too);
    `articles` by slug.

    When one article `c` changed, an article that shares a term with it but did not list it keeps
    its list unless `c` now outranks its last entry — then `c` takes that place. Only articles that
    listed `c`, were filled up by nearness, or are `c` are worked out in full. More changes at
    once: every article they can affect is worked out in full (see affected_by).
    """
    merged = {slug: others for slug, others in previous.related.items() if slug in articles}
    if not changed:
        return tuple(sorted(merged.items())), previous.filled
    if len(changed) == 1 and next(iter(changed)) in articles:
        (edited,) = changed
        full = ({edited} | previous.filled | {slug for slug, others in merged.items() if edited in others}) & articles.keys()
        sharing: dict[str, list[str]] = defaultdict(list)  # article → the edited article's terms it carries
        for term in now.of.get(edited, ()):
            for slug in now.members[term]:
                if slug not in full:
                    sharing[slug].append(term)
        weight = {term: _weight(term, weights) for term in now.members}.__getitem__
        for slug, shared in sharing.items():
            listed = merged.get(slug, ())
            if len(listed) < count:  # it had room: the new candidate joins, in its place
                full.add(slug)
                continue
            # The edited article outranks the last listed one if it scores more, or as much and is
            # nearer in time (then by slug). Most score less: their dates are not even looked at.
            last = listed[-1]
            terms = set(now.of[slug])
            mine, theirs = sum(map(weight, shared)), sum(map(weight, terms.intersection(now.of.get(last, ()))))
            if mine < theirs:
                continue
            date = articles[slug].date

            def rank(other: str, score: int | None = None) -> tuple[int, float, str]:
                if score is None:
                    score = sum(map(weight, terms.intersection(now.of.get(other, ()))))
                return -score, abs((articles[other].date - date).total_seconds()), other

            edited_rank = rank(edited, mine)
            if edited_rank < rank(last, theirs):
                keys = {other: rank(other) for other in listed[:-1]}
                keys[edited] = edited_rank
                merged[slug] = tuple(sorted(keys, key=keys.__getitem__))
        affected = full
    else:
        affected = affected_by(changed, previous.taxonomies, now, previous.filled) & articles.keys()
    fresh, fresh_filled = compute(sorted(affected))
    merged.update(fresh)
    return tuple(sorted(merged.items())), frozenset((previous.filled - affected) | fresh_filled) & articles.keys()


def canonicalise_terms(articles: Iterable[Article], config: SiteConfig,
                       term_data: Mapping[str, tuple[TermInfo, ...]]) -> list[Article]:
    """Rewrite each article's term names through the data files' aliases."""
    articles = list(articles)
    maps = {t.key: canonical_names(term_data.get(t.key, ())) for t in config.taxonomies}
    if not any(maps.values()):  # no data files: every name is its own
        return articles
    # Each name as written, once (a few hundred names on 10,000 articles): most are no alias, and
    # then no article is looked at again. (A set per taxonomy, updated with each article's names in
    # one call: a set of (taxonomy, name) pairs made 45,000 tuples.)
    written: dict[str, set[str]] = {}
    for article in articles:
        for key, names in article.terms:
            seen = written.get(key)
            if seen is None:
                seen = written[key] = set()
            seen.update(names)
    canonical = {(key, name): found for key, names in written.items() for name in names
                 if (found := maps[key].get(slug_for_term(name), name)) != name}
    if not canonical:
        return articles
    renamed = {name for _, name in canonical}
    result = []
    for article in articles:
        if all(renamed.isdisjoint(names) for _, names in article.terms) \
                or not any((key, name) in canonical for key, names in article.terms for name in names):
            result.append(article)  # (the second test: a name renamed in another taxonomy only)
            continue
        terms = tuple((key, tuple(dict.fromkeys(canonical.get((key, n), n) for n in names)))
                      for key, names in article.terms)
        result.append(article._replace(terms=terms).sealed())
    return result


def build_time(ordered: tuple[Article, ...]) -> datetime:
    """SOURCE_DATE_EPOCH when set, else the newest article's date (articles newest first, see
    newest_first): never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    if ordered:
        return ordered[0].date
    return datetime(1970, 1, 1, tzinfo=timezone.utc)


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
               bodies: Mapping[str, str], memory: IndexMemory | None = None) -> Site:
    """The whole index step: Articles → Site.

    `memory`, when given, may keep the taxonomies and related articles whole when no slug, date or
    term changed (a body or title edit), and otherwise hand back the last build's index, so that only
    the terms of the articles whose slug, date or terms changed are made again (see build_taxonomy),
    and related articles only for the articles such an edit can reach (see update_related: the
    costliest part of indexing).
    """
    ordered = newest_first(canonicalise_terms(articles, config, term_data))
    by_slug = {a.slug: a for a in ordered}
    head = hashlib.sha256(index_head(config, term_data).encode("utf-8")).hexdigest()
    digests = {a.slug: a.index_digest for a in ordered}

    months = build_months(ordered)

    def compute(previous: PreviousIndex | None = None) -> Computed:
        if previous is not None and previous.head != head:  # made from other settings or data files
            previous = None
        changed: set[str] = set()
        if previous is not None:  # added or changed, and deleted
            before_digests = previous.digests
            changed = {slug for slug, digest in digests.items() if before_digests.get(slug) != digest}
            changed.update(before_digests.keys() - digests.keys())
        before = {t.key: t for t in previous.taxonomies} if previous is not None else {}
        taxonomies = tuple(build_taxonomy(t.key, ordered, term_data.get(t.key, ()), before.get(t.key), changed)
                           for t in config.taxonomies)
        weights = {t.key: t.related_weight for t in config.taxonomies}
        terms = memberships(taxonomies)

        def ranked(only: Iterable[str] | None) -> tuple[RelatedMap, frozenset[str]]:
            return related_articles(by_slug, terms, weights, config.related_count, only)

        if previous is None:
            return taxonomies, *ranked(None), None
        related, filled = update_related(previous, changed, by_slug, terms, weights, config.related_count, ranked)
        return taxonomies, related, filled, index_changes(previous, digests, months, taxonomies, related)

    key = index_key(ordered, config, term_data)
    taxonomies, related_map, changes = memory(key, head, digests, month_runs(months), compute) if memory \
        else (*compute()[:2], None)
    return Site(
        articles=ordered,
        taxonomies=taxonomies,
        months=months,
        related=related_map,
        build_time=build_time(ordered),
        bodies=bodies,
        by_slug=by_slug,
        index_key=key,
        changes=changes,
    )


def month_runs(months: Iterable[Month]) -> MonthRuns:
    """(year, month, number of articles) of each month: with the articles' order, what months are."""
    return tuple((m.year, m.month, len(m.articles)) for m in months)


def index_changes(previous: PreviousIndex, digests: Mapping[str, str], months: tuple[Month, ...],
                  taxonomies: tuple[Taxonomy, ...], related: RelatedMap) -> IndexChanges:
    """How this index differs from `previous`. Terms the edit did not reach are the previous index's
    own objects (see build_taxonomy), so most compare by identity."""
    before = {(t.key, term.slug): term for t in previous.taxonomies for term in t.terms}
    now = {(t.key, term.slug): term for t in taxonomies for term in t.terms}
    terms = {name for name, term in now.items() if before.get(name) is not term and before.get(name) != term}
    terms.update(before.keys() - now.keys())
    return IndexChanges(
        since=previous.key,
        # digests are by slug, newest first: the same keys in the same order are the same order
        order=list(previous.digests) != list(digests) or previous.months != month_runs(months),
        terms=frozenset(terms),
        related=frozenset(slug for slug, others in related if previous.related.get(slug) != others),
    )

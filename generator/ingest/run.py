"""The ingest: dumps → split → clean → date → tag → pages in content/. I/O only at the two ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

import yaml

from ..config import SiteConfig, TaxonomyConfig
from ..content import decode
from ..model import InputError, Problem
from ..termdata import load_term_data
from ..timing import without_cyclic_gc
from .clean import body_markdown, classify
from .dates import DateEstimate, estimate_dates
from .dump import Dump, Evidence, parse_dump
from .feeds import parse_feed, sniff
from .fetch import FeedFetcher, is_url
from .entities import Gazetteer, tag_entities
from .pages import Draft, IngestedArticle, page_text, unique_slugs
from .store import StoreReport, store_pages
from .topics import (TopicMatcher, TopicRule, choose_topics, drop_singletons, hint_scores, load_topic_rules,
                     topic_scores)

MAX_DUMP_BYTES = 50 * 1024 * 1024


@dataclass
class IngestReport:
    """What an ingest read and wrote, for the CLI to print."""

    articles: int = 0
    dumps: list[tuple[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    store: StoreReport = field(default_factory=StoreReport)
    evidence: list[Evidence] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Taggers:
    """Everything tagging needs from data/: topic rules and a gazetteer per entity taxonomy."""

    topic_rules: tuple[TopicRule, ...]
    gazetteers: dict[str, Gazetteer]


def load_taggers(config: SiteConfig) -> Taggers:
    root = config.config_path.parent
    infos = {t.key: load_term_data(config.data_dir, t.key, root) for t in config.taxonomies if t.key != "topics"}
    # A name another taxonomy knows (a place, say) is not a company the text introduces.
    excluded = _excluded_names(config.data_dir) | {form for entries in infos.values() for info in entries
                                                   for form in (info.name, *info.aliases)}
    gazetteers = {key: Gazetteer.of(entries, excluded) for key, entries in infos.items()}
    return Taggers(load_topic_rules(config.data_dir), gazetteers)


def _excluded_names(data_dir: Path) -> frozenset[str]:
    file = data_dir / "not_companies.yaml"
    if not file.exists():
        return frozenset()
    names = yaml.safe_load(file.read_text(encoding="utf-8")) or []
    return frozenset(str(n) for n in names)


def _tag(draft: Draft, taxonomies: Sequence[TaxonomyConfig],
         taggers: Taggers) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    terms: dict[str, tuple[str, ...]] = {}
    mentions: tuple[str, ...] = ()
    for taxonomy in taxonomies:
        if taxonomy.key == "topics":
            continue
        about, mentioned = tag_entities(draft.title, draft.lead, draft.lines, taggers.gazetteers[taxonomy.key],
                                        taxonomy.discover, taxonomy.max_per_article)
        terms[taxonomy.key] = about
        if taxonomy.discover:
            mentions = mentioned
    return terms, mentions


def drafts_from_dump(dump: Dump) -> list[Draft]:
    """A parsed dump's articles as drafts: the body cleaned into Markdown, the byline lifted out."""
    drafts = []
    for article in dump.articles:
        clean = classify(list(article.body))
        drafts.append(Draft(title=article.title.text, body=body_markdown(clean),
                            lines=tuple(b.text for b in article.body), lead=clean.lead, source=dump.tag,
                            position=article.position, author=clean.author, author_role=clean.author_role))
    return drafts


def identity(draft: Draft) -> str:
    """Two drafts with one identity are one article: the same canonical link, else title and lead."""
    if draft.source_url:
        return draft.source_url
    return " ".join(draft.title.casefold().split()) + "|" + " ".join(draft.lead.casefold().split())[:120]


def ingest_articles(sources: Sequence[list[Draft]], config: SiteConfig, taggers: Taggers,
                    newest: date | None, oldest: date | None) -> tuple[list[IngestedArticle], list[str]]:
    """Drafts grouped by source (in source order) → dated, tagged articles with slugs. Pure."""
    dated: list[tuple[Draft, DateEstimate]] = []
    for drafts in sources:
        estimates = estimate_dates([[d.title, *d.lines] for d in drafts], newest, oldest,
                                   [d.published for d in drafts])
        dated += zip(drafts, estimates)
    unique: dict[str, tuple[Draft, DateEstimate]] = {}
    notes = []
    for draft, when in dated:
        key = identity(draft)
        if key in unique:
            notes.append(f"`{draft.title}` ({draft.source}) is the same article as `{unique[key][0].title}` "
                         f"({unique[key][0].source}); kept once")
            continue
        unique[key] = (draft, when)
    kept = list(unique.values())
    slugs, slug_notes = unique_slugs(draft.title for draft, _ in kept)
    matcher = TopicMatcher.of(taggers.topic_rules)
    scores = [topic_scores(d.title, d.lines, matcher) + hint_scores(d.categories, taggers.topic_rules)
              for d, _ in kept]
    topics = drop_singletons([choose_topics(s) for s in scores], taggers.topic_rules, scores)
    result = []
    for (draft, when), slug, topic_names in zip(kept, slugs, topics):
        terms, mentions = _tag(draft, config.taxonomies, taggers)
        terms["topics"] = topic_names
        result.append(IngestedArticle(
            draft=draft, slug=slug, date=when.date, date_source=when.source,
            terms=tuple((t.key, terms.get(t.key, ())) for t in config.taxonomies), mentions=mentions))
    return result, notes + slug_notes


def read_source(source: str, fetcher: FeedFetcher | None) -> tuple[str, list[Draft], list[Evidence]]:
    """A dump file, feed file or feed URL → (name, drafts, splitter evidence); InputError if unusable."""
    if is_url(source):
        assert fetcher is not None
        fetched = fetcher.fetch(source)
        if fetched.status == "failed":
            raise InputError((Problem(source, 1, f"{fetched.error}; the other sources were still ingested"),))
        if fetched.status == "not-modified":
            return source, [], []
        return (source, *_parse(fetched.data, source))
    path = Path(source)
    if not path.is_file():
        raise InputError((Problem(source, 1, "no such file; give the path of a dump or a feed, or a feed URL"),))
    size = path.stat().st_size
    if size > MAX_DUMP_BYTES:
        raise InputError((Problem(source, 1, f"{size:,} bytes is over the {MAX_DUMP_BYTES:,}-byte limit for "
                                             f"one source; split it into smaller files"),))
    data = path.read_bytes()
    return (source, *_parse(data, source))


def _parse(data: bytes, name: str) -> tuple[list[Draft], list[Evidence]]:
    if sniff(data) != "dump":
        return parse_feed(data, name)[1], []
    if b"\x00" in data[:8192]:
        raise InputError((Problem(name, 1, "this is a binary file, not a text dump or a feed"),))
    dump, evidence = parse_dump(decode(data, name), name)
    if not dump.articles:
        raise InputError((Problem(name, 1, "no articles found: a dump is a headline line followed by its "
                                           "paragraphs, article after article"),))
    return drafts_from_dump(dump), evidence


@without_cyclic_gc()
def ingest(sources: Sequence[str], config: SiteConfig, force: bool = False, newest: date | None = None,
           oldest: date | None = None, write: bool = True) -> IngestReport:
    """Read every source, ingest those that could be read, write, and then report the ones that failed."""
    fetcher = FeedFetcher(config.cache_path("feeds.json")) if any(
        is_url(s) for s in sources) else None
    groups, problems, report = [], [], IngestReport()
    for source in sources:
        try:
            name, drafts, evidence = read_source(source, fetcher)
        except InputError as err:
            problems.extend(err.problems)
            continue
        groups.append(drafts)
        report.dumps.append((name, len(drafts)))
        report.evidence += evidence
    local_failures = [p for p in problems if not is_url(p.path)]
    if local_failures:  # a bad file is the user's to fix before anything is written
        raise InputError(tuple(problems))
    articles, notes = ingest_articles(groups, config, load_taggers(config), newest, oldest)
    report.articles, report.notes = len(articles), notes
    if write:
        report.store = store_pages(config.content_dir, {f"{a.slug}.md": page_text(a) for a in articles}, force)
        if fetcher is not None:
            fetcher.save()  # only once the pages are safely written, or a 304 could hide them next time
    report.failures = problems
    return report

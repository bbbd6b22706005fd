"""The ingest: dumps → split → clean → date → tag → pages in content/. I/O only at the two ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

import yaml

from ..config import SiteConfig, TaxonomyConfig
from ..content import decode
from ..markup import trim_to_sentence
from ..model import InputError, Problem
from ..termdata import load_term_data
from .clean import CleanArticle, classify
from .dates import estimate_dates
from .dump import Dump, Evidence, parse_dump
from .entities import Gazetteer, tag_entities
from .pages import IngestedArticle, page_text, unique_slugs
from .store import StoreReport, store_pages
from .topics import TopicMatcher, TopicRule, choose_topics, drop_singletons, load_topic_rules, topic_scores

MAX_DUMP_BYTES = 50 * 1024 * 1024


@dataclass
class IngestReport:
    """What an ingest read and wrote, for the CLI to print."""

    articles: int = 0
    dumps: list[tuple[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    store: StoreReport = field(default_factory=StoreReport)
    evidence: list[Evidence] = field(default_factory=list)


def read_dump(path: Path) -> Dump:
    """A dump file → Dump; unreadable, binary or article-less files are errors at their line."""
    name = str(path)
    if not path.is_file():
        raise InputError((Problem(name, 1, "no such file; give the path of a text dump or feed"),))
    data = path.read_bytes()
    if len(data) > MAX_DUMP_BYTES:
        raise InputError((Problem(name, 1, f"{len(data):,} bytes is over the {MAX_DUMP_BYTES:,}-byte limit for "
                                           f"one dump; split it into smaller files"),))
    if b"\x00" in data[:8192]:
        raise InputError((Problem(name, 1, "this is a binary file, not a text dump"),))
    dump, _ = parse_dump(decode(data, name), name)
    if not dump.articles:
        raise InputError((Problem(name, 1, "no articles found: a dump is a headline line followed by its "
                                           "paragraphs, article after article"),))
    return dump


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


def _tag(clean: CleanArticle, title: str, body: list[str], taxonomies: Sequence[TaxonomyConfig],
         taggers: Taggers) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    terms: dict[str, tuple[str, ...]] = {}
    mentions: tuple[str, ...] = ()
    for taxonomy in taxonomies:
        if taxonomy.key == "topics":
            continue
        about, mentioned = tag_entities(title, clean.lead, body, taggers.gazetteers[taxonomy.key],
                                        taxonomy.discover, taxonomy.max_per_article)
        terms[taxonomy.key] = about
        if taxonomy.discover:
            mentions = mentioned
    return terms, mentions


def ingest_articles(dumps: Sequence[Dump], config: SiteConfig, taggers: Taggers,
                    newest: date | None, oldest: date | None) -> tuple[list[IngestedArticle], list[str]]:
    """Parsed dumps → articles with dates, tags and slugs. Pure."""
    raw = [(dump, article) for dump in dumps for article in dump.articles]
    cleaned = [classify(list(article.body)) for _, article in raw]
    dated = []
    for dump in dumps:
        dated += estimate_dates([[a.title.text, *(b.text for b in a.body)] for a in dump.articles], newest, oldest)
    slugs, notes = unique_slugs(article.title.text for _, article in raw)
    matcher = TopicMatcher.of(taggers.topic_rules)
    scores = [topic_scores(a.title.text, [b.text for b in a.body], matcher) for _, a in raw]
    topics = drop_singletons([choose_topics(s) for s in scores], taggers.topic_rules, scores)
    result = []
    for (dump, article), clean, when, slug, topic_names in zip(raw, cleaned, dated, slugs, topics):
        body = [b.text for b in article.body]
        terms, mentions = _tag(clean, article.title.text, body, config.taxonomies, taggers)
        terms["topics"] = topic_names
        result.append(IngestedArticle(
            title=article.title.text, slug=slug, date=when.date, date_source=when.source, clean=clean,
            terms=tuple((t.key, terms.get(t.key, ())) for t in config.taxonomies), mentions=mentions,
            source=dump.tag, source_position=article.position, summary=trim_to_sentence(clean.lead)))
    return result, notes


def ingest(paths: Sequence[Path], config: SiteConfig, force: bool = False, newest: date | None = None,
           oldest: date | None = None, write: bool = True) -> IngestReport:
    """Read every dump first (so one bad file stops the run before anything is written), then write."""
    dumps, problems, evidence = [], [], []
    for path in paths:
        try:
            dump = read_dump(path)
        except InputError as err:
            problems.extend(err.problems)
            continue
        dumps.append(dump)
        evidence += parse_dump(path.read_text(encoding="utf-8", errors="replace"), str(path))[1]
    if problems:
        raise InputError(tuple(problems))
    articles, notes = ingest_articles(dumps, config, load_taggers(config), newest, oldest)
    report = IngestReport(articles=len(articles), dumps=[(d.path, len(d.articles)) for d in dumps], notes=notes,
                          evidence=evidence)
    if write:
        report.store = store_pages(config.content_dir, {f"{a.slug}.md": page_text(a) for a in articles}, force)
    return report

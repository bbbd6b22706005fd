"""Ingested articles → page text (YAML front matter + Markdown), with unique, stable slugs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

import yaml

from ..markup import trim_to_sentence
from ..slugs import slugify_title


@dataclass(frozen=True, slots=True)
class Draft:
    """One article as a source gave it (a dump or a feed), before dating and tagging."""

    title: str
    body: str  # Markdown
    lines: tuple[str, ...]  # the body as plain-text paragraphs, for dating and tagging
    lead: str
    source: str
    position: int  # 1 = the source's first (newest) article
    author: str = ""
    author_role: str = ""
    published: date | None = None  # the feed's own date, when it has one
    source_url: str = ""
    categories: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True, slots=True)
class IngestedArticle:
    """Everything ingest learned about one article, ready to be written as a page."""

    draft: Draft
    slug: str
    date: date
    date_source: str
    terms: tuple[tuple[str, tuple[str, ...]], ...]  # taxonomy key → names, in site.yaml order
    mentions: tuple[str, ...]

    @property
    def title(self) -> str:
        return self.draft.title


def unique_slugs(titles: Iterable[str]) -> tuple[list[str], list[str]]:
    """Titles in dump order → slugs, a repeat getting `-2`, `-3`…; and a note for each repeat."""
    slugs: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for title in titles:
        base = slugify_title(title) or "article"
        slug, n = base, 1
        while slug in seen:
            n += 1
            slug = f"{base}-{n}"
        if slug != base:
            notes.append(f"two articles make the slug `{base}`; `{title}` is `{slug}`")
        seen.add(slug)
        slugs.append(slug)
    return slugs, notes


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block lists stay inline (`topics: [a, b]`) the way editors write them by hand. libyaml's
    emitter where PyYAML has it (the pure-Python one was a quarter of an ingest's time)."""


def _inline_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(list, _inline_list)


def page_text(article: IngestedArticle) -> str:
    """The full page: front matter in a fixed field order, then the body."""
    draft = article.draft
    fields: dict[str, object] = {
        "title": draft.title,
        "slug": article.slug,
        "date": article.date,
        "date_source": article.date_source,
        "summary": draft.summary or trim_to_sentence(draft.lead),
    }
    if draft.author:
        fields["author"] = draft.author
    if draft.author_role:
        fields["author_role"] = draft.author_role
    for key, names in article.terms:
        fields[key] = list(names)
    if article.mentions:
        fields["mentions"] = list(article.mentions)
    if draft.source_url:
        fields["source_url"] = draft.source_url
    fields["source"] = draft.source
    fields["source_position"] = draft.position
    front = yaml.dump(fields, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100_000)
    return f"---\n{front}---\n{draft.body}"

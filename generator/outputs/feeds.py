"""Articles → Atom 1.0 feeds (RFC 4287) with absolute URLs; `updated` is the newest entry's."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Iterable, Mapping

from .. import urls
from ..config import SiteConfig
from ..cache import PageMemo
from ..model import Article, Site

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(title: str, page_path: str, feed_path: str, articles: Iterable[Article], config: SiteConfig,
              updated: datetime, bodies: Mapping[str, str]) -> bytes:
    """One feed: its page, its own URL (rel=self) and the newest `feed_size` entries."""
    entries = list(articles)[: config.feed_size]
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": config.language})
    ET.SubElement(feed, "title").text = title
    ET.SubElement(feed, "subtitle").text = config.description
    ET.SubElement(feed, "id").text = config.base_url + page_path
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": config.base_url + page_path})
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml",
                                 "href": config.base_url + feed_path})
    ET.SubElement(feed, "updated").text = _stamp(max((a.date for a in entries), default=updated))
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = config.title
    ET.SubElement(feed, "generator").text = "digest"
    for article in entries:
        feed.append(_entry(article, config, bodies[article.body_digest]))
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


def _entry(article: Article, config: SiteConfig, body_html: str) -> ET.Element:
    link = config.base_url + urls.article_path(article.slug)
    entry = ET.Element("entry")
    ET.SubElement(entry, "title").text = article.title
    ET.SubElement(entry, "id").text = link
    ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": link})
    ET.SubElement(entry, "published").text = _stamp(article.date)
    ET.SubElement(entry, "updated").text = _stamp(article.date)
    if article.author:
        ET.SubElement(ET.SubElement(entry, "author"), "name").text = article.author
    for key, names in article.terms:
        for name in names:
            ET.SubElement(entry, "category", {"term": name, "scheme": config.base_url + urls.taxonomy_path(key)})
    ET.SubElement(entry, "summary").text = article.summary
    ET.SubElement(entry, "content", {"type": "html"}).text = body_html
    return entry


def render_feeds(site: Site, config: SiteConfig, memo: PageMemo | None = None) -> dict[str, bytes | None]:
    """The site feed and one per term of every taxonomy that has feeds on (None: unchanged on disk)."""
    by_slug = site.by_slug
    # Each with whether changes to the index may have moved which articles it lists (see
    # PageMemo._same_shape).
    wanted = [("feed.xml", config.title, "", tuple(a.slug for a in site.articles), lambda c: c.order)]
    for taxonomy, tax_config in zip(site.taxonomies, config.taxonomies):
        if tax_config.feeds:
            wanted += [(urls.term_path(t.taxonomy, t.slug) + "feed.xml", f"{t.name} — {config.title}",
                        urls.term_path(t.taxonomy, t.slug), t.articles,
                        lambda c, name=(t.taxonomy, t.slug): name in c.terms) for t in taxonomy.terms]
    files: dict[str, bytes | None] = {}
    for path, title, page, slugs, moved in wanted:
        entries = [by_slug[s] for s in slugs[: config.feed_size]]

        def render() -> bytes:
            return atom_feed(title, page, path, entries, config, site.build_time, site.bodies)

        if memo is None:
            files[path] = render()
        elif memo.keep_unchanged(path, slugs[: config.feed_size], memo.changed,
                                 lambda s=slugs: " ".join(s[: config.feed_size]), moved):
            files[path] = None  # its title and entries are what they were: no key needed
        else:
            files[path] = memo.produce(path, (title, page, tuple(a.digest for a in entries)), render)
    return files

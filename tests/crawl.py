"""A small crawler for built sites: every link, asset and fragment of every page, checked over HTTP."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit


class PageParser(HTMLParser):
    """Collects the URLs a page points at and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for name in ("href", "src"):
            if values.get(name) and not (tag == "link" and values.get("rel") in ("canonical", "alternate")):
                self.links.append(values[name] or "")


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get_content_type()


@dataclass
class CrawlResult:
    pages: set[str] = field(default_factory=set)
    broken: list[tuple[str, str, int]] = field(default_factory=list)
    escaped: list[tuple[str, str]] = field(default_factory=list)
    missing_fragments: list[tuple[str, str]] = field(default_factory=list)


def crawl(start: str) -> CrawlResult:
    """Follow every same-host link from `start`; report broken ones and links leaving the prefix."""
    prefix = urlsplit(start).path
    host = urlsplit(start).netloc
    result = CrawlResult()
    ids: dict[str, set[str]] = {}
    queue = [start]
    checked: dict[str, int] = {}
    fragments: list[tuple[str, str]] = []
    while queue:
        url = queue.pop()
        if url in result.pages:
            continue
        result.pages.add(url)
        status, body, kind = fetch(url)
        checked[url] = status
        if kind != "text/html":
            continue
        parser = PageParser()
        parser.feed(body.decode("utf-8"))
        ids[url] = parser.ids
        for raw in parser.links:
            target, fragment = urldefrag(urljoin(url, raw))
            parts = urlsplit(target)
            if parts.netloc != host or parts.scheme not in ("http", "https"):
                continue
            if not parts.path.startswith(prefix):
                result.escaped.append((url, raw))
                continue
            if fragment:
                fragments.append((target, fragment))
            if target not in checked:
                status = fetch(target)[0]
                checked[target] = status
                if status != 200:
                    result.broken.append((url, raw, status))
                elif target.endswith("/") or target.endswith(".html"):
                    queue.append(target)
    for target, fragment in fragments:
        if target in ids and fragment not in ids[target]:
            result.missing_fragments.append((target, fragment))
    return result

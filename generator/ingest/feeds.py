"""RSS 0.9x/1.0/2.0, Atom and JSON Feed documents → Drafts, with their HTML made safe Markdown.

XML feeds are parsed by feedparser, JSON Feed by its spec (https://jsonfeed.org/version/1.1). Item HTML
is sanitised by nh3 first — no script, style, iframe, object, event handler or javascript:/data: URL
survives — and only then converted to Markdown by markdownify.
"""

from __future__ import annotations

import calendar
import html
import json
import re
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import nh3
from markdownify import markdownify

from ..markup import plain_text, trim_to_sentence
from ..model import InputError, Problem
from .pages import Draft

_SAFE_TAGS = {"a", "b", "blockquote", "br", "code", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
              "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong", "ul", "table", "thead", "tbody", "tr",
              "th", "td"}
_SAFE_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
_URL_ATTR_RE = re.compile(r'\b(href|src)="([^"]+)"')
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|igshid|_hsenc|_hsmi|ref_src|cmpid)$", re.I)


def sniff(data: bytes) -> str:
    """What a source is, from its bytes, not its name: `json`, `xml` (a feed) or `dump` (plain text)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{") and b"jsonfeed.org" in data[:4096]:
        return "json"
    if head.startswith(b"<") and re.search(rb"<(rss|feed|rdf:rdf)[\s>]", data[:4096].lower()):
        return "xml"
    return "dump"


def canonical_url(url: str) -> str:
    """A link without tracking parameters or fragment: `?utm_source=x&id=3#top` → `?id=3`."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def safe_markdown(fragment: str, base_url: str = "") -> str:
    """Untrusted HTML → sanitised → Markdown keeping paragraphs, lists, links, emphasis, headings, images.

    Relative links and images are made absolute against the item's own link: on our site they would
    point nowhere.
    """
    cleaned = nh3.clean(fragment, tags=_SAFE_TAGS, attributes=_SAFE_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                        link_rel=None)
    if base_url:
        cleaned = _URL_ATTR_RE.sub(lambda m: f'{m.group(1)}="{html.escape(urljoin(base_url, html.unescape(m.group(2))))}"',
                                   cleaned)
    text = markdownify(cleaned, heading_style="ATX", bullets="-", escape_underscores=True, escape_asterisks=True)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _paragraphs(markdown_text: str) -> tuple[str, ...]:
    return tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", plain_markdown(markdown_text)) if p.strip())


def plain_markdown(markdown_text: str) -> str:
    """Markdown → readable plain text, paragraph breaks kept (for dating, tagging and the lead)."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^\s{0,3}(#+|[-*+]|\d+\.)\s+", "", text, flags=re.M)
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text.replace("**", "").replace("__", ""))


def _draft(title: str, content_html: str, summary_html: str, source: str, position: int, link: str,
           published: date | None, author: str, categories: tuple[str, ...]) -> Draft:
    body = safe_markdown(content_html or summary_html or "", link)
    lines = _paragraphs(body)
    summary = trim_to_sentence(plain_text(summary_html)) if summary_html else ""
    lead = lines[0] if lines else summary
    return Draft(title=title, body=body, lines=lines, lead=lead, source=source, position=position,
                 author=author, published=published, source_url=canonical_url(link) if link else "",
                 categories=categories, summary=summary or trim_to_sentence(lead))


def _title(raw: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", raw or "")).split())


def parse_xml_feed(data: bytes, name: str) -> tuple[str, list[Draft]]:
    """RSS or Atom bytes → (feed title, drafts in the feed's order)."""
    parsed = feedparser.parse(data)
    if not parsed.entries and parsed.bozo:
        raise InputError((Problem(name, int(getattr(parsed.bozo_exception, "getLineNumber", lambda: 1)() or 1),
                                  f"not a readable feed: {parsed.bozo_exception}"),))
    source = _title(parsed.feed.get("title", "")) or name
    drafts = []
    for position, entry in enumerate(parsed.entries, start=1):
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), tz=timezone.utc).date() if stamp else None
        content = entry.get("content") or []
        content_html = max((c.get("value", "") for c in content), key=len, default="")
        tags = tuple(t.get("term", "") for t in entry.get("tags", []) if t.get("term"))
        drafts.append(_draft(_title(entry.get("title", "")), content_html, entry.get("summary", ""), source,
                             position, entry.get("link", ""), published, entry.get("author", ""), tags))
    return source, [d for d in drafts if d.title]


def _json_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc).date()
    except ValueError:
        return None


def parse_json_feed(data: bytes, name: str) -> tuple[str, list[Draft]]:
    """JSON Feed 1.0/1.1 bytes → (feed title, drafts in the feed's order)."""
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        line = getattr(err, "lineno", 1)
        raise InputError((Problem(name, line, f"not a readable JSON Feed: {err}"),)) from None
    if not isinstance(feed, dict) or not isinstance(feed.get("items"), list):
        raise InputError((Problem(name, 1, "a JSON Feed needs an `items` list"),))
    source = _title(str(feed.get("title", ""))) or name
    drafts = []
    for position, item in enumerate(feed["items"], start=1):
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        author = ", ".join(str(a.get("name", "")) for a in authors if isinstance(a, dict) and a.get("name"))
        content_html = item.get("content_html") or html.escape(str(item.get("content_text", ""))).replace(
            "\n\n", "</p><p>")
        drafts.append(_draft(_title(str(item.get("title", ""))), str(content_html), str(item.get("summary", "")),
                             source, position, str(item.get("url", "") or item.get("external_url", "")),
                             _json_date(item.get("date_published") or item.get("date_modified")), author,
                             tuple(str(t) for t in item.get("tags", []) if isinstance(t, str))))
    return source, [d for d in drafts if d.title]


def parse_feed(data: bytes, name: str) -> tuple[str, list[Draft]]:
    """Any supported feed → (feed title, drafts); the format comes from the content."""
    kind = sniff(data)
    if kind == "json":
        return parse_json_feed(data, name)
    if kind == "xml":
        return parse_xml_feed(data, name)
    raise InputError((Problem(name, 1, "not a feed: expected RSS, Atom or JSON Feed"),))

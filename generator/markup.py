"""Markdown body → safe HTML, and HTML → plain text for summaries and search."""

from __future__ import annotations

import html
import re
import sys
from contextlib import contextmanager
from functools import lru_cache

from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import markdown

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "figcaption",
    "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q",
    "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align"},
    "th": {"align"},
}
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")


@contextmanager
def _pygments_hidden() -> Iterator[None]:
    """Imports made meanwhile find no Pygments, unless it is loaded already. Python-Markdown's fenced
    code imports its code highlighter, which imports Pygments when it is installed, whose plugin scan
    imports importlib.metadata: 45-60 ms of an edit rebuild that parses one page, for highlighting we
    never ask for (the highlighter is not enabled, and it works without Pygments if it were)."""
    if "pygments" in sys.modules:
        yield
        return
    sys.modules["pygments"] = None  # type: ignore[assignment]  # None: `import pygments` raises ImportError
    try:
        yield
    finally:
        del sys.modules["pygments"]


@lru_cache(maxsize=2)
def _converter(allow_raw_html: bool) -> "markdown.Markdown":
    # Imported here: a build that parses no page (all cached) should not pay for loading Markdown.
    import markdown
    from markdown.extensions.attr_list import AttrListExtension
    with _pygments_hidden():
        from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension

    # Instances, not names: a name makes Markdown scan every installed package's entry points (and
    # import importlib.metadata), 0.03-0.05 s of an edit rebuild that parses one page.
    md = markdown.Markdown(extensions=[AttrListExtension(), FencedCodeExtension(), TableExtension(),
                                       SaneListExtension(), TocExtension(permalink=False)])
    if not allow_raw_html:
        # Without these two, `<script>` in a page is passed through; with them it is shown as text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
    return md


def warm_up(allow_raw_html: bool) -> None:
    """Load Python-Markdown and nh3 and make the converter now (≈30 ms), not at the first page parsed:
    for a build with time to spare before it knows which pages to parse (see build._build)."""
    import nh3  # noqa: F401

    _converter(allow_raw_html)


MAX_NESTING = 50
_QUOTES_RE = re.compile(r"^[ \t]*((?:>[ \t]?)+)")


def too_deep(text: str) -> int:
    """The first line (1-based) nested deeper than MAX_NESTING lists or quotes, or 0.

    Python-Markdown recurses once per level: a thousand levels take half a minute and then overflow
    the stack, so such text is refused before it is rendered.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        indent = len(line) - len(line.lstrip(" \t")) + 3 * line[: len(line) - len(line.lstrip(" \t"))].count("\t")
        quotes = _QUOTES_RE.match(line)
        if indent // 4 > MAX_NESTING or (quotes and quotes.group(1).count(">") > MAX_NESTING):
            return number
    return 0


def render_markdown(text: str, allow_raw_html: bool = False) -> str:
    """Markdown → HTML with no script, handler or unsafe URL, whatever the text held."""
    import nh3  # here, like markdown: see _converter

    md = _converter(allow_raw_html)
    md.reset()
    rendered = md.convert(text)
    # h1 belongs to the page title; body headings start at h2, and nh3 drops what is not listed.
    return nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    )


def plain_text(fragment: str) -> str:
    """HTML fragment → one line of text, entities decoded."""
    return _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", fragment))).strip()


def first_paragraph_text(fragment: str) -> str:
    """The text of the first <p> of an HTML fragment, or '' when it has none."""
    match = re.search(r"<p>(.*?)</p>", fragment, re.S)
    return plain_text(match.group(1)) if match else ""


def trim_to_sentence(text: str, limit: int = 280) -> str:
    """Cut text at the last sentence end before `limit` characters; at a word, with '…', if none."""
    if len(text) <= limit:
        return text
    window = text[:limit]
    ends = [m.end() for m in re.finditer(r"[.!?][”\"’)]?(?=\s)", window)]
    if ends and ends[-1] > limit // 3:
        return window[:ends[-1]].strip()
    return window.rsplit(" ", 1)[0].rstrip(",;:") + "…"

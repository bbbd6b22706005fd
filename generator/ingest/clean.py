"""An article's raw blocks → structured Markdown: paragraphs, subheadings, lists, tweets, captions, notes.

Every block of the dump lands in the body exactly once and in order (or, for a byline, in the front
matter); text is escaped so that Markdown and HTML characters in it show as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dump import Block, is_byline_at
from .text import EMBED_RE, capitalised_start, ends_sentence, near_duplicate

_CREDIT_RE = re.compile(r"^(image|photo|photograph|picture|video|graphic)( credits?)?\s*:", re.I)
_INLINE_CREDIT_RE = re.compile(r"\s/\s(image|photo)( credits?)?\s*:", re.I)
_CAPTION_START_RE = re.compile(r"^(screenshot|photo|image|picture|illustration|graphic|chart|graph|a view|"
                               r"pictured)\b", re.I)
_ATTRIBUTION_RE = re.compile(r"^[—–-]\s*.+\(@\w+\)\s*\w+\.? \d{1,2}, \d{4}$")
_TWEETISH_RE = re.compile(r"pic\.twitter\.com|https?://|(^|\s)[@#]\w")
_NOTE_RE = re.compile(r"^(this is (a |an )?(breaking|developing|updating)|(this|the) (article|story|post) "
                      r"(is|was|has been) updated|updated?\s*[:(]|editor['’]s note|correction\s*:|"
                      r"disclosure\s*:)", re.I)
_BULLET_RE = re.compile(r"^[•●▪◦·‣]\s*")
_NUMBERED_HEAD_RE = re.compile(r"^\d{1,2}[.)]\s+\S")
MAX_TWEET_CHARS = 300


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of an article body, as a kind (paragraph, heading, …) and its source blocks."""

    kind: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """An article body split into parts, with its byline lifted out when it has one."""

    author: str
    author_role: str
    parts: tuple[Part, ...]

    @property
    def lead(self) -> str:
        """The first ordinary paragraph: the summary's source."""
        return next((p.blocks[0].text for p in self.parts if p.kind == "paragraph"), "")


def _byline(blocks: list[Block]) -> tuple[str, str, int]:
    """(author, role, blocks used) when the body opens with `Name` / `Contributor` lines."""
    if is_byline_at(blocks, 0) and len(blocks) > 1 and len(blocks[1].text) <= 40:
        return blocks[0].text, blocks[1].text, 2
    return "", "", 0


def _tweet_start(blocks: list[Block], attribution: int, taken: int) -> int:
    """How far back a tweet runs before its `— Name (@handle) Date` line: short, tweet-like lines."""
    start = attribution
    while start - 1 >= taken and attribution - start < 3:
        text = blocks[start - 1].text
        if len(text) > MAX_TWEET_CHARS:
            break
        if start < attribution and not _TWEETISH_RE.search(text):
            break
        start -= 1
    return start


def _short_kind(blocks: list[Block], index: int) -> str:
    """A short unpunctuated line is a caption (an image's text) or a subheading."""
    text = blocks[index].text
    neighbours = [blocks[i].text for i in (index - 1, index + 1) if 0 <= i < len(blocks)]
    if (_INLINE_CREDIT_RE.search(text) or _CAPTION_START_RE.match(text) or not capitalised_start(text)
            or any(near_duplicate(text, other) for other in neighbours)
            or (index + 1 < len(blocks) and _CREDIT_RE.match(blocks[index + 1].text))):
        return "caption"
    return "heading"


def classify(blocks: list[Block]) -> CleanArticle:
    """Raw body blocks → parts in order."""
    author, role, taken = _byline(blocks)
    attributions = [i for i, b in enumerate(blocks) if _ATTRIBUTION_RE.match(b.text)]
    tweet_of = {}
    for attribution in attributions:
        start = _tweet_start(blocks, attribution, taken)
        for i in range(start, attribution + 1):
            tweet_of.setdefault(i, attribution)
    parts: list[Part] = []
    names = author.split()
    if author and taken < len(blocks) and blocks[taken].text.startswith((author, names[0] + " ", names[-1] + " ")):
        parts.append(Part("bio", (blocks[taken],)))
        taken += 1
    index = taken
    while index < len(blocks):
        if index in tweet_of:
            end = tweet_of[index]
            parts.append(Part("tweet", tuple(blocks[index:end + 1])))
            index = end + 1
            continue
        kind = _kind(blocks, index)
        if kind == "bullet" and parts and parts[-1].kind == "bullet":
            parts[-1] = Part("bullet", parts[-1].blocks + (blocks[index],))
        else:
            parts.append(Part(kind, (blocks[index],)))
        index += 1
    return CleanArticle(author, role, tuple(parts))


def _kind(blocks: list[Block], index: int) -> str:
    text = blocks[index].text
    if _BULLET_RE.match(text):
        return "bullet"
    if _CREDIT_RE.match(text):
        return "credit"
    if EMBED_RE.search(text):
        return "embed"
    if _NOTE_RE.match(text):
        return "note"
    if _NUMBERED_HEAD_RE.match(text) and len(text) <= 100 and not ends_sentence(text):
        return "heading"
    short_question = text.endswith("?") and len(text) <= 60
    if len(text) <= 120 and (short_question or not ends_sentence(text)) and not text.endswith(":"):
        return _short_kind(blocks, index)
    return "paragraph"


# ---------------------------------------------------------------------------------------------------
# Markdown

_INLINE_ESCAPES = str.maketrans({"\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]",
                                 "{": "\\{", "}": "\\}", "<": "&lt;"})
_ENTITY_RE = re.compile(r"&(?=#?\w+;)")
_LINE_START_RE = re.compile(r"^(#|>|[-+*](\s|$)|\d+[.)](\s|$)|=+\s*$|-+\s*$|\|)")


def escape(text: str) -> str:
    """Plain text → Markdown that renders as exactly this text."""
    escaped = _ENTITY_RE.sub("&amp;", text).translate(_INLINE_ESCAPES)
    match = _LINE_START_RE.match(escaped)
    if match:
        escaped = "\\" + escaped if match.group(1)[0] not in "0123456789" else re.sub(
            r"^(\d+)([.)])", r"\1\\\2", escaped)
    return escaped


_CLASS_OF = {"caption": "caption", "credit": "credit", "note": "note", "embed": "embed", "bio": "byline-bio"}


def part_markdown(part: Part) -> str:
    """One part → its Markdown block."""
    texts = [b.text for b in part.blocks]
    if part.kind == "heading":
        return "## " + escape(texts[0])
    if part.kind == "bullet":
        return "\n".join("- " + escape(_BULLET_RE.sub("", t)) for t in texts)
    if part.kind == "tweet":
        *body, attribution = texts
        quoted = [escape(t) for t in body] + [escape(attribution) + "\n{: .attribution }"]
        return "\n>\n".join("\n".join("> " + line for line in chunk.split("\n")) for chunk in quoted)
    if part.kind in _CLASS_OF:
        return escape(texts[0]) + "\n{: ." + _CLASS_OF[part.kind] + " }"
    return escape(texts[0])


def body_markdown(article: CleanArticle) -> str:
    return "\n\n".join(part_markdown(part) for part in article.parts) + "\n"

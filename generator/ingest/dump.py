"""A plain-text feed dump → its header and articles, each a headline and the blocks after it.

A dump has no separators: a headline is told from subheadings, captions and bylines by cues that
every such dump carries, combined as weighted evidence (see `HEADLINE_WEIGHTS`). `--explain` prints
each candidate line with the evidence for and against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from .text import (EMBED_RE, WordStats, capitalised_start, content_words, ends_sentence, inner_sentences,
                   near_duplicate)


@dataclass(frozen=True, slots=True)
class Block:
    """One non-blank line of the dump (a paragraph, a headline, a caption…) and its line number."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class RawArticle:
    """A headline and the blocks up to the next headline; position 1 is the dump's first (newest)."""

    title: Block
    body: tuple[Block, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Dump:
    """A whole dump: the feed's tag line (if any), its header lines and its articles in order."""

    path: str
    tag: str
    header: tuple[Block, ...]
    articles: tuple[RawArticle, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a line was or was not taken for a headline: each cue and what it added."""

    block: Block
    cues: tuple[tuple[str, float], ...]

    @property
    def score(self) -> float:
        return sum(value for _, value in self.cues)


# Every weight is a cue's share of the decision; a line is a headline at THRESHOLD or above.
HEADLINE_WEIGHTS = {
    "next is a lead paragraph": 1.5,
    "next is a byline": 5.0,
    "lead restates its words": 3.0,
    "following paragraphs keep its subject": 2.0,
    "shares words with the current headline": -3.0,
    "shares words with the paragraphs just before": -1.5,
    "previous line ends a paragraph": 0.3,
    "previous line closes an article": 0.7,
    "headline length": 0.5,
    "short, like a subheading": -0.7,
    "current article has no body yet": -3.0,
    "current article has one paragraph": -0.8,
    "inside a roundup": -1.2,
    "roundup already has sections": -0.5,
    "has a handle or hashtag": -3.0,
    "repeated by the next line": -4.0,
    "has a sentence break inside": -1.0,
    "another section starts within two paragraphs": -1.5,
    "runs far longer than the roundup's sections": 1.5,
    "long, like a sentence": -1.5,
}
THRESHOLD = 2.0

_HEADER_RE = re.compile(r"^auto added by\b", re.I)
_CREDIT_RE = re.compile(r"\b(image|photo|photograph|picture|video)( credits?)?\s*:", re.I)
_URL_RE = re.compile(r"https?://|www\.|pic\.twitter\.com|\.com/", re.I)
_HANDLE_RE = re.compile(r"(^|\s)[@#]\w")
_NUMBERED_RE = re.compile(r"^\d{1,2}[.)]\s")
_CLOSING_RE = re.compile(r"\b(for comment|reached for comment|more information|updating story|developing story|"
                         r"check back)\b", re.I)
_ROUNDUP_RE = re.compile(r"\b(round-?up|recap|digest|newsletter|week in review|this week in|daily crunch)\b", re.I)
_ROLE_RE = re.compile(r"^(contributor|guest (author|contributor|writer)|columnist|correspondent|"
                      r"[A-Z][a-z]+ (editor|writer|reporter))$", re.I)
_NAME_RE = re.compile(r"^[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3}$")


def read_blocks(text: str) -> list[Block]:
    """Dump text → its non-blank lines; BOM, CRLF, trailing and no-break spaces are tolerated."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [Block(number, line.strip()) for number, line in enumerate(text.split("\n"), start=1)
            if line.strip()]


def split_header(blocks: list[Block]) -> tuple[str, list[Block], list[Block]]:
    """(feed tag, header blocks, the rest): the tag line and `Auto Added by …` line, when present."""
    for index, block in enumerate(blocks[:3]):
        if _HEADER_RE.match(block.text):
            header = blocks[: index + 1]
            tags = [b.text for b in header if not _HEADER_RE.match(b.text)]
            return (tags[0] if tags else ""), header, blocks[index + 1:]
    if blocks and _looks_like_tag(blocks[0].text):
        return blocks[0].text, blocks[:1], blocks[1:]
    return "", [], blocks


def _looks_like_tag(text: str) -> bool:
    # A feed tag is a category slug such as `china` or `artificial intelligence`: no capitals, no stops.
    return len(text) <= 40 and len(text.split()) <= 3 and text == text.lower() and not re.search(r"[.,:;!?]", text)


def is_byline_at(blocks: list[Block], index: int) -> bool:
    """A contributor byline: a name line, then a role line (`Contributor`) or a bio opening with the name."""
    if index + 1 >= len(blocks):
        return False
    name, after = blocks[index].text, blocks[index + 1].text
    if len(name) > 40 or not _NAME_RE.match(name):
        return False
    if _ROLE_RE.match(after):
        return True
    return after.startswith(name + " is ") or after.startswith(name.split()[-1] + " is ")


def can_be_headline(text: str) -> bool:
    """Shape alone rules most lines out: headlines are one short unpunctuated sentence."""
    # A question or exclamation can be a headline; a full stop cannot.
    return (20 <= len(text) <= 160 and capitalised_start(text)
            and (not ends_sentence(text) or text.rstrip("\"”’')").endswith(("?", "!")))
            and not text.endswith((":", ";", ",", "…", "...")) and len(text.split()) >= 3
            and not _CREDIT_RE.search(text) and not EMBED_RE.search(text) and not _URL_RE.search(text)
            and not _NUMBERED_RE.match(text) and not text.startswith(("—", "–", "-", "•"))
            and inner_sentences(text) <= 1)


def is_lead(text: str) -> bool:
    return len(text) >= 100 and ends_sentence(text)


@dataclass
class _Current:
    """The article being read while splitting: its headline and body so far."""

    title: Block
    body: list[Block]
    sections: list[int] = field(default_factory=list)  # positions in body of lines that start a section

    def section_lengths(self) -> list[int]:
        """Paragraphs under each section marker seen so far (the intro before the first is not one)."""
        ends = self.sections[1:] + [len(self.body)]
        return [end - start - 1 for start, end in zip(self.sections, ends)]


def headline_evidence(blocks: list[Block], index: int, current: _Current, stats: WordStats) -> Evidence:
    """Weigh the cues for blocks[index] starting a new article rather than continuing `current`."""
    block = blocks[index]
    text = block.text
    words = content_words(text)
    after = blocks[index + 1: index + 3]
    cues: list[tuple[str, float]] = []

    def cue(name: str, strength: float = 1.0) -> None:
        if strength:
            cues.append((name, round(HEADLINE_WEIGHTS[name] * strength, 3)))

    if after and is_byline_at(blocks, index + 1):
        cue("next is a byline")
    elif after and near_duplicate(text, after[0].text):
        cue("repeated by the next line")
    elif after and is_lead(after[0].text):
        cue("next is a lead paragraph")
    lead_words = set().union(*(content_words(b.text) for b in after)) if after else set()
    cue("lead restates its words", stats.overlap(words, lead_words))
    known = content_words(current.title.text)
    cue("following paragraphs keep its subject",
        _subject_persistence(words - known, blocks[index + 1: index + 9], stats))
    cue("shares words with the current headline", stats.overlap(words, content_words(current.title.text)))
    recent = set().union(*(content_words(b.text) for b in current.body[-3:])) if current.body else set()
    cue("shares words with the paragraphs just before", stats.overlap(words, recent))
    previous = blocks[index - 1].text
    if ends_sentence(previous):
        cue("previous line ends a paragraph")
    if _CLOSING_RE.search(previous) and len(previous) < 120:
        cue("previous line closes an article")
    if len(text) > 120:
        cue("long, like a sentence")
    else:
        cue("headline length" if len(text) >= 40 else "short, like a subheading")
    if not current.body:
        cue("current article has no body yet")
    elif len(current.body) == 1:
        cue("current article has one paragraph")
    if _ROUNDUP_RE.search(current.title.text):
        cue("inside a roundup")
        cue("roundup already has sections", min(len(current.sections), 2))
        if any(_sections_a_roundup(blocks, i) for i in range(index + 2, min(index + 4, len(blocks)))):
            cue("another section starts within two paragraphs")
        lengths = current.section_lengths()
        if len(lengths) >= 2 and _run_length(blocks, index) >= max(4.0, 2.5 * sum(lengths) / len(lengths)):
            cue("runs far longer than the roundup's sections")
    if _HANDLE_RE.search(text):
        cue("has a handle or hashtag")
    if inner_sentences(text):
        cue("has a sentence break inside")
    return Evidence(block, tuple(cues))


def _subject_persistence(words: set[str], following: list[Block], stats: WordStats) -> float:
    """Share of the next blocks naming the headline's subject: its new word the lead repeats most.

    A new article keeps talking about its subject; a roundup's subhead is dropped after a paragraph or
    two, and a caption's subject is the article's own (so words of the current headline do not count).
    """
    if not following:
        return 0.0
    lead = content_words(following[0].text)
    subject = words & lead
    if not subject:
        return 0.0
    mentions = {w: sum(w in content_words(b.text) for b in following) for w in subject}
    return max(mentions.values()) / len(following)


def _sections_a_roundup(blocks: list[Block], index: int) -> bool:
    """A short unpunctuated line over a paragraph: how a roundup marks off its items."""
    text = blocks[index].text
    return (8 <= len(text) <= 100 and not ends_sentence(text) and index + 1 < len(blocks)
            and len(blocks[index + 1].text) >= 80)


def _run_length(blocks: list[Block], index: int, cap: int = 12) -> int:
    """Paragraphs after blocks[index] before the next line shaped like a headline or section."""
    run = 0
    for i in range(index + 1, min(index + 1 + cap, len(blocks))):
        if _sections_a_roundup(blocks, i) or can_be_headline(blocks[i].text):
            break
        run += 1
    return run


def _evidence(blocks: list[Block]) -> Iterator[tuple[int, Evidence | None]]:
    """Walk the blocks once, yielding each index and its evidence (None where shape rules it out)."""
    stats = WordStats.of(b.text for b in blocks)
    current = _Current(blocks[0], [])
    yield 0, None
    for index in range(1, len(blocks)):
        block = blocks[index]
        evidence = None
        if can_be_headline(block.text) and not near_duplicate(block.text, blocks[index - 1].text):
            evidence = headline_evidence(blocks, index, current, stats)
        yield index, evidence
        if evidence is not None and evidence.score >= THRESHOLD:
            current = _Current(block, [])
            continue
        if _sections_a_roundup(blocks, index):
            current.sections.append(len(current.body))
        current.body.append(block)


def segment(blocks: list[Block]) -> tuple[list[int], list[Evidence]]:
    """Indexes of the blocks that start articles (the first block always does), and all evidence."""
    if not blocks:
        return [], []
    starts: list[int] = []
    explained: list[Evidence] = []
    for index, evidence in _evidence(blocks):
        if evidence is not None:
            explained.append(evidence)
        if index == 0 or (evidence is not None and evidence.score >= THRESHOLD):
            starts.append(index)
    return starts, explained


def parse_dump(text: str, path: str) -> tuple[Dump, list[Evidence]]:
    """Dump text → a Dump of articles, plus the evidence behind every candidate headline."""
    tag, header, blocks = split_header(read_blocks(text))
    starts, evidence = segment(blocks)
    articles = []
    for position, (start, end) in enumerate(zip(starts, starts[1:] + [len(blocks)]), start=1):
        articles.append(RawArticle(blocks[start], tuple(blocks[start + 1:end]), position))
    return Dump(path, tag, tuple(header), tuple(articles)), evidence

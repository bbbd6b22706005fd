"""content/**/*.md → Articles. The only stage that reads content/; every problem has its file line."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from .config import RESERVED_FIELDS, SiteConfig
from .markup import MAX_NESTING, first_paragraph_text, plain_text, render_markdown, too_deep, trim_to_sentence
from .model import DATE_SOURCES, Article, InputError, Problem
from .parallel import parallel_map
from .progress import progress
from .slugs import RESERVED_SLUGS, slug_for_term, slugify_title, valid_slug
from .survey import PageStat, Survey, content_files, survey
from .yamlsource import YamlMapping, parse_mapping

if TYPE_CHECKING:
    from .cache import ContentCache

MAX_FILE_BYTES = 5 * 1024 * 1024
_FENCE = "---"


@dataclass(frozen=True, slots=True)
class SourceText:
    """A content file split into its front matter and body, with where the body starts."""

    front_matter: str
    body: str
    body_line: int


def split_front_matter(text: str, path: str) -> SourceText:
    """Text of a page → front matter and body; raises InputError if the fences are wrong."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != _FENCE:
        raise InputError((Problem(path, 1, "no front matter: a page must start with a `---` line, then "
                                           "fields such as `title:`, then another `---` line"),))
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (_FENCE, "..."):
            return SourceText("\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2)
    raise InputError((Problem(path, 1, "front matter opened here is never closed: add a `---` line after "
                                       "the last field"),))


def decode(data: bytes, path: str) -> str:
    """File bytes → text with `\\n` line ends; non-UTF-8 bytes are an error at their line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputError((Problem(path, line, f"not UTF-8 (byte 0x{data[err.start]:02x}); re-save the file "
                                              f"as UTF-8"),)) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_date(value: Any) -> datetime:
    """A YAML date, datetime or ISO-8601 string → an aware UTC datetime; ValueError otherwise."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            result = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"is not a valid date: `{value}`; write it as YYYY-MM-DD, e.g. 2021-04-10") from None
    else:
        raise ValueError("must be a date such as 2021-04-10")
    if result.tzinfo is None:
        return result.replace(tzinfo=timezone.utc)
    return result.astimezone(timezone.utc)


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("must be text")
    text = str(value)
    control = _CONTROL_RE.search(text)
    if control:
        raise ValueError(f"contains a control character (U+{ord(control.group()):04X}); remove it")
    return " ".join(text.split())


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _names(value: Any) -> tuple[str, ...]:
    """A list of names (or one name) → a tuple without blanks or repeats, in the order given."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("must be a list of names, e.g. [Alibaba, Tencent]")
    names: list[str] = []
    for item in items:
        name = _text(item)
        if not name:
            continue
        if not slug_for_term(name):
            raise ValueError(f"`{name}` has no letters or digits to make a URL from")
        if name not in names:
            names.append(name)
    return tuple(names)


def _date_source(value: Any) -> str:
    if value not in DATE_SOURCES:
        raise ValueError(f"must be one of {', '.join(DATE_SOURCES)}")
    return value


def _slug(value: Any) -> str:
    if isinstance(value, str) and value in RESERVED_SLUGS:
        raise ValueError(f"`{value}` is a reserved name (a folder the site or Windows needs); choose another")
    if not isinstance(value, str) or not valid_slug(value):
        raise ValueError("must be lower-case letters, digits and single hyphens, e.g. alibaba-fined")
    return value


def _url(value: Any) -> str:
    text = _text(value)
    if text and not re.match(r"^https?://[^\s/]+", text):
        raise ValueError("must be an absolute http(s) URL")
    return text


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


# field → parser, Pelican-style: one table says what each front-matter field means.
_FIELD_PARSERS: dict[str, Callable[[Any], Any]] = {
    "title": _text, "slug": _slug, "date": parse_date, "date_source": _date_source, "summary": _text,
    "author": _text, "author_role": _text, "source": _text, "source_position": _integer, "source_url": _url,
    "mentions": _names, "draft": _boolean, "updated": parse_date,
}
assert set(_FIELD_PARSERS) == RESERVED_FIELDS


def _fields(mapping: YamlMapping, path: str, config: SiteConfig) -> tuple[dict[str, Any], list[Problem]]:
    taxonomy_keys = {t.key for t in config.taxonomies}
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, raw in mapping.data.items():
        parser = _names if key in taxonomy_keys else _FIELD_PARSERS.get(key)
        if parser is None:
            problems.append(Problem(path, mapping.line_of(key), f"unknown field `{key}` (ignored)", warning=True))
            continue
        try:
            values[key] = None if raw is None else parser(raw)
        except (ValueError, TypeError) as err:
            problems.append(Problem(path, mapping.line_of(key), f"`{key}` {err}"))
    for required in ("title", "date"):
        if required not in mapping.data:
            problems.append(Problem(path, 1, f"missing `{required}:`; every page needs one"))
        elif required in values and not values[required]:
            problems.append(Problem(path, mapping.line_of(required), f"`{required}` is empty; fill it in"))
    values = {key: value for key, value in values.items() if value is not None}
    return values, problems


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """One page parsed: its Article (None for drafts and pages with errors), body HTML and problems;
    `source`, the digest of the body's Markdown (see PreviousBody)."""

    article: Article | None
    body_html: str
    problems: tuple[Problem, ...]
    source: str = ""


@dataclass(frozen=True, slots=True)
class PreviousBody:
    """The body an earlier parse of the same page made: the digest of its Markdown and its HTML.
    A front-matter edit (a tag, a title, a date) leaves the body as it was, and re-rendering it —
    loading Python-Markdown, 30-40 ms — would only make the same HTML again."""

    source: str
    html: str


def source_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def parse_page(text: str, path: str, config: SiteConfig, previous: PreviousBody | None = None) -> ParsedPage:
    """One page's text → an Article (None for drafts or errors), its body HTML and its problems.
    Given the `previous` body of this page, its HTML is reused if the Markdown is the same."""
    try:
        source = split_front_matter(text, path)
    except InputError as err:
        return ParsedPage(None, "", err.problems)
    mapping, yaml_problems = parse_mapping(source.front_matter, path, 2)
    if mapping is None:
        return ParsedPage(None, "", yaml_problems)
    values, problems = _fields(mapping, path, config)
    problems = [*yaml_problems, *problems]
    if any(not p.warning for p in problems) or values.get("draft"):
        return ParsedPage(None, "", tuple(problems))
    body_source = source_digest(source.body)
    if previous is not None and previous.source == body_source:
        body_html = previous.html  # the same Markdown, with the same settings (see cache_key): the same HTML
    else:
        deep = too_deep(source.body)
        if deep:
            problems.append(Problem(path, source.body_line + deep - 1, f"nested more than {MAX_NESTING} lists or "
                                                                        f"quotes deep; flatten it"))
            return ParsedPage(None, "", tuple(problems))
        body_html = render_markdown(source.body, config.allow_raw_html)
    summary = values.get("summary") or trim_to_sentence(first_paragraph_text(body_html))
    article = Article(
        slug=values.get("slug") or slugify_title(values["title"]),
        title=values["title"],
        date=values["date"],
        date_source=values.get("date_source", "manual"),
        summary=summary,
        body_digest=hashlib.sha256(body_html.encode("utf-8")).hexdigest(),
        terms=tuple((t.key, values.get(t.key, ())) for t in config.taxonomies),
        mentions=values.get("mentions", ()),
        author=values.get("author", ""),
        source_url=values.get("source_url", ""),
        path=path,
        word_count=len(plain_text(body_html).split()),
    ).sealed()
    if not article.slug:
        problems.append(Problem(path, mapping.line_of("title"), "the title has no letters or digits to make a "
                                                                "slug from; add `slug:`"))
        return ParsedPage(None, "", tuple(problems))
    return ParsedPage(article, body_html, tuple(problems), body_source)


def content_pages(content_dir: Path) -> list[Path]:
    """Every page below content_dir that a build reads, sorted."""
    return [Path(name) for name, _ in content_files(content_dir)[0]]


class Bodies(Mapping[str, str]):
    """Body HTML by its digest: pages parsed in this build, else what the cache kept."""

    def __init__(self, fresh: dict[str, str], cache: ContentCache | None = None):
        self._fresh = fresh
        self._cache = cache

    def __getitem__(self, digest: str) -> str:
        found = self._fresh.get(digest)
        if found is None and self._cache is not None:
            found = self._cache.body(digest)
        if found is None:
            raise KeyError(digest)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._fresh)

    def __len__(self) -> int:
        return len(self._fresh)


def load_articles(config: SiteConfig, display_root: Path, cache: ContentCache | None = None,
                  found: Survey | None = None,
                  on_parsed: Callable[[list[Article], Mapping[str, str], int], None] | None = None,
                  ) -> tuple[tuple[Article, ...], tuple[Problem, ...], Bodies]:
    """Read and validate every page; raises InputError with all errors, returns warnings.

    With a cache (made from the survey `found`, see cache.load_cache), a page whose bytes are
    unchanged is not parsed again (nor its body read); only pages without errors are kept in it.
    `on_parsed`, if given, is told what was parsed (its articles, their bodies, and how many pages)
    before the others are read back from the cache.
    """
    articles: list[Article] = []
    problems: list[Problem] = []
    bodies: dict[str, str] = {}
    if found is None:
        found = survey(config, display_root, use_cache=False, stamp=False)
    root = str(display_root) + os.sep
    problems += [Problem(link[len(root):] if link.startswith(root) else link, 1,
                         "skipped: a link to a file outside content/", warning=True) for link in found.outside]
    jobs: list[tuple[PageStat, bytes, PreviousBody | None]] = []
    for page in cache.to_read if cache is not None else found.changed:  # an edit: one page of 10,000
        if page.size > MAX_FILE_BYTES:  # checked before reading, so a huge file costs no memory
            problems.append(Problem(page.path, 1, f"{page.size:,} bytes is over the {MAX_FILE_BYTES:,}-byte limit "
                                                  f"for one page; split it"))
            continue
        data = None
        previous = None
        if cache is not None:
            hit, data = cache.lookup(page)
            if hit:
                continue
            previous = cache.previous_body(page.path)
        jobs.append((page, data if data is not None else Path(page.file).read_bytes(), previous))
    parsed_pages = _parse_all([(page.path, data, config, previous) for page, data, previous in jobs])
    for (page, data, _), parsed in zip(jobs, progress(parsed_pages, len(jobs), "parsing content")):
        problems.extend(parsed.problems)
        if parsed.article is not None:
            articles.append(parsed.article)
            bodies[parsed.article.body_digest] = parsed.body_html
        if cache is not None and not any(not p.warning for p in parsed.problems):
            cache.store(page, data, parsed)
    if on_parsed is not None:
        on_parsed(list(articles), bodies, len(jobs))
    if cache is not None:
        reused, found_problems = cache.reused()
        articles.extend(reused)
        problems.extend(found_problems)
    problems.extend(_slug_collisions(articles))
    if any(not p.warning for p in problems):
        raise InputError(tuple(problems))
    return tuple(articles), tuple(sorted(problems)), Bodies(bodies, cache)


PARALLEL_PAGES = 200  # below this, starting worker processes costs more than it saves


def _parse_file(job: tuple[str, bytes, SiteConfig, PreviousBody | None]) -> ParsedPage:
    path, data, config, previous = job
    try:
        return parse_page(decode(data, path), path, config, previous)
    except InputError as err:
        return ParsedPage(None, "", err.problems)


def _parse_all(jobs: list[tuple[str, bytes, SiteConfig, PreviousBody | None]]) -> Iterable[ParsedPage]:
    """Parse pages, in order; many pages (a cold build) on every core, since Python-Markdown is
    most of a cold build's time."""
    return parallel_map(_parse_file, jobs, PARALLEL_PAGES)


def _slug_collisions(articles: list[Article]) -> list[Problem]:
    owners: dict[str, Article] = {}
    problems = []
    for article in sorted(articles, key=lambda a: a.path):
        first = owners.setdefault(article.slug, article)
        if first is not article:
            problems.append(Problem(article.path, 1, f"slug `{article.slug}` is already used by {first.path}; "
                                                     f"set a different `slug:` in one of them"))
    return problems

"""site.yaml → one frozen SiteConfig, every problem reported at once with its line."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from .model import InputError, Problem
from .yamlsource import parse_mapping

INDEX_STYLES = ("alphabetical", "by_count")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# Front-matter fields with a meaning of their own; a taxonomy may not take one of these names.
RESERVED_FIELDS = frozenset({"title", "slug", "date", "date_source", "summary", "author", "author_role",
                             "source", "source_position", "source_url", "mentions", "draft", "updated"})


@dataclass(frozen=True, slots=True)
class TaxonomyConfig:
    """One taxonomy: its front-matter key, its URL segment, and how it is shown and weighed."""

    key: str
    singular: str
    title: str
    related_weight: int = 1
    index_style: str = "by_count"
    feeds: bool = True
    discover: bool = False  # ingest may tag names its data file lacks (companies)
    max_per_article: int = 4

    @property
    def path(self) -> str:
        return self.key


DEFAULT_TAXONOMIES = (
    TaxonomyConfig("topics", "topic", "Topics", related_weight=1, index_style="by_count"),
    TaxonomyConfig("companies", "company", "Companies", related_weight=3, index_style="alphabetical",
                   discover=True),
)


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything the build reads from site.yaml; paths are absolute."""

    title: str
    description: str
    base_url: str
    language: str
    page_size: int
    feed_size: int
    related_count: int
    allow_raw_html: bool
    taxonomies: tuple[TaxonomyConfig, ...]
    content_dir: Path
    output_dir: Path
    templates_dir: Path
    data_dir: Path
    config_path: Path

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always with slashes on both ends: `/REPO/`."""
        return urlsplit(self.base_url).path

    def cache_path(self, name: str, per_output: bool = False) -> Path:
        """A file in `.digest-cache/` beside site.yaml, kept between runs (and ignored by git).
        `per_output` names it after the output folder too: what describes one output/ is its own."""
        if per_output:
            stem, dot, suffix = name.partition(".")
            name = f"{stem}-{hashlib.sha256(str(self.output_dir).encode()).hexdigest()[:12]}{dot}{suffix}"
        return self.config_path.parent / ".digest-cache" / name

    def taxonomy(self, key: str) -> TaxonomyConfig:
        return next(t for t in self.taxonomies if t.key == key)

    def with_overrides(self, **changes: Any) -> "SiteConfig":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def normalise_base_url(url: str) -> str:
    """`https://u.github.io/repo` → `https://u.github.io/repo/`; raises ValueError if not absolute."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL such as https://USER.github.io/REPO/, not {url!r}")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be non-empty text")
    return value.strip()


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of 1 or more")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _taxonomies(value: Any) -> tuple[TaxonomyConfig, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a list of taxonomies, each with at least `key`")
    result = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ValueError("each taxonomy needs a `key`, e.g. `- key: places`")
        key = entry["key"]
        unknown = set(entry) - {"key", "singular", "title", "related_weight", "index", "feeds", "discover",
                                "max_per_article"}
        if unknown:
            raise ValueError(f"taxonomy `{key}` has unknown settings: {', '.join(sorted(unknown))}")
        if not _KEY_RE.match(key) or key in RESERVED_FIELDS:
            raise ValueError(f"taxonomy key `{key}` must be lower-case letters, digits or _ and not a "
                             f"reserved field")
        style = entry.get("index", "by_count")
        if style not in INDEX_STYLES:
            raise ValueError(f"taxonomy `{key}`: index must be one of {', '.join(INDEX_STYLES)}")
        result.append(TaxonomyConfig(
            key=key,
            singular=str(entry.get("singular", key.rstrip("s"))),
            title=str(entry.get("title", key.replace("_", " ").title())),
            related_weight=_positive_int(entry.get("related_weight", 1)),
            index_style=style,
            feeds=_boolean(entry.get("feeds", True)),
            discover=_boolean(entry.get("discover", False)),
            max_per_article=_positive_int(entry.get("max_per_article", 4)),
        ))
    if len({t.key for t in result}) != len(result):
        raise ValueError("two taxonomies share one key")
    return tuple(result)


# field → (parser, default). Paths are parsed later, against the config file's folder.
_FIELDS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "title": (_text, "News digest"),
    "description": (_text, "A digest of news articles."),
    "base_url": (normalise_base_url, "http://localhost:8000/"),
    "language": (_text, "en"),
    "page_size": (_positive_int, 20),
    "feed_size": (_positive_int, 20),
    "related_count": (_positive_int, 5),
    "allow_raw_html": (_boolean, False),
    "taxonomies": (_taxonomies, DEFAULT_TAXONOMIES),
    "content_dir": (_text, "content"),
    "output_dir": (_text, "output"),
    "templates_dir": (_text, "templates"),
    "data_dir": (_text, "data"),
}


def load_config(path: Path) -> SiteConfig:
    """Read and validate site.yaml; a missing file gives the defaults beside it."""
    path = path.resolve()
    name = str(path)
    raw: dict[str, Any] = {}
    lines: dict[str, int] = {}
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise InputError((Problem(name, 1, f"not UTF-8 text ({err.reason}); save it as UTF-8"),)) from None
        mapping, problems = parse_mapping(text, name, 1)
        if mapping is None:
            raise InputError(problems)
        raw, lines = mapping.data, mapping.key_lines
    else:
        problems = ()
    problems = list(problems)
    values: dict[str, Any] = {}
    for key in sorted(set(raw) - set(_FIELDS)):
        problems.append(Problem(name, lines.get(key, 1), f"unknown setting `{key}`; known settings: "
                                                          f"{', '.join(sorted(_FIELDS))}"))
    for key, (parse, default) in _FIELDS.items():
        if key not in raw:
            values[key] = default
            continue
        try:
            values[key] = parse(raw[key])
        except ValueError as err:
            problems.append(Problem(name, lines.get(key, 1), f"`{key}` {err}"))
    if problems:
        raise InputError(tuple(problems))
    root = path.parent
    for key in ("content_dir", "output_dir", "templates_dir", "data_dir"):
        values[key] = (root / values[key]).resolve()
    return SiteConfig(config_path=path, **values)

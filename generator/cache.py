"""The build cache: parsed pages kept by their content hash, so an unchanged page is not parsed again.

Plain JSON in `.digest-cache/content.json` beside site.yaml — never pickle. It is keyed by the package
version and the settings that change parsing; a cache that is corrupt, foreign or from another version
is ignored with a notice and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .config import SiteConfig
from .model import Article, Problem
from .write import atomic_write

FORMAT = 1


def cache_file(config: SiteConfig) -> Path:
    return config.config_path.parent / ".digest-cache" / "content.json"


def cache_key(config: SiteConfig) -> str:
    """What parsing depends on besides the page itself."""
    parts = [__version__, str(config.allow_raw_html), ",".join(t.key for t in config.taxonomies)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass
class ContentCache:
    """Parsed pages by path, each with the stat and hash of the bytes it came from."""

    key: str
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    notice: str = ""
    used: dict[str, dict[str, Any]] = field(default_factory=dict)

    def lookup(self, path: str, file: Path) -> tuple[bool, Article | None, tuple[Problem, ...], bytes | None]:
        """(hit, article or None for a draft, its warnings, the bytes if they had to be read)."""
        entry = self.entries.get(path)
        stat = file.stat()
        if entry and entry["size"] == stat.st_size and entry["mtime_ns"] == stat.st_mtime_ns:
            return True, *self._reuse(path, entry), None
        data = file.read_bytes()
        if entry and entry["sha"] == hashlib.sha256(data).hexdigest():
            return True, *self._reuse(path, {**entry, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}), data
        return False, None, (), data

    def _reuse(self, path: str, entry: dict[str, Any]) -> tuple[Article | None, tuple[Problem, ...]]:
        self.used[path] = entry
        article = _article(entry["article"]) if entry["article"] else None
        return article, tuple(Problem(path, line, message, warning) for line, message, warning in entry["problems"])

    def store(self, path: str, file: Path, data: bytes, article: Article | None,
              problems: tuple[Problem, ...]) -> None:
        stat = file.stat()
        self.used[path] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                           "sha": hashlib.sha256(data).hexdigest(),
                           "article": _plain(article) if article else None,
                           "problems": [[p.line, p.message, p.warning] for p in problems]}


def _plain(article: Article) -> dict[str, Any]:
    data = asdict(article)
    data["date"] = article.date.isoformat()
    return data


def _article(data: dict[str, Any]) -> Article:
    values = dict(data)
    values["date"] = datetime.fromisoformat(values["date"])
    values["terms"] = tuple((key, tuple(names)) for key, names in values["terms"])
    values["mentions"] = tuple(values["mentions"])
    return Article(**values)


def load_cache(config: SiteConfig) -> ContentCache:
    """The cache for this site, or an empty one (with a notice saying why) if it cannot be trusted."""
    key = cache_key(config)
    file = cache_file(config)
    if not file.exists():
        return ContentCache(key)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("key") != key:
            return ContentCache(key, notice=f"{file}: made by another version or settings; rebuilt it")
        entries = data["entries"]
        if not isinstance(entries, dict):
            raise ValueError("entries is not a mapping")
        return ContentCache(key, entries)
    except (OSError, ValueError, KeyError, TypeError) as err:
        return ContentCache(key, notice=f"{file}: unreadable ({err}); ignored it and rebuilt it")


def save_cache(config: SiteConfig, cache: ContentCache) -> None:
    """Keep what this build used: pages since deleted drop out."""
    text = json.dumps({"format": FORMAT, "key": cache.key, "entries": dict(sorted(cache.used.items()))},
                      ensure_ascii=False, separators=(",", ":"))
    atomic_write(cache_file(config), text.encode("utf-8"), durable=False)


@dataclass
class PageMemo:
    """Skips rendering a page whose inputs are unchanged and whose file is still as the last build left it.

    A page's fingerprint hashes what its template receives (the context, with each article by the hash
    of all its fields) plus `salt` (package version, settings, templates, term names). Rendering is
    deterministic, so the same fingerprint means the same bytes: the data decides, nothing is declared.
    """

    output_dir: Path
    salt: str
    previous: dict[str, list[Any]] = field(default_factory=dict)  # path → [fingerprint, size, mtime_ns]
    fingerprints: dict[str, str] = field(default_factory=dict)

    def produce(self, path: str, parts: Any, render: Any) -> bytes | None:
        """The page's bytes, or None when the file in output/ is already exactly them."""
        fingerprint = hashlib.sha256((self.salt + repr(parts)).encode("utf-8")).hexdigest()
        self.fingerprints[path] = fingerprint
        old = self.previous.get(path)
        if old and old[0] == fingerprint:
            try:
                stat = (self.output_dir / path).stat()
                if [stat.st_size, stat.st_mtime_ns] == old[1:]:
                    return None
            except OSError:
                pass
        return render()


def memo_file(config: SiteConfig) -> Path:
    where = hashlib.sha256(str(config.output_dir).encode()).hexdigest()[:12]
    return config.config_path.parent / ".digest-cache" / f"pages-{where}.json"


def templates_digest(templates_dir: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in templates_dir.rglob("*") if p.is_file()):
        digest.update(file.relative_to(templates_dir).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def load_memo(config: SiteConfig, salt: str) -> PageMemo:
    try:
        data = json.loads(memo_file(config).read_text(encoding="utf-8"))
        previous = data["pages"] if data.get("format") == FORMAT and isinstance(data.get("pages"), dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        previous = {}
    return PageMemo(config.output_dir, salt, previous)


def save_memo(config: SiteConfig, memo: PageMemo) -> None:
    """Record each page's fingerprint with the size and mtime its file has now, after the write."""
    pages = {}
    for path, fingerprint in sorted(memo.fingerprints.items()):
        try:
            stat = (config.output_dir / path).stat()
        except OSError:
            continue
        pages[path] = [fingerprint, stat.st_size, stat.st_mtime_ns]
    text = json.dumps({"format": FORMAT, "pages": pages}, separators=(",", ":"))
    atomic_write(memo_file(config), text.encode("utf-8"), durable=False)


def remembered_related(config: SiteConfig):
    """A `related` hook for build_site: reuse the last related-articles map when its inputs match."""
    file = config.config_path.parent / ".digest-cache" / "related.json"

    def related(inputs: str, compute):
        key = hashlib.sha256(inputs.encode("utf-8")).hexdigest()
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            if data.get("format") == FORMAT and data.get("key") == key:
                return tuple((slug, tuple(others)) for slug, others in data["related"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        result = compute()
        text = json.dumps({"format": FORMAT, "key": key, "related": result}, separators=(",", ":"))
        atomic_write(file, text.encode("utf-8"), durable=False)
        return result

    return related

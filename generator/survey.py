"""What changed since the last build: content/ listed and compared, worked out beside the build.

Every build begins the same way: list content/ (a stat of each page), hash that listing with the
other inputs for the stamp (stamp.py), and compare each page's size and modification time with the
content cache's to learn which pages to read again. At 10,000 pages that is a fifth of a second, and
the answer is short: a digest, the few pages that changed, the names of the others. So `digest build`
has a forked child work it out while the build itself loads its code, reads the last build's record
and so on — on a two-core machine both cores busy from the start. When the inputs are the last
build's, the child also checks output/ against that record, so a no-change build waits for the child
alone. Where the process may not fork (digest serve's threads), the survey is made in it.

This module imports little of the package, so that the child can start before the rest is loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, NamedTuple

from . import __version__, code_version, warm
from .config import SiteConfig
from .lastbuild import FORMAT as RECORD_FORMAT, record_file
from .outputcheck import recorded_match
from .parallel import from_child, wait_for_finishing

_CODE = Path(__file__).resolve().parent

# (every page below content/ with its stat, sorted by file name; links that lead out of content/)
ContentListing = tuple[list[tuple[str, os.stat_result]], list[str]]


class PageStat(NamedTuple):
    """A page of content/ to read: its path as problems show it (relative to the site's folder),
    the file name it is opened by, and its size and modification time when it was listed."""

    path: str
    file: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Survey:
    """content/ now, against the content cache and the last build's record.

    `changed`: the pages to read (new ones, or whose stat is not the cache's entry; every page when
    there is no cache); `hits`: the paths of the others, whose articles the cache holds; `gone`: pages
    the cache has and content/ no longer does. `cache`: the save of the content cache compared
    against (its token, "" for none): a cache saved since makes the comparison void (see
    cache.load_cache). `record` and `unchanged`: the token of the record whose stamp was checked, and
    whether inputs and output/ are both as it says (None: the inputs differ, or it was not asked). A
    survey that found them unchanged does not compare pages (`complete` is False).
    """

    inputs: str
    outside: tuple[str, ...]
    changed: tuple[PageStat, ...]
    hits: tuple[str, ...]
    gone: tuple[str, ...]
    cache: str = ""
    record: str = ""
    unchanged: bool | None = None

    @property
    def complete(self) -> bool:
        return self.unchanged is not True


def content_files(content_dir: Path) -> ContentListing:
    """(every page below content_dir with its stat, sorted by path; links that lead out of content/).

    Hidden files and folders are skipped, and so are linked folders; a linked file counts if it
    points inside content/. Plain os.scandir: at 10,000 pages, pathlib's objects cost a second.
    """
    root = os.path.realpath(content_dir)
    pages: list[tuple[str, os.stat_result]] = []
    outside: list[str] = []

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path)
            elif entry.name.endswith(".md") and entry.is_file():
                if entry.is_symlink() and not os.path.realpath(entry.path).startswith(root + os.sep):
                    outside.append(entry.path)
                else:
                    pages.append((entry.path, entry.stat()))

    walk(str(content_dir))
    return sorted(pages, key=lambda page: page[0]), sorted(outside)


def _stats(folder: Path, suffix: str = "") -> list[tuple[str, int, int]]:
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(n for n in names if n.endswith(suffix)):
            try:
                stat = os.stat(os.path.join(root, name))
            except OSError:
                continue
            found.append((os.path.join(root, name), stat.st_size, stat.st_mtime_ns))
    return found


def inputs_digest(config: SiteConfig, listing: ContentListing) -> str:
    """Every input a build reads, by path, size and modification time: the stamp's (see stamp.py)."""
    pages, outside = listing
    parts = [__version__, repr(config), os.environ.get("SOURCE_DATE_EPOCH", ""), repr(outside),
             "\n".join([f"{name}\0{s.st_size}\0{s.st_mtime_ns}" for name, s in pages]),  # not repr: 3x faster
             repr(_stats(config.templates_dir)), repr(_stats(config.data_dir)),
             repr(_stats(_CODE, ".py"))]  # not __pycache__, which Python writes itself
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def cache_file(config: SiteConfig) -> Path:
    """The content cache (see cache.ContentCache)."""
    return config.cache_path("content.sqlite")


def cached_stats(config: SiteConfig) -> tuple[str, Mapping[str, tuple[int, ...]]]:
    """The content cache's token and each page's entry, from size and modification time on (a long-
    running process keeps the entries its last save left, see warm.py); ("", {}) without a cache."""
    file = cache_file(config)
    if not file.exists():
        return "", {}
    try:
        with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as db:
            db.execute("BEGIN")  # one snapshot: another build may save meanwhile
            token = dict(db.execute("SELECT name, value FROM info WHERE name = 'token'")).get("token", "")
            kept = warm.recall(("content entries", file), token) if token else None
            return token, kept if kept is not None else {path: (size, mtime) for path, size, mtime in db.execute(
                "SELECT path, size, mtime_ns FROM pages")}
    except sqlite3.Error:
        return "", {}


def compare(pages: Iterable[tuple[str, str, int, int]], entries: Mapping[str, tuple[int, ...]],
            ) -> tuple[list[PageStat], list[str]]:
    """(the pages (path, file, size, mtime_ns) whose size or modification time is not their entry's,
    or that have none; the paths of the others)."""
    changed, hits = [], []
    for page in pages:
        entry = entries.get(page[0])
        if entry is not None and entry[0] == page[2] and entry[1] == page[3]:
            hits.append(page[0])
        else:
            changed.append(PageStat(*page))
    return changed, hits


def survey(config: SiteConfig, display_root: Path, use_cache: bool = True, stamp: bool = True) -> Survey:
    """content/ against the content cache (`use_cache`) and the last build's stamp (`stamp`)."""
    listing = content_files(config.content_dir)
    inputs = inputs_digest(config, listing) if stamp else ""
    record, unchanged = _stamp_check(config, inputs) if stamp else ("", None)
    outside = tuple(listing[1])
    if unchanged:
        return Survey(inputs, outside, (), (), (), "", record, True)
    token, entries = cached_stats(config) if use_cache else ("", {})
    root = str(display_root) + os.sep
    # Plain tuples: a PageStat is made only for the pages to read (10,000 of them cost 10 ms).
    pages = ((name[len(root):] if name.startswith(root) else name, name, stat.st_size, stat.st_mtime_ns)
             for name, stat in listing[0])
    changed, hits = compare(pages, entries)
    gone = entries.keys() - {*hits, *(page.path for page in changed)}
    return Survey(inputs, outside, tuple(changed), tuple(hits), tuple(sorted(gone)), token, record, unchanged)


def _stamp_check(config: SiteConfig, inputs: str) -> tuple[str, bool | None]:
    """(the record's token, whether output/ is as it says if its inputs are `inputs`, else None)."""
    file = record_file(config)
    if not file.exists():
        return "", None
    try:
        with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as db:
            info = dict(db.execute("SELECT name, value FROM info"))
        if info.get("format") != f"{RECORD_FORMAT} {code_version()}" or "token" not in info:
            return "", None
        if json.loads(info["summary"])["inputs"] != inputs:
            return info["token"], None
    except (sqlite3.Error, ValueError, KeyError, TypeError):
        return "", None
    return info["token"], recorded_match(str(file), str(config.output_dir), info["token"])


def saving_lock(config: SiteConfig) -> Path:
    """Held while a child of a one-shot `digest build` saves the caches after the command ended (see
    parallel.left_to_finish): a build begins by waiting for it, so it reads them whole."""
    return config.cache_path("saving.lock")


class SurveyRun:
    """A survey under way (see start_survey): called, its answer; closed, its child waited for."""

    def __init__(self, config: SiteConfig, use_cache: bool, stamp: bool):
        wait_for_finishing(saving_lock(config))
        self._args = (config, config.config_path.parent, use_cache, stamp)
        code_version()  # worked out once, before the fork: both processes need it
        self._child = from_child(self._work)
        self._answer: Survey | None = None

    def _work(self) -> Iterator[bytes]:  # in the child
        yield _encode(survey(*self._args))

    def __call__(self) -> Survey:
        if self._answer is None:
            data = self._child.next() if self._child is not None else None
            self.close()
            self._answer = survey(*self._args) if data is None else _decode(data)  # None: no child, or it failed
        return self._answer

    def pending(self) -> bool:
        """Is the answer still being worked out in the child (so that asking for it would wait)?"""
        return self._answer is None and self._child is not None and not self._child.ready()

    def close(self) -> None:
        """Wait for the child, ending it if what it has yet to send is no longer wanted."""
        if self._child is not None:
            self._child.close(end=True)
            self._child = None


def start_survey(config: SiteConfig, use_cache: bool = True, stamp: bool = True) -> SurveyRun:
    """Start `survey` in a forked child; call what is returned for the answer, and close it when the
    build is over. Where the process may not fork, or the child fails, the survey is made here when
    asked for."""
    return SurveyRun(config, use_cache, stamp)


def _encode(found: Survey) -> bytes:
    return json.dumps([found.inputs, found.outside, found.changed, found.hits, found.gone, found.cache,
                       found.record, found.unchanged], ensure_ascii=False).encode("utf-8")


def _decode(data: bytes) -> Survey:
    inputs, outside, changed, hits, gone, cache, record, unchanged = json.loads(data)
    return Survey(inputs, tuple(outside), tuple(PageStat(*page) for page in changed), tuple(hits), tuple(gone),
                  cache, record, unchanged)

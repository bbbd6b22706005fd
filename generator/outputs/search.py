"""Article pages → the search bundle: Pagefind's full-text index, in shards, plus our own facets file.

Pagefind has no incremental mode (upstream Pagefind #71), and indexing costs about a millisecond a
page, so one edit would re-index the whole site. Articles are therefore split into shards by a hash
of their slug — a shard holds at most SHARD_PAGES of them — and each shard is a Pagefind bundle of
its own, under `pagefind/<n>/`; the search page merges them. An edit re-indexes one shard. Which
shard an article lands in depends only on its slug and the number of shards, so a cached build makes
the very bundles a clean build does.

Each shard also carries `ids.json`, Pagefind's result id → article URL, so the search page can list,
filter and date-sort matches from search/facets.json without fetching every match's fragment.
Pagefind's filter indexes are not byte-stable between runs (upstream Pagefind #638), so topics,
companies and years are not Pagefind filters: they come from `search/facets.json`, which we write.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from pagefind_bin import get_executable

from .. import code_version, urls
from ..cache import PageMemo
from ..config import SiteConfig
from ..fragments import Fragments
from ..write import atomic_write
from ..model import Article, Site
from ..slugs import slug_for_term

BUNDLE = "pagefind"
SHARD_PAGES = 250
# The parts of Pagefind's bundle the search page loads; its ready-made UIs are not shipped.
_UNUSED = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.")


@cache
def pagefind_version() -> str:
    """What tells one Pagefind binary from another (its size: it has no cheap version query)."""
    return str(get_executable().stat().st_size)


def shard_count(articles: int) -> int:
    """The fewest shards, a power of two, that keep each under SHARD_PAGES (doubling re-shards all)."""
    count = 1
    while count * SHARD_PAGES < articles:
        count *= 2
    return count


def shard_of(slug: str, count: int) -> int:
    # CRC-32, not a cryptographic hash: only an even spread is wanted, and every build asks for each
    # of 10,000 slugs (a SHA-256 each took 20 ms of an edit).
    return zlib.crc32(slug.encode("utf-8")) % count


def pagefind_bundle(pages: dict[str, bytes | Path], config: SiteConfig, staging: Path | None = None,
                    staged: bool = False) -> dict[str, bytes]:
    """Index article pages (bytes, or the file in output/ holding them) with the Pagefind binary.

    Result URLs are site-relative; pagefind.js prefixes them with the site's folder (`/REPO/`, found
    from its own URL), so the bundle works under any sub-path. `staging`, when given, is a folder
    kept between builds for Pagefind to read the pages from (see _stage; `staged`: the caller has
    brought it up to date already); else a temporary one.
    """
    if staging is not None:
        if not staged:
            _stage(pages, staging)
        bundle = _run_pagefind(staging, config)
    else:  # beside output/, so unchanged pages can be hard links to their files there
        config.output_dir.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".digest-pagefind-", dir=config.output_dir.parent) as tmp:
            _stage(pages, Path(tmp))
            bundle = _run_pagefind(Path(tmp), config)
    bundle["ids.json"] = _result_ids(bundle, config)
    return bundle


def _scratch_folders() -> list[str | None]:
    """Where Pagefind may write a bundle for us to read back: memory (/dev/shm) first, where Linux has
    it and TMPDIR does not say otherwise, then the system's temporary folder (None). On this
    project's disk, the same run took 0.4-0.5 s writing its ~180 files to a new folder on disk and
    0.24 s in memory, every time."""
    memory = "/dev/shm"
    if "TMPDIR" not in os.environ and os.path.isdir(memory) and os.access(memory, os.W_OK):
        return [memory, None]
    return [None]


def _run_pagefind(site: Path, config: SiteConfig) -> dict[str, bytes]:
    """Pagefind's bundle for the pages staged in `site`, by file name."""
    command = [str(get_executable()), "--site", str(site), "--force-language", config.language.split("-")[0],
               "--quiet"]
    failure = ""
    for scratch in _scratch_folders():
        # A full /dev/shm (Docker gives 64 MB) is worth one more try on disk: the loop's last.
        try:
            with tempfile.TemporaryDirectory(prefix="digest-pagefind-", dir=scratch) as tmp:
                out = Path(tmp) / "bundle"
                result = subprocess.run([*command, "--output-path", str(out)], capture_output=True, text=True,
                                        check=False)
                if result.returncode == 0:
                    return {p.relative_to(out).as_posix(): p.read_bytes()
                            for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(_UNUSED)}
                failure = result.stderr.strip() or result.stdout.strip()
        except OSError as err:
            failure = str(err)
    raise RuntimeError(f"pagefind failed: {failure}")


def _stage(pages: dict[str, bytes | Path], root: Path) -> None:
    """Make `root` hold exactly these pages, for Pagefind to read. A folder kept between builds is
    brought up to date: a page still linked to its file in output/ stays, new bytes are written,
    pages no longer wanted go. Making it anew would cost a directory a page, a millisecond or more
    each on a busy disk, for an edit that changed one page. Unchanged pages are hard links to their
    files in output/ (copies if output/ is on another disk)."""
    present = {f"{top}/{path}" for top in {p.split("/", 1)[0] for p in pages} for path in _html_below(root / top)}
    for path in sorted(present - pages.keys()):
        os.unlink(f"{root}/{path}")
    for path, data in pages.items():
        target = f"{root}/{path}"
        if path not in present:
            os.makedirs(os.path.dirname(target), exist_ok=True)
        if isinstance(data, bytes):
            atomic_write(Path(target), data, durable=False)
            continue
        if path in present and _same_file(target, data):
            continue
        try:
            os.unlink(target)
        except FileNotFoundError:
            pass
        try:
            os.link(data, target)
        except OSError:
            shutil.copyfile(data, target)


def _html_below(folder: Path) -> list[str]:
    """The HTML files under `folder`, as paths relative to it (none if it does not exist)."""
    found = []
    for parent, _, names in os.walk(folder):
        relative = os.path.relpath(parent, folder).replace(os.sep, "/")
        found.extend(name if relative == "." else f"{relative}/{name}" for name in names if name.endswith(".html"))
    return found


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _result_ids(bundle: dict[str, bytes], config: SiteConfig) -> bytes:
    """Pagefind result id (its fragment's name) → the article's URL under the site's folder."""
    ids = {}
    for name, data in bundle.items():
        if name.startswith("fragment/") and name.endswith(".pf_fragment"):
            fragment = json.loads(gzip.decompress(data).removeprefix(b"pagefind_dcd"))
            ids[name.removeprefix("fragment/").removesuffix(".pf_fragment")] = config.base_path + \
                fragment["url"].lstrip("/")
    return json.dumps(ids, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


def facets(site: Site, config: SiteConfig, shards: list[int], fragments: Fragments | None = None) -> bytes:
    """Every article's URL, title, date and terms, for filtering and date-sorted lists on the search page."""
    taxonomies = sorted(t.key for t in config.taxonomies)
    terms = {t.key: {term.slug: term.name for term in sorted(t.terms, key=lambda term: term.slug)}
             for t in sorted(site.taxonomies, key=lambda t: t.key)}
    slugs: dict[str, str] = {}
    dump = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # noqa: E731

    def entry(article: Article) -> str:
        """An article's entry as JSON, its keys in sorted order (as sort_keys would put them)."""
        fields: dict[str, Any] = {"date": article.date.isoformat()[:10], "summary": article.summary,
                                  "title": article.title, "url": config.base_path + urls.article_path(article.slug)}
        for key in taxonomies:
            names = article.terms_of(key)
            fields[key] = sorted({slugs.get(n) or slugs.setdefault(n, slug_for_term(n)) for n in names})
        return dump({name: fields[name] for name in sorted(fields)})

    # Each entry is kept between builds by what it shows (see fragments.py): a title or tag edit
    # encodes one entry anew, not 10,000 (0.2 s).
    if fragments is not None:
        fragments.preload("facet")
        entries = [fragments.get("facet", a.card_digest, lambda a=a: entry(a)) for a in site.articles]
    else:
        entries = [entry(a) for a in site.articles]
    rest = {"shards": shards,
            "taxonomies": [{"key": t.key, "singular": t.singular, "title": t.title} for t in config.taxonomies],
            "terms": terms}
    # The same bytes as one json.dumps of {"articles": [...], **rest}: its keys are in sorted order.
    text = '{"articles":[' + ",".join(entries) + "]," + dump(rest)[1:]
    return text.encode("utf-8") + b"\n"


def _shard_key(articles: list[Article], config: SiteConfig, count: int, theme: str) -> str:
    """What a shard's bundle depends on: for each article, what Pagefind reads of its page — the URL,
    the title (`data-pagefind-meta`), the date (`data-pagefind-sort`) and the body (`data-pagefind-body`)
    — plus the theme and settings and Pagefind itself. Related links, neighbours and chips
    elsewhere on the page are not indexed, so an edit that only changes those re-indexes nothing."""
    digest = hashlib.sha256(f"{pagefind_version()}|{config.language}|{count}|{theme}".encode())
    for article in articles:
        digest.update(f"{article.slug}\0{article.title}\0{article.date.isoformat()}\0{article.body_digest}\0"
                      .encode("utf-8"))
    return digest.hexdigest()


class SearchJob:
    """The search bundle being made: Pagefind runs in the background for the shards whose pages
    changed (one process a core), while the build renders its other pages; `finish` collects it."""

    def __init__(self, files: dict[str, bytes | None], site: Site, config: SiteConfig, memo: PageMemo | None):
        count = shard_count(len(site.articles))
        members: dict[int, list[Article]] = {}
        for article in site.articles:
            members.setdefault(shard_of(article.slug, count), []).append(article)
        self.members = dict(sorted(members.items()))  # a shard no slug hashes to has no bundle
        self.site, self.config, self.memo = site, config, memo
        self.bundle: dict[str, bytes | None] = {}
        self.stale: dict[int, str] = {}
        # Not the page memo's salt: that changes with every new term name or newest date.
        theme = f"{code_version()}|{memo.theme if memo else ''}|{config!r}"  # the key matters with a memo only
        for number, articles in self.members.items():
            name = f"{BUNDLE}/{number}/"
            kept = memo.keep_unchanged_group(name, (a.slug for a in articles), memo.changed,
                                             lambda a=articles: f"{count}|{' '.join(x.slug for x in a)}") if memo else None
            if kept is None:
                key = _shard_key(articles, config, count, theme)
                kept = memo.keep_group(name, key) if memo is not None else None
            if kept is not None:
                self.bundle.update(dict.fromkeys(kept))
            else:
                self.stale[number] = key

        def pages_of(number: int) -> dict[str, bytes | Path]:
            paths = [urls.file_for(urls.article_path(a.slug)) for a in self.members[number]]
            return {p: files[p] or config.output_dir / p for p in paths}

        def index(number: int, staged: bool) -> dict[str, bytes]:
            staging = self.staging / f"{count}-{number}" if self.staging else None
            return pagefind_bundle(pages_of(number), config, staging, staged)

        # Pages staged for Pagefind, shard by shard, kept between cached builds; those of another
        # shard count (the site grew past a power of two) would only take space.
        self.staging = config.cache_path("pagefind", per_output=True) if memo is not None else None
        staged = set()
        if self.staging is not None and self.staging.is_dir():
            for folder in self.staging.iterdir():
                if not folder.name.startswith(f"{count}-"):
                    shutil.rmtree(folder, ignore_errors=True)
            # A staged shard is brought up to date here, not in the worker: a few hundred stats, 10 ms
            # alone but 150 ms in a thread beside the render, where each one waits for the GIL.
            for number in self.stale:
                if (self.staging / f"{count}-{number}").is_dir():
                    _stage(pages_of(number), self.staging / f"{count}-{number}")
                    staged.add(number)

        self._pool = ThreadPoolExecutor(max_workers=max(1, min(len(self.stale), os.cpu_count() or 1)))
        self._made = {number: self._pool.submit(index, number, number in staged) for number in self.stale}

    def finish(self) -> dict[str, bytes | None]:
        """The whole bundle (None: unchanged on disk), once every Pagefind run is done."""
        try:
            for number, made in self._made.items():
                result = made.result()
                paths = [f"{BUNDLE}/{number}/{name}" for name in result]
                self.bundle.update(zip(paths, result.values()))
                if self.memo is not None:
                    self.memo.fingerprints.update(dict.fromkeys(paths, self.stale[number]))
                    self.memo.record_group(f"{BUNDLE}/{number}/", self.stale[number], paths)
        finally:
            self.cancel()
        facets_file = "search/facets.json"
        render_facets = lambda: facets(self.site, self.config, list(self.members),  # noqa: E731
                                       self.memo.fragments if self.memo else None)
        if self.memo is None:
            self.bundle[facets_file] = render_facets()
        elif self.memo.keep_unchanged(facets_file, (a.slug for a in self.site.articles), self.memo.changed_cards,
                                      lambda: f"{list(self.members)}|{' '.join(a.slug for a in self.site.articles)}"):
            self.bundle[facets_file] = None  # no article's card changed, nor anything else: the same file
        else:  # a card changed (or the shape, or the salt): the entries are kept, the file made again
            self.bundle[facets_file] = render_facets()
            self.memo.made_without_key(facets_file)
        return self.bundle

    def cancel(self) -> None:
        """Stop starting Pagefind runs and wait for those under way (each cleans up after itself)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


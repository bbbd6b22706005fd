"""Articles → the search bundle: Pagefind's full-text index, in shards, plus our own facets file.

Pagefind indexes each article's search document (templates/_search.html: what its page shows of
its title, date and body, with the same marks), which makes the bundle the page would.

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
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, Iterable, Mapping

import jinja2
from markupsafe import Markup

from .. import code_version, urls
from ..cache import PageMemo, differing
from ..config import SiteConfig
from ..fragments import Fragments
from ..parallel import niced
from ..write import atomic_write
from ..model import Article, Site
from ..slugs import slug_for_term

if TYPE_CHECKING:  # concurrent.futures (and logging with it) loads only when Pagefind runs: not for a tag edit
    from concurrent.futures import Future, ThreadPoolExecutor

BUNDLE = "pagefind"
SHARD_PAGES = 250
# The parts of Pagefind's bundle the search page loads; its ready-made UIs are not shipped.
_UNUSED = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.")


@cache
def pagefind_executable() -> Path:
    """The binary the pagefind_bin package ships, looked for where that package's get_executable looks
    (its folder: `pagefind_extended`, then `pagefind`) without importing the package, which loads
    `logging` and `platform` — 12 ms of every build, which asks for the binary's size below. The
    package's own answer when the binary is not there (a layout it may change)."""
    import importlib.util

    spec = importlib.util.find_spec("pagefind_bin")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        for name in ("pagefind_extended", "pagefind"):
            if (candidate := Path(folder, name)).is_file():
                return candidate
    from pagefind_bin import get_executable

    return get_executable()


@cache
def pagefind_version() -> str:
    """What tells one Pagefind binary from another (its size: it has no cheap version query)."""
    return str(pagefind_executable().stat().st_size)


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


def pagefind_bundle(docs: Path | dict[str, bytes], config: SiteConfig, alone: bool = True) -> dict[str, bytes]:
    """Index search documents with the Pagefind binary: a folder holding them (staged, see
    _stage_docs), or the documents themselves (path → bytes), staged in a temporary folder.
    `alone`: no other Pagefind runs meanwhile, so this one may use every core.

    Result URLs are site-relative; pagefind.js prefixes them with the site's folder (`/REPO/`, found
    from its own URL), so the bundle works under any sub-path.
    """
    if isinstance(docs, Path):
        bundle = _run_pagefind(docs, config, alone)
    else:
        config.output_dir.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".digest-pagefind-", dir=config.output_dir.parent) as tmp:
            for path, data in docs.items():
                os.makedirs(os.path.dirname(f"{tmp}/{path}"), exist_ok=True)
                Path(tmp, path).write_bytes(data)
            bundle = _run_pagefind(Path(tmp), config, alone)
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


# A build that indexes several shards runs one Pagefind a core, each on one core (unless the
# environment says otherwise): left to itself, each takes every core. One shard (an edit) is indexed
# on every core: on one, a body edit at 2,000 articles waited 0.2 s longer for it, and one at
# 10,000, whose build has more to do beside it, gained nothing.
_ONE_THREAD = {"RAYON_NUM_THREADS": "1", "TOKIO_WORKER_THREADS": "1"}


def _run_pagefind(site: Path, config: SiteConfig, alone: bool = True) -> dict[str, bytes]:
    """Pagefind's bundle for the pages staged in `site`, by file name."""
    command = [str(pagefind_executable()), "--site", str(site), "--force-language", config.language.split("-")[0],
               "--quiet"]
    # Beside the build's own work, at a lower priority: the build, whose end it waits for anyway, is
    # not slowed by it. Edits at 10,000 articles on two cores, medians of 14-20 alternating runs:
    # body, title and tag edits 50-90 ms sooner (a body edit's run, started early, 65 ms).
    command = niced(command, 10)
    failure = ""
    for scratch in _scratch_folders():
        # A full /dev/shm (Docker gives 64 MB) is worth one more try on disk: the loop's last.
        try:
            with tempfile.TemporaryDirectory(prefix="digest-pagefind-", dir=scratch) as tmp:
                out = Path(tmp) / "bundle"
                result = subprocess.run([*command, "--output-path", str(out)], capture_output=True, text=True,
                                        check=False, env=None if alone else _ONE_THREAD | dict(os.environ))
                if result.returncode == 0:
                    return _read_tree(str(out))
                failure = result.stderr.strip() or result.stdout.strip()
        except OSError as err:
            failure = str(err)
    raise RuntimeError(f"pagefind failed: {failure}")


def _read_tree(folder: str) -> dict[str, bytes]:
    """Every file below `folder` but those we never serve, by its path relative to it, in path order.
    (os.walk, not Path.rglob: a shard's bundle is 300 files, read back in a thread beside the build,
    whose time it shares.)"""
    found = {}
    for parent, _, names in os.walk(folder):
        relative = os.path.relpath(parent, folder).replace(os.sep, "/")
        for name in names:
            if not name.startswith(_UNUSED):
                with open(os.path.join(parent, name), "rb") as handle:
                    found[name if relative == "." else f"{relative}/{name}"] = handle.read()
    return dict(sorted(found.items()))


_STAGED = ".staged.json"  # in a staging folder: the theme and each document's key, as staged


def _staging_folder(config: SiteConfig) -> Path:
    """Where each shard's documents are staged, in a folder `<shard count>-<shard>` (see _stage_docs)."""
    return config.cache_path("pagefind", per_output=True)


def _staged_keys(root: Path, theme: str) -> dict[str, str] | None:
    """The key of each document staged in `root` (by its path), if they were staged with this theme;
    None if not, or if the folder is not whole (its record is written last)."""
    try:
        staged = json.loads((root / _STAGED).read_bytes())
        return dict(staged["docs"]) if staged["theme"] == theme else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _stage_docs(root: Path, theme: str, docs: dict[str, tuple[str, Callable[[], bytes]]]) -> None:
    """Make `root` hold exactly these search documents (path → its key and how to make it), for
    Pagefind to read. A folder kept between builds is brought up to date: a document staged with
    the same key and theme stays, the others are made, those no longer wanted go. Making it anew
    would cost a directory a page, a millisecond or more each on a busy disk, for an edit that
    changed one page."""
    record = root / _STAGED
    keys = _staged_keys(root, theme) or {}
    record.unlink(missing_ok=True)  # claims nothing until the folder is whole again (a build killed meanwhile)
    present = set(_html_below(root))
    for path in sorted(present - docs.keys()):
        os.unlink(f"{root}/{path}")
    for path, (key, make) in docs.items():
        if path in present and keys.get(path) == key:
            continue
        os.makedirs(os.path.dirname(f"{root}/{path}"), exist_ok=True)
        Path(root, path).write_bytes(make())
    atomic_write(record, json.dumps({"docs": {path: key for path, (key, _) in docs.items()}, "theme": theme},
                                    ensure_ascii=False, sort_keys=True).encode("utf-8"), durable=False)


def _staged_as(root: Path, theme: str, docs: Mapping[str, tuple[str, Any]]) -> bool:
    """Were these documents (path → key) staged in `root` with this theme? By its record alone, which
    _stage_docs writes once the folder holds exactly them (and removes before it changes anything):
    asked of a folder staged moments ago in this build (see SearchJob), it needs no walk of it."""
    return _staged_keys(root, theme) == {path: key for path, (key, _) in docs.items()}


def _html_below(folder: Path) -> list[str]:
    """The HTML files under `folder`, as paths relative to it (none if it does not exist)."""
    found = []
    top = str(folder)
    for parent, _, names in os.walk(top):
        # (each folder's path cut from the walk's own, not os.path.relpath: 300 folders a shard)
        relative = parent[len(top) + 1:].replace(os.sep, "/")
        found.extend(f"{relative}/{name}" if relative else name for name in names if name.endswith(".html"))
    return found


def _result_ids(bundle: dict[str, bytes], config: SiteConfig) -> bytes:
    """Pagefind result id (its fragment's name) → the article's URL under the site's folder."""
    ids = {}
    for name, data in bundle.items():
        if name.startswith("fragment/") and name.endswith(".pf_fragment"):
            fragment = json.loads(gzip.decompress(data).removeprefix(b"pagefind_dcd"))
            ids[name.removeprefix("fragment/").removesuffix(".pf_fragment")] = config.base_path + \
                fragment["url"].lstrip("/")
    return json.dumps(ids, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


def facets(site: Site, config: SiteConfig, shards: list[int], fragments: Fragments | None = None,
           previous: tuple[bytes, AbstractSet[str]] | None = None) -> bytes:
    """Every article's URL, title, date and terms, for filtering and date-sorted lists on the search page.

    One entry a line. `previous`: the last build's file, its entries in the same order, and the slugs
    of the articles whose entries may differ — the others are taken as they were.
    """
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
    # encodes one entry anew, not 10,000 (0.2 s) — or, with the last build's file, reads none back.
    entry_of = lambda a: fragments.get("facet", a.card_digest, lambda: entry(a)) if fragments else entry(a)  # noqa: E731
    rest = {"shards": shards,
            "taxonomies": [{"key": t.key, "singular": t.singular, "title": t.title} for t in config.taxonomies],
            "terms": terms}
    # The same as json.dumps of {"articles": [...], **rest} (its keys are in sorted order), but for the
    # line breaks between entries, which JSON allows and no entry holds: see SearchJob.finish.
    tail = "]," + dump(rest)[1:]
    count = len(site.articles)
    lines = previous[0].split(b"\n") if previous is not None else []
    if len(lines) == count + 3 and lines[0] == b'{"articles":[' and lines[-2].startswith(b"],"):
        # The last file's lines, as bytes, with the changed entries and the tail put in: a title or
        # tag edit neither decodes nor encodes 4 MB at 10,000 articles (25 ms less).
        changed = previous[1] if previous is not None else frozenset()
        for number, article in enumerate(site.articles, 1):
            if article.slug in changed:
                lines[number] = (entry_of(article) + ("," if number < count else "")).encode("utf-8")
        lines[-2] = tail.encode("utf-8")
        return b"\n".join(lines)
    if fragments is not None:
        fragments.preload("facet")
    text = '{"articles":[\n' + ",\n".join(entry_of(a) for a in site.articles) + "\n" + tail
    return text.encode("utf-8") + b"\n"


def _doc_key(article: Article) -> str:
    """What its search document shows: the URL, the title (`data-pagefind-meta`), the date
    (`data-pagefind-sort`) and the body (`data-pagefind-body`)."""
    return f"{article.slug}\0{article.title}\0{article.date.isoformat()}\0{article.body_digest}"


def _shard_key(articles: list[Article], settings: str) -> str:
    """What a shard's bundle depends on: each article's search document, and `settings` (Pagefind
    itself, the language, the shard count, the theme). Terms, related links, neighbours and chips are
    not indexed, so an edit that only changes those re-indexes nothing."""
    digest = hashlib.sha256(settings.encode("utf-8"))
    for article in articles:
        digest.update(_doc_key(article).encode("utf-8") + b"\0")
    return digest.hexdigest()


def _staging_theme(config: SiteConfig, theme: str) -> str:
    """What every search document depends on besides its article: the code, templates and settings."""
    return f"{code_version()}|{theme}|{config!r}"


def _search_doc(template: jinja2.Template, article: Article, bodies: Mapping[str, str]) -> Callable[[], bytes]:
    return lambda: template.render(article=article, body=Markup(bodies[article.body_digest])).encode("utf-8")


@dataclass(frozen=True, slots=True)
class EarlyRun:
    """Pagefind started on one shard before the other articles are read back (see start_early):
    shard `number` of `count`, staged in `made`."""

    count: int
    number: int
    made: Path
    future: Future[dict[str, bytes]]
    pool: ThreadPoolExecutor

    def cancel(self) -> None:
        """Wait for the run (it cleans up after itself); its result is not used."""
        self.pool.shutdown(wait=True, cancel_futures=True)


class _NotStaged(Exception):
    """A document start_early would have to make without its article: the run is not started."""


def start_early(config: SiteConfig, env: jinja2.Environment, theme: str, articles_before: int,
                parsed: list[Article], bodies: Mapping[str, str]) -> EarlyRun | None:
    """Start Pagefind on the shard of the one article an edit changed, as soon as its page is parsed.

    When an edit changes one article and keeps its slug, that article's shard holds the documents
    the last build staged for it (see _stage_docs), but its own: so Pagefind can start on them
    before the other 10,000 articles are read back, and a body edit, whose build has little else to
    do, no longer ends waiting for it. It is a guess: SearchJob adopts the run only if the shard it
    finds stale is this one, staged with the very documents it would stage; else the run is waited
    for and dropped. `articles_before`: how many articles the last build had (so, how many shards).
    """
    if len(parsed) != 1 or not articles_before:
        return None
    (article,) = parsed
    count = shard_count(articles_before)
    number = shard_of(article.slug, count)
    root = _staging_folder(config) / f"{count}-{number}"
    staging_theme = _staging_theme(config, theme)
    staged = _staged_keys(root, staging_theme)
    own = urls.file_for(urls.article_path(article.slug))
    if staged is None or own not in staged or staged[own] == _doc_key(article):
        # Another theme, or the article's slug is new: not a shard as it was. Or its document is the
        # same (a tag edit): nothing to index again.
        return None

    def unmade() -> bytes:
        raise _NotStaged

    docs: dict[str, tuple[str, Callable[[], bytes]]] = {path: (key, unmade) for path, key in staged.items()}
    docs[own] = (_doc_key(article), _search_doc(env.get_template("_search.html"), article, bodies))
    try:
        _stage_docs(root, staging_theme, docs)
    except _NotStaged:  # a document went missing from the folder: SearchJob stages it whole
        return None
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    return EarlyRun(count, number, root, pool.submit(pagefind_bundle, root, config, True), pool)


class SearchJob:
    """The search bundle being made: Pagefind runs in the background for the shards whose articles
    changed (one process a core) while the build indexes and renders the site; `finish` collects it.

    Pagefind reads each article's search document (templates/_search.html: title, date, body), not
    its page, so it can start as soon as the articles are loaded: a page also shows related articles
    and neighbours, which the index has yet to work out.

    `memo` keeps the shards whose key is what it was (a memo over the last build with no salt of
    its own: the pages' salt needs the index, and the key names all a bundle depends on).
    """

    def __init__(self, articles: Iterable[Article], bodies: Mapping[str, str], config: SiteConfig,
                 env: jinja2.Environment, theme: str, memo: PageMemo | None, early: EarlyRun | None = None):
        ordered = sorted(articles, key=lambda a: a.slug)
        count = shard_count(len(ordered))
        members: dict[int, list[Article]] = {}
        for article in ordered:
            members.setdefault(shard_of(article.slug, count), []).append(article)
        self.members = dict(sorted(members.items()))  # a shard no slug hashes to has no bundle
        self.config, self.memo = config, memo
        self.bundle: dict[str, bytes | None] = {}
        self.stale: dict[int, str] = {}
        theme = _staging_theme(config, theme)
        settings = f"{pagefind_version()}|{config.language}|{count}|{theme}"
        # A shard none of whose articles changed since the last build (by their digests in its record:
        # fields as parsed, so an article renamed by an alias counts as changed), with the same members,
        # theme and Pagefind, is kept without its key — 10,000 dates formatted, 25 ms of every edit.
        recorded = memo.last.site.get("articles") if memo is not None else None
        changed = frozenset(a.slug for a in differing(recorded, ordered)) \
            if isinstance(recorded, dict) else None
        for number, shard in self.members.items():
            name = f"{BUNDLE}/{number}/"
            kept = memo.keep_unchanged_group(name, (a.slug for a in shard), changed,
                                             lambda s=shard: f"{settings}|{' '.join(a.slug for a in s)}") \
                if memo is not None else None
            fingerprint = ""
            if kept is None:
                fingerprint = _shard_key(shard, settings)  # a hash already
                kept = memo.keep_group(name, fingerprint) if memo is not None else None
            if kept is not None:
                self.bundle.update(dict.fromkeys(kept))
            else:
                self.stale[number] = fingerprint

        template = env.get_template("_search.html")

        def docs_of(number: int) -> dict[str, tuple[str, Callable[[], bytes]]]:
            return {urls.file_for(urls.article_path(a.slug)): (_doc_key(a), _search_doc(template, a, bodies))
                    for a in self.members[number]}

        self._pool: ThreadPoolExecutor | None = None  # made when a shard is to be indexed (see _index)
        self._made: dict[int, Future[dict[str, bytes]]] = {}
        self._early: EarlyRun | None = None
        if early is not None:
            # Adopted only if it indexes what this job would: the one stale shard, as it would stage it.
            if list(self.stale) == [early.number] and count == early.count \
                    and _staged_as(early.made, theme, docs_of(early.number)):
                self._early = early
                self._made[early.number] = early.future
            else:
                early.cancel()
        # Documents staged for Pagefind, shard by shard, kept between cached builds; those of another
        # shard count (the site grew past a power of two) would only take space. Each shard is staged
        # here, where its bodies are read, and indexed in the background at once.
        staging = _staging_folder(config) if memo is not None else None
        if staging is not None and staging.is_dir():
            for folder in staging.iterdir():
                if not folder.name.startswith(f"{count}-"):
                    shutil.rmtree(folder, ignore_errors=True)
        for number in self.stale:
            if number in self._made:  # started early
                continue
            docs = docs_of(number)
            if staging is None:
                made: Path | dict[str, bytes] = {path: make() for path, (_, make) in docs.items()}
            else:
                made = staging / f"{count}-{number}"
                _stage_docs(made, theme, docs)
            self._made[number] = self._index(made)

    def _index(self, docs: Path | dict[str, bytes]) -> Future[dict[str, bytes]]:
        """Pagefind started on one stale shard's documents, in the background."""
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=max(1, min(len(self.stale), os.cpu_count() or 1)))
        return self._pool.submit(pagefind_bundle, docs, self.config, len(self.stale) == 1)

    def finish(self, site: Site, memo: PageMemo | None) -> dict[str, bytes | None]:
        """The whole bundle (None: unchanged on disk), once every Pagefind run is done; `memo`, the
        build's page memo, takes over what this job's kept and made."""
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
        if memo is not None and self.memo is not None:
            memo.absorb(self.memo)
        facets_file = "search/facets.json"
        shards = list(self.members)
        if memo is None:
            self.bundle[facets_file] = facets(site, self.config, shards)
        elif memo.keep_unchanged(facets_file, (a.slug for a in site.articles), memo.changed_cards,
                                 lambda: f"{shards}|{' '.join(a.slug for a in site.articles)}", lambda c: c.order):
            self.bundle[facets_file] = None  # no article's card changed, nor anything else: the same file
        else:  # a card changed (or the order, or the salt): the file is made again
            # With the order and salt the same, the last build's file has every other entry, a line
            # each: a title edit reads 4 MB back rather than 10,000 entries from the record.
            previous = memo.last_bytes(facets_file) if memo.changed_cards is not None \
                and memo.shapes.get(facets_file) == memo.last.shapes.get(facets_file) else None
            self.bundle[facets_file] = facets(site, self.config, shards, memo.fragments,
                                              (previous, memo.changed_cards) if previous is not None else None)
            memo.made_without_key(facets_file)
        return self.bundle

    def cancel(self) -> None:
        """Stop starting Pagefind runs and wait for those under way (each cleans up after itself)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._early is not None:
            self._early.cancel()

"""The build caches: parsed pages kept by their content hash, and rendered pages by their inputs.

Plain data beside site.yaml in `.digest-cache/` — SQLite and JSON, never pickle. The page cache is
keyed by the package's version and code (generator.code_version) and the settings that change
parsing; a cache that is corrupt, foreign or from other code is ignored with a notice and rebuilt,
never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import code_version, warm
from .config import SiteConfig
from .fragments import Fragments
from .lastbuild import GroupRow, LastBuild, fingerprint_of, new_token, stat_of
from .content import ParsedPage, PreviousBody
from .survey import PageStat, Survey, cache_file, compare
from .index import PreviousIndex
from .model import Article, IndexChanges, Problem, Site
from .write import atomic_write

FORMAT = 6
# The fingerprint of a group or file kept or made without its key (see keep_unchanged_group): no key
# matches it, so such files are kept again by their shape alone.
MADE_WITHOUT_KEY = "-"
# Whether an index's changes may have moved a page's shape (see PageMemo._same_shape).
Moved = Callable[[IndexChanges], bool]
# A page's row: size, mtime_ns, the hash of its bytes, its problems (JSON), its body's digest and the
# digest of its body's Markdown (None for a page without an article).
PageRow = tuple[int, int, str, str, "str | None", "str | None"]


class CacheUnreadable(Exception):
    """The content cache turned out not to be one to trust, after the build began to use it: the
    message says which, for a notice. The build starts again without it (see build.py)."""


def cache_key(config: SiteConfig) -> str:
    """What parsing depends on besides the page itself."""
    parts = [str(FORMAT), code_version(), str(config.allow_raw_html), ",".join(t.key for t in config.taxonomies),
             ",".join(Article._fields)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS info (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                                  sha TEXT NOT NULL, problems TEXT NOT NULL, body TEXT, source TEXT);
CREATE TABLE IF NOT EXISTS articles (id INTEGER PRIMARY KEY CHECK (id = 1), columns BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS bodies (digest TEXT PRIMARY KEY, html TEXT NOT NULL);
"""
# Every page's article is in one row, a document of columns (see articlecolumns.py), saved with the
# pages table in one transaction; its fields are part of cache_key, so an Article with a new field
# never meets a document without it.


@dataclass
class ContentCache:
    """Parsed pages by path, each with the stat and hash of the bytes it came from.

    Pages (stat, hash, problems, body digest, the digest of the body's Markdown) are a table; their
    articles (every field but the body) one document (see articlecolumns.py); bodies a table of their
    own, read one by one, only for pages that are rendered again (or whose front matter alone changed:
    see content.PreviousBody). A build therefore reads little more than front matter — and of the
    pages table only the rows of the pages the survey found changed or gone (`entries`; every row
    under digest serve): the others are `hits`, their articles read back whole by `reused`.
    """

    key: str
    file: Path | None = None
    entries: dict[str, PageRow] = field(default_factory=dict)
    notice: str = ""
    to_read: tuple[PageStat, ...] = ()  # pages whose stat is not their entry's (or that have none)
    hits: list[str] = field(default_factory=list)
    gone: tuple[str, ...] = ()  # pages with an entry that content/ no longer has
    problems: dict[str, str] = field(default_factory=dict)  # the hits' warnings (JSON), for those with any
    changed: dict[str, PageRow] = field(default_factory=dict)
    new_articles: dict[str, Article | None] = field(default_factory=dict)  # page → its article as parsed now
    new_bodies: dict[str, str] = field(default_factory=dict)
    # The save whose pages table this is; its articles document, once read (see _document).
    token: str = ""
    columns: bytes | None = None
    hit_articles: dict[str, Article] | None = None  # the hits' articles by page, once `reused` has them
    _db: sqlite3.Connection | None = None

    def lookup(self, page: PageStat) -> tuple[bool, bytes]:
        """(hit, the bytes read) for a page of `to_read` — whose stat is not its entry's, so it is read:
        a page whose bytes hash as its entry's is a hit all the same, kept for `reused`."""
        entry = self.entries.get(page.path)
        with open(page.file, "rb") as handle:
            data = handle.read()
        if entry and entry[2] == hashlib.sha256(data).hexdigest():
            self.changed[page.path] = (page.size, page.mtime_ns, *entry[2:])
            self.hits.append(page.path)
            if entry[3] != "[]":
                self.problems[page.path] = entry[3]
            return True, data
        return False, data

    def reused(self) -> tuple[list[Article], list[Problem]]:
        """The articles (drafts left out) and warnings of every page `lookup` found unchanged.
        Raises CacheUnreadable if the articles document is not one (see build.py)."""
        # A long-running process keeps each page's article by the page's hash (see warm.py); the rest
        # are read back from the document.
        known = {path: warm.recall(("article", path), (self.key, self.entries[path][2])) for path in self.hits} \
            if warm.enabled() else dict.fromkeys(self.hits)
        columns = self._document() if None in known.values() else None
        if columns:
            from . import articlecolumns  # (msgspec: 20 ms a build that finds nothing changed never needs)

            try:
                stored = articlecolumns.decode(columns)
            except ValueError as err:
                raise CacheUnreadable(f"{self.file}: unreadable ({err}); ignored it and rebuilt it") from None
            for path, article in stored:
                if path in known and known[path] is None:
                    known[path] = warm.keep(("article", path), (self.key, self.entries[path][2]), article) \
                        if warm.enabled() else article
        self.hit_articles = {path: article for path, article in known.items() if article is not None}
        articles = sorted(self.hit_articles.values(), key=lambda a: a.path)
        problems = [Problem(path, line, message, warning) for path in self.hits if path in self.problems
                    for line, message, warning in json.loads(self.problems[path])]
        return articles, problems

    def _document(self) -> bytes | None:
        """The articles document of the save the pages were compared with. Read only when an article
        is not in memory — always by `digest build`, rarely under `digest serve` — and only once the
        edited pages are parsed (7 MB at 10,000 articles: Pagefind starts on an edited page 20 ms
        sooner)."""
        if self.columns is None and self._db is not None:
            try:
                self._db.execute("BEGIN")
                token = dict(self._db.execute("SELECT name, value FROM info WHERE name = 'token'")).get("token")
                row = self._db.execute("SELECT columns FROM articles WHERE id = 1").fetchone()
                self.columns = row[0] if row else None
                self._db.commit()
            except sqlite3.Error as err:
                raise CacheUnreadable(f"{self.file}: unreadable ({err}); ignored it and rebuilt it") from None
            if token != self.token:
                raise CacheUnreadable(f"{self.file}: saved by another build while this one read it; rebuilt it")
        return self.columns

    def store(self, page: PageStat, data: bytes, parsed: ParsedPage) -> None:
        article = parsed.article
        self.changed[page.path] = (page.size, page.mtime_ns, hashlib.sha256(data).hexdigest(),
                                   json.dumps([[p.line, p.message, p.warning] for p in parsed.problems],
                                              ensure_ascii=False),
                                   article.body_digest if article else None, parsed.source if article else None)
        self.new_articles[page.path] = article
        if article is not None:
            warm.keep(("article", page.path), (self.key, self.changed[page.path][2]), article)
            self.new_bodies[article.body_digest] = parsed.body_html

    def previous_body(self, path: str) -> PreviousBody | None:
        """The body the last parse of this page made, to be reused if its Markdown is unchanged."""
        entry = self.entries.get(path)
        if entry is None or entry[4] is None or entry[5] is None:
            return None
        html = self.body(entry[4])
        return PreviousBody(entry[5], html) if html is not None else None

    def body(self, digest: str) -> str | None:
        """A body stored by an earlier build, by the hash of its HTML."""
        if digest in self.new_bodies:
            return self.new_bodies[digest]
        if self._db is None:
            return None
        row = self._db.execute("SELECT html FROM bodies WHERE digest = ?", (digest,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def unsaved(self) -> bool:
        """Has this build anything for `save` to keep? (A page read anew, one gone, or a cache that was
        not there to trust.) Asked before `close`."""
        return self.file is not None and bool(self.changed or self.gone or self._db is None)

    def save(self) -> None:
        """Keep what this build used: pages since deleted drop out, and bodies no page has any more.
        (Where the build may, in a child left to finish after it: see build.py. Its connection is
        then made anew, never one opened before the fork.)"""
        if self.file is None or (self.hits and self.hit_articles is None):
            return  # (the hits' articles never read back: they would be missing from the document)
        gone = self.gone
        try:
            from . import articlecolumns

            db = self._db or _connect(self.file)
            with db:
                token = new_token()  # this save's: see load_cache
                db.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", [("key", self.key), ("token", token)])
                db.executemany("DELETE FROM pages WHERE path = ?", [(p,) for p in gone])
                db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [(p, *row) for p, row in sorted(self.changed.items())])
                # Every page's article, the hits' and those parsed now (a page now a draft has none).
                articles = {**(self.hit_articles or {}), **self.new_articles}
                db.execute("INSERT OR REPLACE INTO articles VALUES (1, ?)", (articlecolumns.encode(
                    (page, article) for page, article in sorted(articles.items()) if article is not None),))
                db.executemany("INSERT OR IGNORE INTO bodies VALUES (?, ?)", sorted(self.new_bodies.items()))
                # Bodies only the replaced or removed pages had: another page may share one (two empty bodies).
                dropped = {self.entries[p][4] for p in [*gone, *self.changed] if p in self.entries} - {None}
                db.executemany("DELETE FROM bodies WHERE digest = ? AND digest NOT IN (SELECT body FROM pages "
                               "WHERE body IS NOT NULL)", [(d,) for d in sorted(dropped)])
            db.close()
            self._db = None
        except sqlite3.Error:
            return  # a cache that cannot be written costs time next build, nothing else
        if warm.enabled():  # then `entries` holds every row
            entries = dict(self.entries)
            for path in gone:
                entries.pop(path, None)
            entries.update(self.changed)
            warm.keep(("content entries", self.file), token, entries)


def _connect(file: Path) -> sqlite3.Connection:
    file.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(file)
    db.execute("PRAGMA synchronous = OFF")  # a cache: losing the last write costs a re-parse, no more
    db.executescript(_SCHEMA)
    return db


def load_cache(config: SiteConfig, found: Survey) -> ContentCache:
    """The cache for this site, or an empty one (with a notice saying why) if it cannot be trusted,
    knowing which pages to read from `found`, this build's survey — unless the cache was saved since
    the survey compared pages with it: then they are compared again here."""
    key = cache_key(config)
    file = cache_file(config)
    if not file.exists():
        return ContentCache(key, file, to_read=_with_hits(config, found))
    db = None
    try:
        db = _connect(file)
        db.execute("BEGIN")  # the token and the pages of one save: another build may save meanwhile
        info = dict(db.execute("SELECT name, value FROM info WHERE name IN ('key', 'token')"))
        if info.get("key") == key:
            token = info.get("token", "")
            if token == found.cache and not warm.enabled():
                return _surveyed(key, file, db, found)
            # A long-running process keeps the pages table as its last save left it (see warm.py).
            entries = warm.recall(("content entries", file), token) or {row[0]: tuple(row[1:]) for row in db.execute(
                "SELECT path, size, mtime_ns, sha, problems, body, source FROM pages")}
            if token == found.cache:
                to_read, hits, gone = found.changed, list(found.hits), found.gone
            else:
                pages = _with_hits(config, found)
                to_read, hits = compare(pages, entries)
                gone = tuple(sorted(entries.keys() - {page.path for page in pages}))
            problems = {path: entries[path][3] for path in hits if entries[path][3] != "[]"}
            db.commit()
            return ContentCache(key, file, entries, to_read=tuple(to_read), hits=hits, gone=gone,  # type: ignore[arg-type]
                                problems=problems, token=token, _db=db)
        notice = f"{file}: made by other code (another version) or settings; rebuilt it"
    except sqlite3.Error as err:
        notice = f"{file}: unreadable ({err}); ignored it and rebuilt it"
    if db is not None:
        db.close()
    _discard(file)
    return ContentCache(key, file, notice=notice, to_read=_with_hits(config, found))


def rebuilt_cache(config: SiteConfig, found: Survey) -> ContentCache:
    """An empty cache in place of one found unreadable once in use (see CacheUnreadable): every page
    the survey listed is read again, and the cache saved anew."""
    file = cache_file(config)
    _discard(file)
    return ContentCache(cache_key(config), file, to_read=_with_hits(config, found))


def _surveyed(key: str, file: Path, db: sqlite3.Connection, found: Survey) -> ContentCache:
    """The cache the survey compared pages with: of the pages table, only the rows of the pages it did
    not find unchanged (mostly none) and the warnings of the others."""
    wanted = sorted({*(page.path for page in found.changed), *found.gone})
    entries = {}
    for start in range(0, len(wanted), 500):  # SQLite's limit on the variables of one statement
        chunk = wanted[start:start + 500]
        entries.update((row[0], tuple(row[1:])) for row in db.execute(
            "SELECT path, size, mtime_ns, sha, problems, body, source FROM pages "
            f"WHERE path IN ({','.join('?' * len(chunk))})", chunk))
    hits = set(found.hits)
    problems = {path: text for path, text in db.execute("SELECT path, problems FROM pages WHERE problems != '[]'")
                if path in hits}
    db.commit()  # (the read transaction load_cache began)
    return ContentCache(key, file, entries, to_read=found.changed, hits=list(found.hits),  # type: ignore[arg-type]
                        gone=found.gone, problems=problems, token=found.cache, _db=db)


def _with_hits(config: SiteConfig, found: Survey) -> tuple[PageStat, ...]:
    """Every page the survey listed, to be read: its hits too, with their stat now."""
    if not found.hits:
        return found.changed
    root = config.config_path.parent
    pages = list(found.changed)
    for path in found.hits:
        file = os.path.join(root, path)
        try:
            stat = os.stat(file)
        except OSError:
            continue  # deleted since: as if it had not been listed
        pages.append(PageStat(path, file, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(pages, key=lambda page: page.file))


def _discard(file: Path) -> None:
    for leftover in (file, file.with_name(file.name + "-journal")):
        leftover.unlink(missing_ok=True)


@dataclass
class PageMemo:
    """Skips rendering a page whose inputs are unchanged and whose file is still as the last build left it.

    A page's fingerprint hashes its key — what its template receives, each article, term or month by
    the hash of all its fields (see render.PagePlan) — plus `salt` (package version and code, settings,
    templates, term names). Rendering is deterministic, so the same fingerprint means the same bytes.

    Files made together (a term's pages, a search shard's bundle) can also be kept as a named group
    with one fingerprint for all of them, so a build that finds the group unchanged never makes
    their keys one by one. What the last build made is read from its record (lastbuild.py).

    Cheaper still, a group (or a file) whose key is known to be what it was is kept with no key at
    all (keep_unchanged_group): when the salt is the same, none of the articles it shows changed, and
    its shape — which articles it shows, in what order, and the term, month or neighbours they are
    shown with — is the last build's. So a tag edit re-renders the pages of the terms it touched and
    of the articles whose related list moved, not every page that lists an article.
    """

    output_dir: Path
    salt: str
    last: LastBuild = field(default_factory=LastBuild)
    fingerprints: dict[str, str] = field(default_factory=dict)  # of the files made again; kept ones keep theirs
    groups: dict[str, GroupRow] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)  # skipped: the file is still as `last` records it
    # The slugs of the articles whose fields differ from the last build's (or new), when the salt is
    # the same; None when it is not (settings, templates, term names: every key differs).
    changed: frozenset[str] | None = None
    changed_cards: frozenset[str] | None = None  # the same, by what other pages show of them (card_digest)
    # Each group's or file's shape this build, by name (see keep_unchanged_group); `index_changes`: how
    # the site's index differs from the last build's (None: not known), so that a shape the changes
    # cannot have moved is known to be as recorded, and need not be made.
    shapes: dict[str, str] = field(default_factory=dict)
    index_changes: IndexChanges | None = None
    fragments: Fragments | None = None  # cards and search entries kept from earlier builds (fragments.py)
    site_state: dict[str, Any] = field(default_factory=dict)  # what `changed` is worked out from next time
    articles: tuple[Article, ...] = ()  # the site's, for recorded_state
    theme: str = ""  # templates_digest of the templates this build uses, read once for all that needs it
    # True when the build has just found every file of output/ as the last build left it (see
    # stamp.check_stamp): a fingerprint match is then enough, with no stat of the file.
    files_intact: bool = False

    def fingerprint(self, parts: Any) -> str:
        text = parts if isinstance(parts, str) else repr(parts)  # a group's key can be megabytes: no repr copy
        return hashlib.sha256((self.salt + text).encode("utf-8")).hexdigest()

    def _intact(self, path: str, fingerprint: str | None) -> bool:
        """Did the last build make this file from this fingerprint, and is it still as it left it?"""
        old = self.last.files.get(path)
        if fingerprint is None or fingerprint_of(old) != fingerprint:
            return False
        if self.files_intact:
            return True
        try:
            stat = os.stat(f"{self.output_dir}/{path}")
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == stat_of(old)  # type: ignore[arg-type]

    def produce(self, path: str, parts: Any, render: Any) -> bytes | None:
        """The page's bytes, or None when the file in output/ is already exactly them."""
        fingerprint = self.fingerprint(parts)
        self.fingerprints[path] = fingerprint
        if self._intact(path, fingerprint):
            self.kept.add(path)
            return None
        return render()

    def keep_group(self, name: str, fingerprint: str) -> list[str] | None:
        """The files of the group `name` if the last build made it from this fingerprint and every
        file is still as that build left it (all are then kept); None if the group must be made again."""
        old = self.last.groups.get(name)
        if not old or old[0] != fingerprint:
            return None
        files, paths = self.last.files, old[1]
        if self.files_intact:  # every recorded file is as recorded: each needs only to be recorded
            if not all(map(files.__contains__, paths)):  # (no set made of each group's paths: 4x faster)
                return None
        elif not all(self._intact(path, fingerprint_of(files.get(path))) for path in paths):
            return None
        self.kept.update(paths)  # recorded again as they were (see lastbuild.stat_outputs)
        self.groups[name] = old
        return list(paths)

    def record_group(self, name: str, fingerprint: str, paths: list[str]) -> None:
        """Remember the files a group was made into this time, for keep_group next time."""
        self.groups[name] = (fingerprint, tuple(paths))

    def remember(self, name: str, key: str, compute: Callable[[], Any]) -> Any:
        """A plain value worked out from what `key` names alone (the templates, say), kept from the
        last build while `key` is the same."""
        facts = self.last.site.get("facts")
        old = facts.get(name) if isinstance(facts, dict) else None
        value = old[1] if isinstance(old, list) and len(old) == 2 and old[0] == key else compute()
        self.site_state.setdefault("facts", {})[name] = [key, value]
        return value

    def keep_unchanged(self, path: str, shows: Iterable[str], changed: frozenset[str] | None,
                       shape: Callable[[], str], moved: Moved | None = None) -> bool:
        """keep_unchanged_group for one file: kept (True) if it shows none of the `changed` articles,
        its shape and the salt are the same, and the file is as the last build left it."""
        same = self._same_shape(path, shape, moved)
        if changed is None or not same or not changed.isdisjoint(shows) \
                or not self._intact(path, fingerprint_of(self.last.files.get(path))):
            return False
        self.kept.add(path)
        return True

    def absorb(self, other: "PageMemo") -> None:
        """Take over what another memo over the same last build kept and made (the search bundle's,
        whose keys need no salt: see outputs.search.SearchJob), so that this one records it."""
        self.kept |= other.kept
        self.groups.update(other.groups)
        self.fingerprints.update(other.fingerprints)
        self.shapes.update(other.shapes)

    def last_bytes(self, path: str) -> bytes | None:
        """The file the last build left at `path`, if it is still as that build left it."""
        if not self._intact(path, fingerprint_of(self.last.files.get(path))):
            return None
        try:
            return (self.output_dir / path).read_bytes()
        except OSError:
            return None

    def made_without_key(self, path: str) -> None:
        """Record a file made again when keep_unchanged said no: its key would rarely match the last
        one (an article it shows changed, or its shape did) and is not worth making when it is large."""
        self.fingerprints[path] = MADE_WITHOUT_KEY

    def keep_unchanged_group(self, name: str, shows: Iterable[str], changed: frozenset[str] | None,
                             shape: Callable[[], str], moved: Moved | None = None) -> list[str] | None:
        """keep_group without a fingerprint, for a group whose key is known to be what it was: its
        pages show none of the `changed` articles (`self.changed`, or those reaching them), its
        `shape` is the last build's, and the salt is the same (else `changed` is None).

        `shape` names what the key depends on besides the salt and the fields of the articles in
        `shows`: which articles, in what order, with which term, month or neighbours. Made only when
        the site's index changed in a way that may have `moved` it (see _same_shape); recorded for
        the next build whether the group is kept or not."""
        old = self._reusable(name, changed, shape, moved)
        if old is None or changed is None or not changed.isdisjoint(shows):
            return None
        return self.keep_group(name, old[0])

    def pages_to_remake(self, name: str, shows: Iterable[str], pages: Callable[[], Mapping[str, Iterable[str]]],
                        changed: frozenset[str] | None, shape: Callable[[], str],
                        moved: Moved | None = None) -> tuple[list[str], list[str]] | None:
        """keep_unchanged_group page by page (`pages`: each file and the articles its key depends on):
        when the group's shape and the salt are the last build's, every page is kept but those that
        depend on a `changed` article (and any file not as the last build left it). Returns the files
        kept and those the caller must make; None when the group must be keyed whole.

        A title edit reaches one page of the home page's 500, and the pages of the dozen articles
        listing it as related, one or two in each of a dozen groups of 128: the others need no key."""
        old = self._reusable(name, changed, shape, moved)
        if old is None or changed is None:
            return None
        if changed.isdisjoint(shows):
            kept = self.keep_group(name, old[0])
            return (kept, []) if kept is not None else None
        files = pages()
        remake = {file for file, slugs in files.items() if not changed.isdisjoint(slugs)
                  or not self._intact(file, fingerprint_of(self.last.files.get(file)))}
        kept = [file for file in files if file not in remake]
        self.kept.update(kept)
        # Not the fingerprint of the group's key, which was never made: a build that makes it finds no
        # match and compares the pages one by one; keep_unchanged_group needs no fingerprint.
        self.record_group(name, MADE_WITHOUT_KEY, list(files))
        return kept, sorted(remake)

    def recorded_state(self) -> dict[str, Any]:
        """site_state with each article's digests ("digest card_digest" by slug), for the record: made
        when the record is saved, after the output is written (10,000 strings, 10 ms)."""
        if "articles" not in self.site_state:
            self.site_state["articles"] = {a.slug: f"{a.digest} {a.card_digest}" for a in self.articles}
        return self.site_state

    @property
    def salt_changed(self) -> bool:
        return self.last.site.get("salt") != self.salt

    def stale_digests(self) -> set[str]:
        """The digests (whole and card) of article versions the last build had and this one has not."""
        old, now = self.last.site.get("articles"), self.recorded_state()["articles"]
        if not isinstance(old, dict):
            return set()
        gone = [old[slug] for slug in (self.changed or ()) if slug in old] + [old[slug] for slug in old.keys() - now.keys()]
        return {digest for digests in gone for digest in digests.split(" ")} - \
            {digest for slug in (self.changed or ()) if slug in now for digest in now[slug].split(" ")}

    def _reusable(self, name: str, changed: frozenset[str] | None, shape: Callable[[], str],
                  moved: Moved | None) -> GroupRow | None:
        """The last build's row of group `name` if the salt and the group's shape are the same (its
        shape recorded for the next build either way); None if the group must be keyed whole."""
        same = self._same_shape(name, shape, moved)
        old = self.last.groups.get(name)
        return old if same and changed is not None else None

    def close(self) -> None:
        """Done reading: the kept fragments' connection goes (before the record is written)."""
        if self.fragments is not None:
            self.fragments.close()

    def _same_shape(self, name: str, shape: Callable[[], str], moved: Moved | None = None) -> bool:
        """Record the shape of `name` for the next build; is it the last build's?

        Shapes are made of the index: one the index's changes since the last build cannot have
        `moved` (none, or none that reach it: a tag edit moves the pages of a few terms and of the
        articles whose related lists changed) is the last build's, and is not made."""
        old = self.last.shapes.get(name)
        changes = self.index_changes
        if old is not None and changes is not None and (changes.none or (moved is not None and not moved(changes))):
            self.shapes[name] = old
            return True
        now = self.shapes[name] = hashlib.sha256(shape().encode("utf-8")).hexdigest()
        return now == old


def templates_digest(templates_dir: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in templates_dir.rglob("*") if p.is_file()):
        digest.update(file.relative_to(templates_dir).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def differing(recorded: Mapping[str, str], articles: Iterable[Article]) -> list[Article]:
    """The articles whose fields differ from the record's, or that it lacks. The record holds "digest
    card_digest" by slug (see PageMemo.recorded_state); the same digest is the same fields: one prefix
    test an article, not 10,000 strings made to compare."""
    return [a for a in articles if not recorded.get(a.slug, "-").startswith(a.digest)]


def load_memo(last: LastBuild, output_dir: Path, salt: str, site: Site, files_intact: bool = False,
              theme: str = "", record: Path | None = None) -> PageMemo:
    """A memo for a build of `site` with `salt`, over the record of the last build (in the file
    `record`, which also holds the fragments earlier builds made)."""
    # Hashed once here, not with every page's key: the salt lists every term name.
    salt = hashlib.sha256(salt.encode("utf-8")).hexdigest()
    state: dict[str, Any] = {"salt": salt, "index": site.index_key}  # and "articles": see PageMemo.recorded_state
    before = last.site
    changed = changed_cards = None
    if before.get("salt") == salt and isinstance(before.get("articles"), dict):
        old = before["articles"]
        differ = differing(old, site.articles)
        # An article since deleted is in neither: every group that showed it has another shape now.
        changed = frozenset(a.slug for a in differ)
        changed_cards = frozenset(a.slug for a in differ if (old.get(a.slug) or " -").split(" ")[1] != a.card_digest)
    # Fragments made under another salt are of no use: not even looked for.
    # How the index differs from the last build's: known when it was made from the last build's
    # (or is the same).
    changes = IndexChanges(site.index_key) if before.get("index") == site.index_key else \
        site.changes if site.changes is not None and site.changes.since == before.get("index") else None
    return PageMemo(output_dir, salt, last, files_intact=files_intact, changed=changed,
                    changed_cards=changed_cards, site_state=state, theme=theme, index_changes=changes,
                    fragments=Fragments(record if changed is not None else None, salt), articles=site.articles)


class RememberedIndex:
    """A `memory` hook for build_site: the last build's taxonomies and related articles, kept
    whole while no article's slug, date or terms (nor the settings shaping them) changed — as after
    a body or title edit — so the index is read back instead of made again. Otherwise the last
    build's index, with what it was made from, is handed to `compute`, which makes again only the
    terms of the articles that changed and the related lists they can reach (a tag edit: 0.3 s less
    at 10,000 articles). One file, `index.json`: a tag edit reads and writes it once. Only the next
    build reads it, so it is written by `finish`, which the build calls with its other saves, once
    output/ is written (2.4 MB of JSON, 50-60 ms at 10,000 articles: see build.py)."""

    def __init__(self, config: SiteConfig):
        self.file = config.cache_path("index.json")
        self._write: Callable[[], None] | None = None

    def __call__(self, key: str, head: str, digests: Mapping[str, str], months: tuple[tuple[int, int, int], ...],
                 compute):  # type: ignore[no-untyped-def]
        self.finish()  # asked again (tests do): what the last call made is on disk first
        file = self.file
        # The index is a function of its key alone, so one kept in memory with the same key is right;
        # the last one made in this process is a right starting point whatever is on disk now.
        kept = warm.recall(("index", file), key)
        if kept is not None:
            return (*kept, IndexChanges(key))
        previous = warm.recall(("index made", file), "last")
        if previous is None:
            from . import indexfile  # (msgspec: 20 ms a build that finds nothing changed never needs)

            try:
                data = indexfile.decode(file.read_bytes())
                if data.format == indexfile.FORMAT and data.version == code_version():
                    taxonomies, related = data.taxonomy_values(), data.related
                    if data.key == key:
                        return (*warm.keep(("index", file), key, (taxonomies, related)), IndexChanges(key))
                    previous = PreviousIndex(data.key, data.head, data.digests, taxonomies, dict(related),
                                             frozenset(data.filled), data.months)
            except (OSError, ValueError):
                pass
        taxonomies, related, filled, changes = compute(previous)

        def write() -> None:
            from . import indexfile

            atomic_write(file, indexfile.encode(code_version(), key, head, digests, taxonomies, related, filled,
                                                months), durable=False)

        self._write = write
        if warm.enabled():  # (the copies cost 25 ms of a tag edit at 10,000 articles: not made for nothing)
            warm.keep(("index made", file), "last", PreviousIndex(key, head, dict(digests), taxonomies,
                                                                   dict(related), filled, months))
        return (*warm.keep(("index", file), key, (taxonomies, related)), changes)

    def finish(self) -> None:
        """Write index.json, if this build made an index it does not hold."""
        write, self._write = self._write, None
        if write is not None:
            write()

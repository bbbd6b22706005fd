"""What the last build left in output/: one SQLite record per output folder.

Two readers share it. The stamp (stamp.py) asks whether output/ is exactly as the last build left
it; the page memo (cache.PageMemo) asks which file was made from which fingerprint. It keeps each
output file — its size and modification time after the write, and the fingerprint it was made from
—, the groups of files kept together, the shape of each (see cache.PageMemo.shapes), the listings of
Pagefind's fragment folders, each article's hashes and the build's summary.

Each of those maps is one JSON document, a row of the `documents` table, decoded by msgspec into the
record's dicts and tuples: an edit build at 10,000 articles reads back 25,000 files, 600 groups and
10,000 articles' hashes, which as a table's rows took 40 ms of every edit and as documents take
20–30 ms. A sixth document, the stamps, is what the check of output/ reads (see _stamps). A save
writes again only the documents that changed (a body edit: the files, their stamps and the
articles' hashes, ≈5 MB), after the command has returned (see build.BuildResult.save).

A record that is unreadable, from another format or another version is not trusted: the build is a
real one and writes a new record. Each save gets a new token, so a process that keeps a record in
memory (digest serve, see warm.py) knows from one query that it is still the one on disk.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from contextlib import closing
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Any, Iterable, Mapping

from . import code_version, fragments, warm
from .config import SiteConfig
from .model import Problem

FORMAT = 5
_SCHEMA = """
CREATE TABLE IF NOT EXISTS info (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, body BLOB NOT NULL);
""" + fragments.SCHEMA  # valid whatever the rest of the record says (see fragments.py)
# The tables a record of another format may have left: dropped when the record is made anew.
_OLD_TABLES = ("info", "documents", "files", "groups", "listed", "articles", "shapes")
# Pagefind writes one fragment file per article: 10,000 of a 10,000-article site's 25,000 files. Their
# folders are checked by listing (a fragment missing or added means a real build), not by a stat of
# each, which was 40% of a no-change build. They are Pagefind's, never edited by hand: a fragment
# changed in place is not noticed (one deleted or added is).
LISTED = re.compile(r"^pagefind/[^/]+/fragment/[^/]+$")

# A file's row: "size mtime_ns fingerprint" (no fingerprint: a file the memo does not key), one text:
# the memo reads the fingerprint of a few files, the stamp the size and time of all.
FileRow = str


def file_row(size: int, mtime_ns: int, fingerprint: str | None) -> FileRow:
    return f"{size} {mtime_ns} {fingerprint}" if fingerprint is not None else f"{size} {mtime_ns}"


def fingerprint_of(row: FileRow | None) -> str | None:
    """The fingerprint a recorded file was made from (None for no row, or a file not keyed)."""
    parts = row.split(" ", 2) if row is not None else ()
    return parts[2] if len(parts) == 3 else None


def stat_of(row: FileRow) -> tuple[int, int]:
    """A recorded file's (size, mtime_ns)."""
    size, mtime_ns = row.split(" ", 2)[:2]
    return int(size), int(mtime_ns)

GroupRow = tuple[str, tuple[str, ...]]  # fingerprint, the group's files


@dataclass(frozen=True)
class LastBuild:
    """The record of one build of one output folder. `inputs` is the stamp's digest of what the build
    read, empty when it left no stamp; `site` is what the page memo works out changed articles from."""

    files: Mapping[str, FileRow] = field(default_factory=dict)
    groups: Mapping[str, GroupRow] = field(default_factory=dict)
    listed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    inputs: str = ""
    articles: int = 0
    pages: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    site: Mapping[str, Any] = field(default_factory=dict)
    shapes: Mapping[str, str] = field(default_factory=dict)  # by group or file name: see cache.PageMemo.shapes
    token: str = ""  # which save this is; "" for a record not read from disk

    @property
    def file_count(self) -> int:
        """How many files the build left in output/."""
        return len(self.files)


def new_token() -> str:
    """A new save's token: 128 random bits, as uuid4 has, without importing uuid (which loads
    `platform`: 5 ms before every build's survey could start)."""
    return os.urandom(16).hex()


def record_file(config: SiteConfig) -> Path:
    return config.cache_path("build.sqlite", per_output=True)


def load_last_build(config: SiteConfig) -> LastBuild:
    """The record of the last build of this output folder; an empty one if there is none to trust.
    (A build that finds nothing changed does not wait for it: see survey.py.)"""
    file = record_file(config)
    if not file.exists():
        return LastBuild()
    try:
        with closing(sqlite3.connect(file)) as db:
            info = dict(db.execute("SELECT name, value FROM info"))
            if info.get("format") != f"{FORMAT} {code_version()}":
                return LastBuild()
            kept = warm.recall(("last build", file), info.get("token"))
            if kept is not None:
                return kept
            summary = json.loads(info["summary"])
            documents = dict(db.execute("SELECT name, body FROM documents"))
        decoded = {name: _decoder(name)(documents[name]) for name in DOCUMENTS}
        return LastBuild(files=decoded["files"], groups=decoded["groups"], listed=decoded["listed"],
                         inputs=summary["inputs"], articles=summary["articles"], pages=summary["pages"],
                         warnings=tuple(Problem(path, line, message, True)
                                        for path, line, message in summary["warnings"]),
                         site={**summary["site"], "articles": decoded["articles"]}, shapes=decoded["shapes"],
                         token=info["token"])
    except (sqlite3.Error, ValueError, KeyError, TypeError):  # (msgspec's errors are ValueErrors)
        return LastBuild()


# The record's documents and the types msgspec decodes each into (what LastBuild holds).
DOCUMENTS: dict[str, Any] = {"files": dict[str, str], "groups": dict[str, tuple[str, tuple[str, ...]]],
                             "listed": dict[str, tuple[str, ...]], "articles": dict[str, str],
                             "shapes": dict[str, str]}


@lru_cache(maxsize=None)
def _decoder(name: str) -> Any:
    # msgspec is imported here, not at the top: the survey imports this module before it forks, and a
    # build that finds nothing changed never needs it.
    import msgspec

    return msgspec.json.Decoder(DOCUMENTS[name]).decode


def stamped_files(build: LastBuild) -> list[tuple[str, tuple[int, int]]]:
    """Each file the check of output/ stats, with its recorded (size, mtime_ns): every file but those
    of the listed folders, which are checked by their listings."""
    listed = build.listed
    return [(path, stat_of(row)) for path, row in build.files.items() if path.rpartition("/")[0] not in listed]


def _stamps(build: LastBuild) -> bytes:
    """The size and modification time of each file the check of output/ stats (outputcheck.py; not
    those of the listed folders), as columns: {"paths": […], "sizes": […], "mtimes": […]}. The same
    as the files document says, in the form the check reads fastest — with json, in a new
    interpreter or the survey's child, where msgspec's import would cost more than it saves: 6–9 ms
    for 15,000 files, where the files document took 25–35 ms to decode and split."""
    import msgspec

    stamped = stamped_files(build)
    return msgspec.json.encode({"paths": [path for path, _ in stamped], "sizes": [size for _, (size, _) in stamped],
                                "mtimes": [mtime for _, (_, mtime) in stamped]})


def _documents(last: LastBuild) -> dict[str, Mapping[str, Any]]:
    """What the record's documents hold, by name."""
    return {"files": last.files, "groups": last.groups, "listed": last.listed,
            "articles": last.site.get("articles", {}), "shapes": last.shapes}


def stat_outputs(output_dir: Path, paths: Iterable[str], last: LastBuild, kept: set[str],
                 fingerprints: Mapping[str, str]) -> tuple[dict[str, FileRow], bool]:
    """Each file's row after a build wrote output/: the files the memo kept (`kept`: unchanged since the
    last build, made from the same fingerprint) keep their rows, the others are looked at. False with
    the rows if a file could not be found (output/ is then not what the build made: no stamp may
    say it is)."""
    wanted = set(paths)
    # Set operations, not a loop over 25,000 paths: an edit keeps nearly all of them. (A kept file
    # always has its row: the memo keeps only files the record lists.)
    rows = dict(last.files)
    for path in rows.keys() - wanted:
        del rows[path]
    complete = True
    for path in sorted(wanted - kept):
        try:
            stat = os.stat(f"{output_dir}/{path}")
        except OSError:
            complete = False
            rows.pop(path, None)
            continue
        rows[path] = file_row(stat.st_size, stat.st_mtime_ns, fingerprints.get(path))
    return rows, complete


def _is_listed(path: str) -> bool:
    return path.startswith("pagefind/") and LISTED.match(path) is not None


def listings(paths: Iterable[str], last: LastBuild | None = None) -> dict[str, tuple[str, ...]]:
    """Pagefind's fragment folders and the names in each, as the stamp checks them. Given the `last`
    build's record, its listings with the fragments that came and went since (a body edit renames
    one; a tag edit none), not a pass over every path (25,000 at 10,000 articles)."""
    if last is not None and last.token:
        now = paths if isinstance(paths, Mapping) else dict.fromkeys(paths)
        came = [path for path in now.keys() - last.files.keys() if _is_listed(path)]
        went = [path for path in last.files.keys() - now.keys() if _is_listed(path)]
        return _listed(came, {folder: set(names) for folder, names in last.listed.items()}, went) \
            if came or went else dict(last.listed)
    return _listed([path for path in paths if _is_listed(path)])


def _listed(paths: Iterable[str], listed: dict[str, set[str]] | None = None,
            gone: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """`listed` (folder → names) with `paths` added and `gone` removed, sorted; empty folders left out."""
    listed = {} if listed is None else listed
    for path in gone:
        folder, _, name = path.rpartition("/")
        listed.get(folder, set()).discard(name)
    for path in paths:
        folder, _, name = path.rpartition("/")
        listed.setdefault(folder, set()).add(name)
    return {folder: tuple(sorted(names)) for folder, names in sorted(listed.items()) if names}


def save_last_build(config: SiteConfig, last: LastBuild, now: LastBuild,
                    made: fragments.Fragments | None = None, salt_changed: bool = False,
                    stale: AbstractSet[str] = frozenset()) -> None:
    """Write `now` as the record, writing again only the documents that differ from `last`'s when the
    file still holds `last`; else the record is written whole. A record that cannot be written costs
    a real build next time, nothing else. `made`: the fragments this build made (see Fragments.save)."""
    file = record_file(config)
    token = new_token()
    summary = json.dumps({"inputs": now.inputs, "articles": now.articles, "pages": dict(now.pages),
                          "warnings": [[w.path, w.line, w.message] for w in now.warnings],
                          "site": {k: v for k, v in now.site.items() if k != "articles"}},
                         ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(file, isolation_level=None)) as db:
            db.execute("PRAGMA synchronous = OFF")  # a cache: a lost write costs a real build, no more
            db.executescript(_SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            try:
                found = dict(db.execute("SELECT name, value FROM info"))
                if not last.token or found.get("token") != last.token \
                        or found.get("format") != f"{FORMAT} {code_version()}":
                    # Not the record `last` was read from (or none could be): its tables are made anew,
                    # in this transaction, whatever another version left or whatever columns it gave them.
                    for table in _OLD_TABLES:
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        db.execute(statement)
                    last = LastBuild()
                import msgspec  # (here, as in _decoder)

                before, after = _documents(last), _documents(now)
                changed = [name for name, document in after.items() if not last.token or document != before[name]]
                rows = [(name, msgspec.json.encode(after[name])) for name in changed]
                if {"files", "listed"} & {*changed} or not db.execute(
                        "SELECT 1 FROM documents WHERE name = 'stamps'").fetchone():
                    rows.append(("stamps", _stamps(now)))
                db.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?)", rows)
                if made is not None:
                    made.save(db, salt_changed, stale)
                db.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)",
                               [("format", f"{FORMAT} {code_version()}"), ("summary", summary), ("token", token)])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
    except sqlite3.Error:
        file.unlink(missing_ok=True)
        return
    if warm.enabled():
        warm.keep(("last build", file), token, LastBuild(now.files, now.groups, now.listed, now.inputs,
                                                          now.articles, now.pages, now.warnings, now.site,
                                                          now.shapes, token))

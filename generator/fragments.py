"""Rendered fragments kept between builds: article cards and search entries, by what they show.

A card (templates/_card.html) shows one article's fields and its terms' names, and otherwise depends
only on what the page memo's salt covers (settings, templates, term names). So does the article's
entry in search/facets.json. A tag edit re-renders a topic's thirty list pages — 600 cards — but
only one card is new; a title edit rewrites facets.json, but only one entry is new. Made afresh each
build, the others cost 0.3 s and 0.25 s at 10,000 articles.

So each fragment is kept by (kind, the article's digest), with the salt it was made under, in a
table of the build's record (lastbuild.py), and read back a page's worth at a time (search entries
all at once). A long-running process (digest serve) also keeps them in memory. Fragments of another salt,
or of article versions no longer in the site, are dropped when the record is saved.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import AbstractSet, Callable, Iterable

from . import warm

SCHEMA = """
CREATE TABLE IF NOT EXISTS fragments (key TEXT PRIMARY KEY, salt TEXT NOT NULL, digest TEXT NOT NULL,
                                      text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fragments_by_digest ON fragments (digest);
"""


class Fragments:
    """The fragments of one build: those the last builds made under the same salt, and this one's."""

    def __init__(self, record: Path | None, salt: str):
        self.salt = salt
        # Kept in memory under digest serve while the salt is the same (see warm.py); else this build's.
        self._memory: dict[str, str] = warm.kept_or("fragments", salt, dict)
        self.new: dict[str, tuple[str, str]] = {}  # key → (digest, text), for save
        self._fetched: set[tuple[str, str]] = set()  # (family, digest) whose fragments were all read: see fetch
        self._db: sqlite3.Connection | None = None
        if record is not None and record.exists():
            try:
                self._db = sqlite3.connect(f"file:{record}?mode=ro", uri=True)
            except sqlite3.Error:
                self._db = None

    def get(self, kind: str, digest: str, make: Callable[[], str]) -> str:
        """The fragment `kind` of the article with this digest: kept, or made now (and kept)."""
        key = f"{kind}|{digest}"
        text = self._memory.get(key)
        if text is None:
            text = None if (kind.partition(" ")[0], digest) in self._fetched else self._read(key)
            if text is None:
                text = make()
                self.new[key] = (digest, text)
            self._memory[key] = text
        return text

    def preload(self, kind: str) -> None:
        """Read every kept fragment of one kind at once: cheaper than one query each when most are used.
        Once per salt in a long-running process, whose memory then holds them all (and those it made)."""
        loaded = f"{kind}|"  # no digest: a mark, never a fragment
        if self._db is None or loaded in self._memory:
            return
        try:
            self._memory.update(self._db.execute("SELECT key, text FROM fragments WHERE salt = ? AND key >= ? "
                                                 "AND key < ?", (self.salt, f"{kind}|", f"{kind}}}")))
            self._memory[loaded] = ""
        except sqlite3.Error:
            self.close()

    def fetch(self, family: str, digests: Iterable[str]) -> None:
        """Read the kept fragments of a family of kinds (`card`: `card h2`, `card h3`…) for these
        articles in one query: a page about to show twenty cards reads them at once, not one by one."""
        wanted = sorted({d for d in digests if (family, d) not in self._fetched})
        if self._db is None or not wanted:
            return
        try:
            for start in range(0, len(wanted), 500):  # SQLite's limit on parameters may be 999
                chunk = wanted[start:start + 500]
                self._memory.update(self._db.execute(
                    f"SELECT key, text FROM fragments WHERE digest IN ({', '.join('?' * len(chunk))}) AND salt = ? "
                    f"AND key >= ? AND key < ?", (*chunk, self.salt, f"{family} ", f"{family}!")))
                self._fetched.update((family, d) for d in chunk)
        except sqlite3.Error:
            self.close()

    def _read(self, key: str) -> str | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT text FROM fragments WHERE key = ? AND salt = ?", (key, self.salt)).fetchone()
        except sqlite3.Error:  # a record without the table (written by an older version), say
            self.close()
            return None
        return row[0] if row else None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def save(self, db: sqlite3.Connection, salt_changed: bool, stale: AbstractSet[str]) -> None:
        """In the record's transaction: this build's new fragments; those of another salt and of article
        versions no longer in the site (`stale` digests) go, on disk and in memory."""
        if salt_changed:
            db.execute("DELETE FROM fragments WHERE salt != ?", (self.salt,))
        db.executemany("DELETE FROM fragments WHERE digest = ?", [(digest,) for digest in sorted(stale)])
        db.executemany("INSERT OR REPLACE INTO fragments VALUES (?, ?, ?, ?)",
                       [(key, self.salt, digest, text) for key, (digest, text) in sorted(self.new.items())])
        if stale and warm.enabled():
            for key in [k for k in self._memory if k.partition("|")[2] in stale]:
                del self._memory[key]

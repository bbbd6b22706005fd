"""Is output/ as the last build's record says? The stat of every file, on its own.

The answer is wanted at the end of an edit build, so it is worked out beside it: in a forked child
where the build's process may fork, else — under `digest serve`, whose server and watcher are
threads — in a new interpreter started here (`python -m generator.outputcheck RECORD OUTPUT TOKEN`),
which reads what it needs from the record itself. This module imports nothing of the package's
but this, so that interpreter starts in a few tens of milliseconds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from contextlib import closing
from functools import partial
from typing import Iterable, Mapping


def outputs_match(output_dir: str, stamped: Iterable[tuple[str, tuple[int, int, object]]],
                  listed: Mapping[str, tuple[str, ...]]) -> bool:
    """Does each stamped file (path, (size, mtime_ns, …)) have that size and modification time, and
    does each listed folder hold exactly those names?"""
    stamped = list(stamped)
    try:
        folder = os.open(output_dir, os.O_RDONLY)
    except OSError:
        return False
    try:
        stats = map(partial(os.stat, dir_fd=folder), (path for path, _ in stamped))
        if not all(s.st_mtime_ns == row[1] and s.st_size == row[0] for s, (_, row) in zip(stats, stamped)):
            return False
        return all(tuple(sorted(os.listdir(f"{output_dir}/{name}"))) == names for name, names in listed.items())
    except OSError:
        return False
    finally:
        os.close(folder)


def recorded_match(record: str, output_dir: str, token: str) -> bool:
    """outputs_match for the record in the file `record`, if it is still the save `token` (a record
    saved since is another build's: not known to be intact, so not trusted)."""
    try:
        with closing(sqlite3.connect(f"file:{record}?mode=ro", uri=True)) as db:
            if dict(db.execute("SELECT name, value FROM info WHERE name = 'token'")).get("token") != token:
                return False
            documents = dict(db.execute("SELECT name, body FROM documents WHERE name IN ('stamps', 'listed')"))
        stamps, listed = json.loads(documents["stamps"]), json.loads(documents["listed"])  # (see lastbuild._stamps)
        if not (len(stamps["paths"]) == len(stamps["sizes"]) == len(stamps["mtimes"])):
            return False
        stamped = list(zip(stamps["paths"], zip(stamps["sizes"], stamps["mtimes"])))
        listed = {folder: tuple(names) for folder, names in listed.items()}
        return outputs_match(output_dir, stamped, listed)
    except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError):  # not a record of its own
        return False


if __name__ == "__main__":
    sys.stdout.write("1" if recorded_match(*sys.argv[1:4]) else "0")

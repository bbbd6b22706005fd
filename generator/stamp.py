"""Is output/ already the build of these inputs? The no-change rebuild, answered from file stats.

After each build its record (lastbuild.py) keeps a digest of every input's path, size and
modification time (pages, templates, data files, site.yaml settings, the package's own code) and the
size and modification time of every file the build left in output/: its stamp. A build whose inputs
and outputs still match the stamp has nothing to do — the same check make and ninja trust. Any doubt
(no stamp, an unreadable one, a file touched, added or removed on either side) means a real build,
which the page memo keeps cheap.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from . import __version__
from .config import SiteConfig
from .content import ContentListing
from .lastbuild import LastBuild
from .parallel import in_child

_CODE = Path(__file__).resolve().parent


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
    """Every input a build reads, by path, size and modification time."""
    pages, outside = listing
    parts = [__version__, repr(config), os.environ.get("SOURCE_DATE_EPOCH", ""), repr(outside),
             "\n".join([f"{name}\0{s.st_size}\0{s.st_mtime_ns}" for name, s in pages]),  # not repr: 3x faster
             repr(_stats(config.templates_dir)), repr(_stats(config.data_dir)), repr(_stats(_CODE, ".py"))]  # not __pycache__, which Python writes itself
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StampCheck:
    """What the last build's record says of this one: `unchanged` if inputs and output/ are exactly as
    it left them (nothing to do). `outputs_intact`: whether output/ at least is — then the page memo
    may keep a file on its fingerprint alone, without a stat of it; None when the inputs differ, so
    the answer is not needed at once (see outputs_as_recorded)."""

    unchanged: bool
    outputs_intact: bool | None


def check_stamp(config: SiteConfig, inputs: str, last: LastBuild) -> StampCheck:
    if not last.token:
        return StampCheck(False, False)
    if last.inputs and last.inputs == inputs:
        intact = outputs_as_recorded(config, last)
        return StampCheck(intact, intact)
    return StampCheck(False, None)


def outputs_check(config: SiteConfig, last: LastBuild) -> Callable[[], bool]:
    """Start outputs_as_recorded; the function returned waits for its answer (call it whatever
    happens, so that the child is waited for). Where the process can fork (see parallel.in_child),
    the 15,000 stats run in a child process, on the other core, while the build goes on; elsewhere
    they run when asked for."""
    # Last in line for a core: the build's Pagefind run needs one now, the build itself the other;
    # the answer is wanted only at the end, when the build waits for Pagefind anyway.
    wait = in_child(lambda: b"1" if outputs_as_recorded(config, last) else b"0", nice=True)
    if wait is None:
        return lambda: outputs_as_recorded(config, last)
    return lambda: wait() == b"1"  # nothing (the child failed): not known to be intact, so not trusted


def outputs_as_recorded(config: SiteConfig, last: LastBuild) -> bool:
    """Is every file the last build left in output/ still as it left it? (A stat of each, 15,000 at
    10,000 articles, and a listing of each folder of Pagefind fragments.)"""
    listed = last.listed
    stamped = list(last.files.items()) if not last.whole else \
        [(path, row) for path, row in last.files.items() if path.rpartition("/")[0] not in listed]  # see LastBuild.whole
    try:
        folder = os.open(config.output_dir, os.O_RDONLY)
    except OSError:
        return False
    try:
        stats = map(partial(os.stat, dir_fd=folder), (path for path, _ in stamped))
        if not all(s.st_mtime_ns == row[1] and s.st_size == row[0] for s, (_, row) in zip(stats, stamped)):
            return False
        return all(tuple(sorted(os.listdir(f"{config.output_dir}/{name}"))) == names for name, names in listed.items())
    except OSError:
        return False
    finally:
        os.close(folder)

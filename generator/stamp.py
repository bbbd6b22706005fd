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
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import __version__
from .config import SiteConfig
from .content import ContentListing
from .lastbuild import LastBuild, record_file
from .outputcheck import outputs_match
from .parallel import in_child, niced

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
    happens, so that the check is waited for). The 15,000 stats run on the other core while the
    build goes on: in a forked child where the process can fork (see parallel.in_child), else in a
    new interpreter reading the record itself (see outputcheck.py), else when asked for."""
    # Last in line for a core: the build's Pagefind run needs one now, the build itself the other;
    # the answer is wanted only at the end, when the build waits for Pagefind anyway.
    wait = in_child(lambda: b"1" if outputs_as_recorded(config, last) else b"0", nice=True)
    if wait is None:
        wait = _spawned_check(config, last)
    if wait is None:
        return lambda: outputs_as_recorded(config, last)
    return lambda: wait() == b"1"  # nothing (the check failed): not known to be intact, so not trusted


def _spawned_check(config: SiteConfig, last: LastBuild) -> Callable[[], bytes | None] | None:
    """outputcheck.py in a new interpreter (started without fork: safe beside threads), for the record
    `last` was read from; None where it cannot start."""
    import subprocess  # here: a build whose stamp shows nothing changed never gets this far

    record = record_file(config)
    if not last.token or not record.is_file():
        return None
    try:
        process = subprocess.Popen(niced([sys.executable, "-m", "generator.outputcheck", str(record),
                                          str(config.output_dir), last.token], 19),
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    except OSError:
        return None
    answered: list[bytes | None] = []

    def wait() -> bytes | None:
        if not answered:
            out, _ = process.communicate()
            answered.append(out.strip() if process.returncode == 0 else None)
        return answered[0]

    return wait


def outputs_as_recorded(config: SiteConfig, last: LastBuild) -> bool:
    """Is every file the last build left in output/ still as it left it? (A stat of each, 15,000 at
    10,000 articles, and a listing of each folder of Pagefind fragments.)"""
    listed = last.listed
    stamped = list(last.files.items()) if not last.whole else \
        [(path, row) for path, row in last.files.items() if path.rpartition("/")[0] not in listed]  # see LastBuild.whole
    return outputs_match(str(config.output_dir), stamped, listed)

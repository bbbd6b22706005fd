"""Is output/ already the build of these inputs? The no-change rebuild, answered from file stats.

After each build its record (lastbuild.py) keeps a digest of every input's path, size and
modification time (pages, templates, data files, site.yaml settings, the package's own code) and the
size and modification time of every file the build left in output/: its stamp. A build whose inputs
and outputs still match the stamp has nothing to do — the same check make and ninja trust. Any doubt
(no stamp, an unreadable one, a file touched, added or removed on either side) means a real build,
which the page memo keeps cheap.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

from .config import SiteConfig
from .lastbuild import LastBuild, record_file, stamped_files
from .outputcheck import outputs_match
from .parallel import in_child, niced
from .survey import Survey


@dataclass(frozen=True, slots=True)
class StampCheck:
    """What the last build's record says of this one: `unchanged` if inputs and output/ are exactly as
    it left them (nothing to do). `outputs_intact`: whether output/ at least is — then the page memo
    may keep a file on its fingerprint alone, without a stat of it; None when the inputs differ, so
    the answer is not needed at once (see outputs_as_recorded)."""

    unchanged: bool
    outputs_intact: bool | None


def check_stamp(config: SiteConfig, found: Survey, last: LastBuild) -> StampCheck:
    """The stamp of `last` against this build's survey, which checked output/ itself if it read the
    same record (see survey.py)."""
    if not last.token:
        return StampCheck(False, False)
    if last.inputs and last.inputs == found.inputs:
        intact = found.unchanged if found.record == last.token and found.unchanged is not None \
            else outputs_as_recorded(config, last)
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
    return outputs_match(str(config.output_dir), stamped_files(last), last.listed)

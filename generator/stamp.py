"""Is output/ already the build of these inputs? The no-change rebuild, answered from file stats.

After each build a stamp records a digest of every input's path, size and modification time (pages,
templates, data files, site.yaml settings, the package's own code) and the size and modification
time of every file the build left in output/. A build whose inputs and outputs still match its stamp
has nothing to do — the same check make and ninja trust. Any doubt (no stamp, an unreadable one, a
file touched, added or removed on either side) means a real build, which the page memo keeps cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import __version__
from .config import SiteConfig
from .content import ContentListing
from .model import Problem
from .write import atomic_write

FORMAT = 2
_CODE = Path(__file__).resolve().parent
# Pagefind writes one fragment file per article: 10,000 of a 10,000-article site's 25,000 files. Their
# folders are checked by listing (a fragment missing or added means a real build), not by a stat of
# each, which was 40% of a no-change build. They are Pagefind's, never edited by hand.
_LISTED = re.compile(r"^pagefind/[^/]+/fragment/[^/]+$")


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the last build was made from and what it left, and what it reported."""

    inputs: str
    outputs: dict[str, list[int]]  # output path → [size, mtime_ns]
    listed: dict[str, list[str]]  # output folder → the names in it (see _LISTED)
    articles: int
    pages: dict[str, int]
    warnings: tuple[Problem, ...]


def stamp_file(config: SiteConfig) -> Path:
    return config.cache_path("stamp.json", per_output=True)


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
             repr([(name, s.st_size, s.st_mtime_ns) for name, s in pages]),
             repr(_stats(config.templates_dir)), repr(_stats(config.data_dir)), repr(_stats(_CODE, ".py"))]  # not __pycache__, which Python writes itself
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StampCheck:
    """What the last build's stamp says of this one: `unchanged` if inputs and output/ are exactly as
    it left them (nothing to do); else whether output/ at least is (`outputs_intact`: then the page
    memo may keep a file on its fingerprint alone, without a stat of it)."""

    unchanged: Stamp | None
    outputs_intact: bool


def check_stamp(config: SiteConfig, inputs: str) -> StampCheck:
    try:
        data = json.loads(stamp_file(config).read_text(encoding="utf-8"))
        if data["format"] != FORMAT:
            return StampCheck(None, False)
        outputs, listed = data["outputs"], data["listed"]
        if not _outputs_as_recorded(config, outputs, listed):
            return StampCheck(None, False)
        if data["inputs"] != inputs:
            return StampCheck(None, True)
        warnings = tuple(Problem(path, line, message, True) for path, line, message in data["warnings"])
        return StampCheck(Stamp(inputs, outputs, listed, data["articles"], data["pages"], warnings), True)
    except (OSError, ValueError, KeyError, TypeError):
        return StampCheck(None, False)


def _outputs_as_recorded(config: SiteConfig, outputs: dict[str, list[int]], listed: dict[str, list[str]]) -> bool:
    folder = os.open(config.output_dir, os.O_RDONLY)
    try:
        stats = map(partial(os.stat, dir_fd=folder), outputs)
        if not all(s.st_mtime_ns == old[1] and s.st_size == old[0] for s, old in zip(stats, outputs.values())):
            return False
        return all(sorted(os.listdir(f"{config.output_dir}/{name}")) == names for name, names in listed.items())
    finally:
        os.close(folder)


def save_stamp(config: SiteConfig, inputs: str, files: list[str], known: dict[str, list[int]], articles: int,
               pages: dict[str, int], warnings: tuple[Problem, ...]) -> None:
    """Record a finished build. `known` holds [size, mtime_ns] of files this build did not touch
    (from the page memo), so only the others are looked at again."""
    outputs: dict[str, list[int]] = {}
    listed: dict[str, list[str]] = {}
    for path in sorted(files):
        if _LISTED.match(path):
            folder, _, name = path.rpartition("/")
            listed.setdefault(folder, []).append(name)
            continue
        if path in known:
            outputs[path] = known[path]
            continue
        try:
            stat = os.stat(f"{config.output_dir}/{path}")
        except OSError:
            return  # output/ is not what this build made: no stamp, so the next build is a real one
        outputs[path] = [stat.st_size, stat.st_mtime_ns]
    data = {"format": FORMAT, "inputs": inputs, "outputs": outputs, "listed": listed, "articles": articles,
            "pages": pages, "warnings": [[w.path, w.line, w.message] for w in warnings]}
    atomic_write(stamp_file(config), json.dumps(data, separators=(",", ":")).encode("utf-8"), durable=False)

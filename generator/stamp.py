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
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .config import SiteConfig
from .content import ContentListing
from .model import Problem
from .write import atomic_write

FORMAT = 1
_CODE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the last build was made from and what it left, and what it reported."""

    inputs: str
    outputs: dict[str, list[int]]  # output path → [size, mtime_ns]
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


def unchanged_since_last_build(config: SiteConfig, inputs: str) -> Stamp | None:
    """The last build's stamp if inputs and output/ are exactly as it left them, else None."""
    try:
        data = json.loads(stamp_file(config).read_text(encoding="utf-8"))
        if data["format"] != FORMAT or data["inputs"] != inputs:
            return None
        outputs = data["outputs"]
        for path, (size, mtime_ns) in outputs.items():
            stat = os.stat(f"{config.output_dir}/{path}")
            if stat.st_size != size or stat.st_mtime_ns != mtime_ns:
                return None
        warnings = tuple(Problem(path, line, message, True) for path, line, message in data["warnings"])
        return Stamp(inputs, outputs, data["articles"], data["pages"], warnings)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_stamp(config: SiteConfig, inputs: str, files: list[str], known: dict[str, list[int]], articles: int,
               pages: dict[str, int], warnings: tuple[Problem, ...]) -> None:
    """Record a finished build. `known` holds [size, mtime_ns] of files this build did not touch
    (from the page memo), so only the others are looked at again."""
    outputs = {}
    for path in sorted(files):
        if path in known:
            outputs[path] = known[path]
            continue
        try:
            stat = os.stat(f"{config.output_dir}/{path}")
        except OSError:
            return  # output/ is not what this build made: no stamp, so the next build is a real one
        outputs[path] = [stat.st_size, stat.st_mtime_ns]
    data = {"format": FORMAT, "inputs": inputs, "outputs": outputs, "articles": articles, "pages": pages,
            "warnings": [[w.path, w.line, w.message] for w in warnings]}
    atomic_write(stamp_file(config), json.dumps(data, separators=(",", ":")).encode("utf-8"), durable=False)

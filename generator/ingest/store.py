"""Pages → content/, never overwriting what an editor changed.

Ingest remembers the SHA-256 of every page it wrote in `content/.ingest.json`. A page whose bytes
still have that hash is ingest's own and may be refreshed; any other page was edited (or written) by
hand and is left alone unless `--force` is given. A page ingest wrote that is now gone was deleted
by an editor, and is not brought back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..write import atomic_write

MANIFEST = ".ingest.json"


@dataclass
class StoreReport:
    """What one ingest did to content/, file by file."""

    added: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(content_dir: Path) -> dict[str, str]:
    try:
        pages = json.loads((content_dir / MANIFEST).read_text(encoding="utf-8"))["pages"]
        return {k: v for k, v in pages.items() if isinstance(k, str) and isinstance(v, str)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def store_pages(content_dir: Path, pages: dict[str, str], force: bool = False) -> StoreReport:
    """Write {file name: text} into content_dir under the hand-edit rules above."""
    content_dir.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(content_dir)
    report = StoreReport()
    for name in sorted(pages):
        data = pages[name].encode("utf-8")
        target = content_dir / name
        written_hash = manifest.get(name)
        if not target.exists():
            if written_hash is not None and not force:
                report.kept_deleted.append(name)
                continue
            atomic_write(target, data)
            report.added.append(name)
        else:
            current = target.read_bytes()
            if current == data:
                report.unchanged.append(name)
            elif written_hash != _digest(current) and not force:
                report.kept_edited.append(name)
                continue
            else:
                atomic_write(target, data)
                report.refreshed.append(name)
        manifest[name] = _digest(data)
    text = json.dumps({"pages": dict(sorted(manifest.items()))}, indent=1, sort_keys=True) + "\n"
    if not (content_dir / MANIFEST).exists() or (content_dir / MANIFEST).read_text(encoding="utf-8") != text:
        atomic_write(content_dir / MANIFEST, text.encode("utf-8"))
    return report

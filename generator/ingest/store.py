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

from ..write import atomic_write, atomic_write_many

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


def read_manifest(content_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(pages: name → hash ingest wrote, pending: name → hash an interrupted ingest was about to write)."""
    try:
        data = json.loads((content_dir / MANIFEST).read_text(encoding="utf-8"))
        return ({k: v for k, v in data.get("pages", {}).items() if isinstance(v, str)},
                {k: v for k, v in data.get("pending", {}).items() if isinstance(v, str)})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, {}


def _write_manifest(content_dir: Path, pages: dict[str, str], pending: dict[str, str]) -> None:
    data: dict[str, dict[str, str]] = {"pages": dict(sorted(pages.items()))}
    if pending:
        data["pending"] = dict(sorted(pending.items()))
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    target = content_dir / MANIFEST
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        atomic_write(target, text.encode("utf-8"))


def store_pages(content_dir: Path, pages: dict[str, str], force: bool = False) -> StoreReport:
    """Write {file name: text} into content_dir under the hand-edit rules above.

    The hashes about to be written are recorded first as pending, so a run killed half-way leaves
    pages that the next run still recognises as its own, not as hand edits.
    """
    content_dir.mkdir(parents=True, exist_ok=True)
    manifest, pending = read_manifest(content_dir)
    report = StoreReport()
    to_write: dict[str, bytes] = {}
    for name in sorted(pages):
        data = pages[name].encode("utf-8")
        target = content_dir / name
        ours = {manifest.get(name), pending.get(name)} - {None}
        if not target.exists():
            # Pending alone means a killed run never got to write it; only a recorded page was deleted.
            if name in manifest and not force:
                report.kept_deleted.append(name)
                continue
            report.added.append(name)
        else:
            current = target.read_bytes()
            if current == data:
                report.unchanged.append(name)
                manifest[name] = _digest(data)
                continue
            if _digest(current) not in ours and not force:
                report.kept_edited.append(name)
                continue
            report.refreshed.append(name)
        to_write[name] = data
    if to_write:
        _write_manifest(content_dir, manifest, {**pending, **{n: _digest(d) for n, d in to_write.items()}})
        atomic_write_many(content_dir, to_write)
        manifest.update({name: _digest(data) for name, data in to_write.items()})
    _write_manifest(content_dir, manifest, {})
    return report

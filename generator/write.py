"""{path: bytes} → files in output/: only changed files written, each atomically; stale ones pruned.

The only stage that writes output/. Files the build never produced (a CNAME, say) are left alone:
the manifest of what the last build wrote is what may be pruned.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".digest-manifest.json"


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a write changed: files written, left as they were, and removed."""

    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]


def atomic_write(target: Path, data: bytes, durable: bool = True) -> None:
    """Write beside the target, then rename over it: readers see old or new, never half.

    `durable` also fsyncs before the rename, so a power cut cannot leave an empty file: worth it for
    content/ (the source of truth), not for output/, which a build can always make again.
    """
    if not target.parent.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _previous_files(output_dir: Path) -> set[str]:
    try:
        listed = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {f for f in listed if isinstance(f, str)}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _inside(output_dir: Path, relative: str) -> Path:
    target = (output_dir / relative).resolve()
    if not target.is_relative_to(output_dir.resolve()) or relative.startswith("/"):
        raise ValueError(f"refusing to write {relative!r} outside {output_dir}")
    return target


def write_output(output_dir: Path, files: dict[str, bytes]) -> WriteReport:
    """Make output_dir hold exactly `files` (plus whatever the build never made)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    unchanged = 0
    for relative in sorted(files):
        target = _inside(output_dir, relative)
        data = files[relative]
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                unchanged += 1
                continue
        except OSError:
            pass
        atomic_write(target, data, durable=False)
        written.append(relative)
    removed = []
    for relative in sorted(_previous_files(output_dir) - set(files)):
        target = _inside(output_dir, relative)
        if target.is_file():
            target.unlink()
            removed.append(relative)
            _remove_empty_parents(target.parent, output_dir)
    manifest = json.dumps({"files": sorted(files)}, indent=0, sort_keys=True).encode() + b"\n"
    manifest_file = output_dir / MANIFEST
    if not manifest_file.exists() or manifest_file.read_bytes() != manifest:
        atomic_write(manifest_file, manifest, durable=False)
    return WriteReport(tuple(written), unchanged, tuple(removed))


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent

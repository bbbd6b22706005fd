"""{path: bytes} → files in output/: only changed files written, swapped in at once; stale ones pruned.

The only stage that writes output/. Files the build never produced (a CNAME, say) are left alone:
the manifest of what the last build wrote is what may be pruned.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .progress import progress

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
    """output_dir/relative, refusing any path that could leave it (checked on the text: no resolving)."""
    parts = relative.split("/")
    if relative.startswith("/") or "\\" in relative or any(p in ("", ".", "..") for p in parts) or "\0" in relative:
        raise ValueError(f"refusing to write {relative!r} outside {output_dir}")
    return output_dir / relative


def _unchanged(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def write_output(output_dir: Path, files: dict[str, bytes | None]) -> WriteReport:
    """Make output_dir hold exactly `files` (plus whatever the build never made), all at once.

    The new tree is prepared beside the old one — unchanged files hard-linked, changed ones written
    fresh — and then swapped in with one atomic exchange, so a build killed at any moment leaves
    output/ wholly old or wholly new. When nothing changed, nothing is touched.
    """
    recover(output_dir)
    for relative in files:
        _inside(output_dir, relative)
    manifest = json.dumps({"files": sorted(files)}, indent=0, sort_keys=True).encode() + b"\n"
    # None: the build knows this file is already exactly right (see cache.PageMemo).
    changed = [r for r in sorted(files) if files[r] is not None and not _unchanged(output_dir / r, files[r])]
    previous = _previous_files(output_dir)
    removed = [r for r in sorted(previous - set(files)) if (output_dir / r).is_file()]
    if not changed and not removed and _unchanged(output_dir / MANIFEST, manifest):
        return WriteReport((), len(files), ())
    staging = _sibling(output_dir, "staging")
    if output_dir.is_dir():
        _link_tree(output_dir, staging)
    else:
        staging.mkdir(parents=True)
    for relative in progress(changed, len(changed), "writing output"):  # fresh files, never through a link
        data = files[relative]
        assert data is not None
        atomic_write(staging / relative, data, durable=False)
    for relative in removed:
        (staging / relative).unlink()
        _remove_empty_parents((staging / relative).parent, staging)
    atomic_write(staging / MANIFEST, manifest, durable=False)
    _swap_in(staging, output_dir)
    return WriteReport(tuple(changed), len(files) - len(changed), tuple(removed))


def _link_tree(source: Path, target: Path) -> None:
    """A copy of a tree whose files are hard links: coreutils' `cp -al` where it exists (fast, in C)."""
    if shutil.which("cp") and subprocess.run(["cp", "-al", str(source), str(target)],
                                              capture_output=True).returncode == 0:
        return
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=os.link, symlinks=True)


def _sibling(output_dir: Path, role: str) -> Path:
    return output_dir.with_name(f".{output_dir.name}.{role}")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, bytes(a), at_fdcwd, bytes(b), rename_exchange) == 0


def _swap_in(staging: Path, output_dir: Path) -> None:
    if not output_dir.exists():
        os.rename(staging, output_dir)
    elif _exchange(staging, output_dir):
        shutil.rmtree(staging)  # now the old tree
    else:  # two renames; recover() puts the old tree back if we die between them
        old = _sibling(output_dir, "old")
        os.rename(output_dir, old)
        os.rename(staging, output_dir)
        shutil.rmtree(old)


def recover(output_dir: Path) -> None:
    """Tidy up after a build that was killed: drop a half-made tree, restore a swapped-out one."""
    old = _sibling(output_dir, "old")
    if old.exists() and not output_dir.exists():
        os.rename(old, output_dir)
    for leftover in (old, _sibling(output_dir, "staging")):
        if leftover.exists():
            shutil.rmtree(leftover)


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent

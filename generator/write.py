"""{path: bytes} → files in output/: only changed files written, through a journal; stale ones pruned.

The only stage that writes output/. Files the build never produced (a CNAME, say) are left alone:
the manifest of what the last build wrote is what may be pruned.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
import os
import shutil
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


def atomic_write_many(folder: Path, files: dict[str, bytes]) -> None:
    """atomic_write for many files in one folder, as durably, with one disk flush instead of one each.

    Every file is written beside its target first; then one os.sync() puts all their bytes on disk;
    only then are they renamed into place, so a power cut never leaves an empty or partial page.
    (Ten thousand fsync calls took most of an ingest's time.)
    """
    if not hasattr(os, "sync"):  # no os.sync (Windows): flush file by file
        for name, data in files.items():
            atomic_write(folder / name, data)
        return
    folder.mkdir(parents=True, exist_ok=True)
    written: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            written.append((tmp, folder / name))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
        os.sync()
        for tmp, target in written:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)
        raise
    os.sync()  # the renames themselves


def _manifest(listed: list[str]) -> bytes:
    """json.dumps({"files": listed}, indent=0) + newline, made by the C encoder: with `indent`, json
    encodes in Python, 25,000 names in 40 ms of every edit."""
    if not listed:
        return b'{\n"files": []\n}\n'
    return ('{\n"files": [\n' + ",\n".join(map(encode_basestring_ascii, listed)) + "\n]\n}\n").encode()


def _previous_manifest(output_dir: Path) -> bytes:
    try:
        return (output_dir / MANIFEST).read_bytes()
    except OSError:
        return b""


def _listed_in(manifest: bytes) -> list[str]:
    """The files a manifest lists (none if it is not one)."""
    try:
        return [f for f in json.loads(manifest)["files"] if isinstance(f, str)]
    except (ValueError, KeyError, TypeError):
        return []


def _check_inside(output_dir: Path, relative: str) -> None:
    """Refuse any path that could leave output_dir (checked on the text: no resolving)."""
    parts = relative.split("/")
    if relative.startswith("/") or "\\" in relative or any(p in ("", ".", "..") for p in parts) or "\0" in relative:
        raise ValueError(f"refusing to write {relative!r} outside {output_dir}")


def _inside(output_dir: Path, relative: str) -> Path:
    """output_dir/relative, once _check_inside has passed it."""
    _check_inside(output_dir, relative)
    return output_dir / relative


def _unchanged(target: str, data: bytes) -> bool:
    try:
        if os.stat(target).st_size != len(data):
            return False
        with open(target, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


JOURNAL = "journal.json"


def write_output(output_dir: Path, files: dict[str, bytes | None]) -> WriteReport:
    """Make output_dir hold exactly `files` (plus whatever the build never made).

    Changed files are first written to a folder beside output/; then a journal listing every move
    is written, and only then are the files moved into place. A build killed before the journal
    exists leaves output/ as it was; one killed after it is finished by the next `digest` command
    (see recover), so output/ only ever ends up wholly old or wholly new. When nothing changed,
    nothing is touched. The cost is that of the changed files, not of the whole tree.
    """
    recover(output_dir)
    raw = _previous_manifest(output_dir)
    listed = sorted(files)
    manifest = _manifest(listed)
    if manifest == raw:
        # The very files the last write listed: nothing new to check, nothing to remove (an edit that
        # adds or removes no file; reading the manifest's 25,000 names back and comparing them as
        # sets cost 10 ms of it).
        removed: list[str] = []
    else:
        previous = set(_listed_in(raw))
        for relative in files.keys() - previous:  # the others were checked when they were first written
            _check_inside(output_dir, relative)
        removed = [r for r in sorted(previous - files.keys()) if (output_dir / r).is_file()]
    # None: the build knows this file is already exactly right (see cache.PageMemo). In `listed`'s
    # order, which is sorted: the few files an edit made, not the 25,000 listed, are looked at.
    made = sorted((r, data) for r, data in files.items() if data is not None)
    changed = [r for r, data in made if not _unchanged(f"{output_dir}/{r}", data)]
    written = tuple(changed)
    if manifest != raw:
        files = {**files, MANIFEST: manifest}
        changed.append(MANIFEST)
    if not changed and not removed:
        return WriteReport((), len(files), ())
    pending = _sibling(output_dir, "pending")
    pending.mkdir(parents=True)
    moves = []
    for number, relative in enumerate(progress(changed, len(changed), "writing output")):
        data = files[relative]
        assert data is not None
        (pending / str(number)).write_bytes(data)
        moves.append([str(number), relative])
    atomic_write(pending / JOURNAL, json.dumps({"moves": moves, "remove": removed}).encode(), durable=False)
    _finish(pending, output_dir)
    return WriteReport(written, len(files) - len(changed), tuple(removed))


def _finish(pending: Path, output_dir: Path) -> None:
    """Carry out a journal: move each pending file into place, remove stale files. Safe to repeat."""
    journal = json.loads((pending / JOURNAL).read_text(encoding="utf-8"))
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, relative in journal["moves"]:
        source, target = pending / name, _inside(output_dir, relative)
        if source.exists():  # else moved already, before an interruption
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(source, 0o644)
            os.replace(source, target)
    for relative in journal["remove"]:
        target = _inside(output_dir, relative)
        target.unlink(missing_ok=True)
        _remove_empty_parents(target.parent, output_dir)
    shutil.rmtree(pending)


def _sibling(output_dir: Path, role: str) -> Path:
    return output_dir.with_name(f".{output_dir.name}.{role}")


def recover(output_dir: Path) -> None:
    """Finish or undo a build that was killed while writing: roll a journalled write forward, drop
    one that never reached its journal. (Also tidies the staging trees older versions left.)"""
    pending = _sibling(output_dir, "pending")
    if (pending / JOURNAL).exists():
        _finish(pending, output_dir)
    elif pending.exists():  # killed before its journal: output/ was never touched
        shutil.rmtree(pending)
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

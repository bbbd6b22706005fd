"""SIGKILL at a random moment never leaves a half-written site or half-written content.

A build writes its changed files beside output/, then a journal, then moves them in: killed before
the journal, output/ is wholly the previous build; killed after it, the next `digest` command
finishes the moves, so output/ is wholly the new one. Ingest writes each page atomically and records what it is about to
write first, so a killed ingest leaves whole pages that the next run recognises as its own.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from generator.write import recover, write_output

sys.path.insert(0, str(REPO))
from benchmarks.synth import write_site  # noqa: E402

TRIALS = 12


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def digest_cli(*args: str | Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "generator.cli", *map(str, args)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def edit(content: Path) -> None:
    """Retitle, retag, delete and add pages: a new state that changes many output files."""
    pages = sorted(content.glob("*.md"))
    for page in pages[:15]:
        page.write_text(page.read_text().replace("Company ", "Firm ", 3).replace("title: \"", "title: \"New: "))
    for page in pages[-3:]:
        page.unlink()
    (content / "extra.md").write_text("---\ntitle: An extra page\ndate: 2023-01-01\ntopics: [Topic 1]\n---\nBody.\n")


def test_killed_builds_leave_output_wholly_old_or_wholly_new(tmp_path: Path) -> None:
    old_site, new_site = tmp_path / "old", tmp_path / "new"
    write_site(60, old_site)
    shutil.copytree(old_site, new_site)
    edit(new_site / "content")
    for site in (old_site, new_site):
        assert digest_cli("build", "--config", site / "site.yaml").wait() == 0
    old_tree, new_tree = digests(old_site / "output"), digests(new_site / "output")
    assert old_tree != new_tree

    output = tmp_path / "live"
    started = time.perf_counter()
    assert digest_cli("build", "--config", new_site / "site.yaml", "--output", output).wait() == 0
    duration = time.perf_counter() - started
    rng = random.Random(7)
    outcomes = []
    for _ in range(TRIALS):
        shutil.rmtree(output)
        shutil.copytree(old_site / "output", output)
        process = digest_cli("build", "--config", new_site / "site.yaml", "--output", output)
        time.sleep(rng.uniform(0.2, 1.0) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        tree = digests(output)
        journalled = (tmp_path / ".live.pending" / "journal.json").exists()
        assert tree in (old_tree, new_tree) or journalled, "a killed build left a mixed output/ and no journal"
        recover(output)  # what the next digest command does first
        tree = digests(output)
        assert tree in (old_tree, new_tree), "a killed build left a mixed output/"
        outcomes.append("new" if tree == new_tree else "old")
    assert digest_cli("build", "--config", new_site / "site.yaml", "--output", output).wait() == 0
    assert digests(output) == new_tree
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".live.")], "leftover staging trees"
    assert "old" in outcomes, outcomes  # the kills really landed before the swap


def test_killed_ingest_leaves_whole_pages_it_still_owns(tmp_path: Path) -> None:
    dump = REPO / "corpus" / "techcrunch-china.txt"
    site = tmp_path / "site.yaml"
    site.write_text(f"title: T\nbase_url: https://e.github.io/r/\ndata_dir: {REPO / 'data'}\n")
    complete = tmp_path / "complete"
    assert digest_cli("ingest", "--config", site, "--content", complete, dump).wait() == 0
    finished = {p.name: p.read_bytes() for p in complete.glob("*.md")}
    rng = random.Random(11)
    for trial in range(6):
        content = tmp_path / f"content-{trial}"
        process = digest_cli("ingest", "--config", site, "--content", content, dump)
        time.sleep(rng.uniform(0.5, 1.5))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        for page in content.glob("*.md"):
            assert page.read_bytes() == finished[page.name], f"partial page {page.name}"
        rerun = subprocess.run([sys.executable, "-m", "generator.cli", "ingest", "--config", str(site),
                                "--content", str(content), str(dump)], cwd=REPO, capture_output=True, text=True)
        assert rerun.returncode == 0
        assert not [line for line in rerun.stdout.splitlines() if line.startswith(("kept ", "not re-added "))]
        assert {p.name: p.read_bytes() for p in content.glob("*.md")} == finished


def test_killed_tags_rename_leaves_whole_files_and_finishes_on_rerun(tmp_path: Path) -> None:
    config = write_site(400, tmp_path / "site")
    content = tmp_path / "site" / "content"
    before = {p.name: p.read_bytes() for p in content.glob("*.md")}
    expected = {name: data.replace(b"Topic 1,", b"Topic One,").replace(b"Topic 1]", b"Topic One]")
                for name, data in before.items()}
    rng = random.Random(5)
    for _ in range(4):
        process = digest_cli("tags", "rename", "--config", config, "--taxonomy", "topics", "Topic 1", "Topic One")
        time.sleep(rng.uniform(0.4, 1.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        for page in content.glob("*.md"):
            assert page.read_bytes() in (before[page.name], expected[page.name]), f"partial page {page.name}"
    assert digest_cli("tags", "rename", "--config", config, "--taxonomy", "topics", "Topic 1", "Topic One").wait() == 0
    assert {p.name: p.read_bytes() for p in content.glob("*.md")} == expected


def test_a_write_stopped_after_its_journal_is_finished_by_the_next_command(tmp_path: Path, monkeypatch) -> None:
    output = tmp_path / "out"
    write_output(output, {"a.html": b"old a", "b/index.html": b"old b", "gone.html": b"old"})
    new = {"a.html": b"new a", "b/index.html": b"new b", "c/d/index.html": b"new c"}
    real_replace, done = os.replace, []

    def stopped_after_one_move(source, target):
        if len(done) == 2:  # the journal's own rename, then one file moved in
            raise KeyboardInterrupt
        done.append(target)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", stopped_after_one_move)
    with pytest.raises(KeyboardInterrupt):
        write_output(output, new)
    monkeypatch.undo()
    assert (output / "a.html").read_bytes() == b"new a" and (output / "b/index.html").read_bytes() == b"old b"
    recover(output)
    assert {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*.html")} == new
    assert not (tmp_path / ".out.pending").exists()

"""SIGKILL at a random moment never leaves a half-written site or half-written content.

A build swaps its new tree in with one atomic exchange, so output/ is always wholly the previous
build or wholly the new one. Ingest writes each page atomically and records what it is about to
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

from conftest import REPO

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

"""The repository's own site: output/ is exactly the build of content/ with site.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from generator.build import build
from generator.config import load_config


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_committed_output_is_the_build_of_committed_content(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    config = load_config(REPO / "site.yaml")
    if not any(config.content_dir.glob("*.md")):
        pytest.fail("content/ is empty: run the README's main command and commit content/ and output/")
    fresh = config.with_overrides(output_dir=tmp_path / "output")
    build(fresh)
    committed = _tree(config.output_dir)
    built = _tree(fresh.output_dir)
    stale = sorted(name for name in set(committed) | set(built) if committed.get(name) != built.get(name))
    assert not stale, f"output/ is out of step with content/ (rebuild with `digest build`): {stale[:10]}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line.strip() for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert command in readme

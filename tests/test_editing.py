"""Editors' commands: new, check, tags list/rename/merge (with redirects), and serve with live reload."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import REPO, TEMPLATES

SITE = (f"title: T\nbase_url: https://e.github.io/repo/\ntemplates_dir: {TEMPLATES}\n"
        "taxonomies:\n  - key: topics\n  - key: companies\n    singular: company\n    index: alphabetical\n")
A = "---\ntitle: Alpha story\ndate: 2021-01-02\ntopics: [AI, Chips]\ncompanies: [Bytedance, Tencent]\n---\nA.\n"
B = ("---\r\ntitle: Beta story\r\ndate: 2021-01-01\r\ntopics:\r\n  - AI\r\n  - Cloud\r\ncompanies:\r\n  - ByteDance\r\n"
     "---\r\nB.\r\n")


def test_new_writes_a_page_with_front_matter_filled_in(make_site, run_cli) -> None:
    config = make_site({}, site_yaml=SITE)
    result = run_cli("new", "--config", config, "Our first story", "--date", "2021-05-01")
    assert result.code == 0
    page = (config.parent / "content/our-first-story.md").read_text()
    assert page.startswith("---\ntitle: Our first story\nslug: our-first-story\ndate: 2021-05-01\n")
    assert "topics: []\ncompanies: []\n" in page
    assert run_cli("build", "--config", config).code == 0
    again = run_cli("new", "--config", config, "Our first story")
    assert again.code == 1 and "already exists" in again.err


def test_rename_touches_only_the_name_and_leaves_a_redirect(make_site, run_cli) -> None:
    config = make_site({"content/a.md": A, "content/b.md": B.encode()}, site_yaml=SITE)
    assert run_cli("build", "--config", config).code == 0
    result = run_cli("tags", "rename", "--config", config, "--taxonomy", "topics", "AI", "Artificial intelligence")
    assert result.code == 0
    assert (config.parent / "content/a.md").read_text() == A.replace("[AI,", "[Artificial intelligence,")
    assert (config.parent / "content/b.md").read_bytes() == B.replace("  - AI\r\n", "  - Artificial intelligence\r\n"
                                                                      ).encode()
    assert run_cli("build", "--config", config).code == 0
    out = config.parent / "output"
    assert (out / "topics/artificial-intelligence/index.html").exists()
    moved = (out / "topics/ai/index.html").read_text()
    assert 'http-equiv="refresh" content="0; url=/repo/topics/artificial-intelligence/"' in moved


def test_merge_removes_the_duplicate_spelling(make_site, run_cli) -> None:
    config = make_site({"content/a.md": A, "content/b.md": B.encode()}, site_yaml=SITE)
    listing = run_cli("tags", "list", "--config", config)
    assert listing.out.splitlines() == ["Bytedance\t1", "ByteDance\t1", "Tencent\t1"]
    result = run_cli("tags", "merge", "--config", config, "Tencent", "ByteDance")
    assert result.code == 0
    assert "companies: [Bytedance]\n" in (config.parent / "content/a.md").read_text()
    again = run_cli("tags", "merge", "--config", config, "Tencent", "ByteDance")
    assert again.out.splitlines()[-1] == "Merged `Tencent` → `ByteDance` in 0 pages; run `digest build`."


def test_check_reports_near_duplicates_and_errors_without_writing(make_site, run_cli) -> None:
    config = make_site({"content/a.md": A, "content/b.md": B.encode()}, site_yaml=SITE)
    result = run_cli("check", "--config", config, "--format", "json")
    assert result.code == 0
    messages = [p["message"] for p in json.loads(result.out)]
    assert any("`ByteDance` and `Bytedance` look like one term" in m or "`Bytedance` and `ByteDance` look like one"
               in m for m in messages), messages
    assert not (config.parent / "output").exists()
    (config.parent / "content/c.md").write_text("---\ntitle: Broken\n")
    broken = run_cli("check", "--config", config)
    assert broken.code == 1
    assert broken.out.splitlines()[0].startswith("content/c.md:1: front matter opened here is never closed")


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _status(root: str) -> dict:
    return json.loads(_get(root + "__digest/status")[1])


def _wait_for(predicate, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def test_serve_rebuilds_on_edit_and_shows_errors(make_site, tmp_path: Path) -> None:
    config = make_site({"content/a.md": A}, site_yaml=SITE)
    port = 18000 + (hash(str(tmp_path)) % 1000)
    server = subprocess.Popen([sys.executable, "-m", "generator.cli", "serve", "--config", str(config),
                               "--port", str(port)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    root = f"http://127.0.0.1:{port}/"
    try:
        assert _wait_for(lambda: _status(root)["build"] >= 1)
        status, page = _get(root + "repo/articles/alpha-story/")
        assert status == 200 and b"/__digest/status" in page
        assert _get(root + "repo/no/such/page/")[0] == 404
        (config.parent / "content/a.md").write_text(A.replace("\nA.\n", "\nAn edited body.\n"))
        assert _wait_for(lambda: b"An edited body." in _get(root + "repo/articles/alpha-story/")[1])
        (config.parent / "content/b.md").write_text("---\ntitle: Broken\n")
        assert _wait_for(lambda: "never closed" in _status(root)["error"])
        assert _get(root + "repo/articles/alpha-story/")[0] == 200, "the last good site is still served"
        (config.parent / "content/b.md").unlink()
        assert _wait_for(lambda: _status(root)["error"] == "")
    finally:
        server.terminate()
        server.wait(timeout=10)

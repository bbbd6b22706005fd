"""The built site served like GitHub Pages under /repo/: every link, asset and fragment resolves."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO, serve_under_prefix
from crawl import crawl, fetch
from generator.build import build
from generator.config import load_config


def _built(tmp_path: Path):
    config = load_config(REPO / "tests/golden/basic/site.yaml").with_overrides(
        output_dir=tmp_path / "site", base_url="http://127.0.0.1/repo/")
    build(config)
    return config


def test_crawl_finds_no_broken_link_asset_or_fragment(tmp_path: Path) -> None:
    config = _built(tmp_path)
    with serve_under_prefix(config.output_dir) as root:
        result = crawl(root)
    html_files = {p.relative_to(config.output_dir).as_posix() for p in config.output_dir.rglob("*.html")}
    reached = {url.removeprefix(root) for url in result.pages}
    assert result.broken == []
    assert result.escaped == []
    assert result.missing_fragments == []
    expected = {f.removesuffix("index.html") for f in html_files if f != "404.html"}
    assert expected <= reached, sorted(expected - reached)


def test_404_page_works_at_any_depth(tmp_path: Path) -> None:
    config = _built(tmp_path)
    with serve_under_prefix(config.output_dir) as root:
        for missing in ("nope", "articles/gone/", "a/b/c/d/e/"):
            status, body, _ = fetch(root + missing)
            assert status == 404
            page = body.decode()
            assert "Page not found" in page
            assert 'href="/repo/static/style.css"' in page
            assert fetch(root + "static/style.css")[0] == 200

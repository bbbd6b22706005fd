"""The build end to end: golden tree, determinism, incremental writes, pruning, page types."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import shutil
from pathlib import Path

import pytest

from conftest import REPO, snapshot
from generator.build import build
from generator.config import load_config
from generator.model import InputError

GOLDEN = REPO / "tests" / "golden"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _tree_diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    lines: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        old = expected.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = actual.get(name, b"").decode("utf-8", "replace").splitlines(keepends=True)
        if expected.get(name) != actual.get(name):
            lines.extend(difflib.unified_diff(old, new, f"expected/{name}", f"actual/{name}"))
            if name not in expected or name not in actual:
                lines.append(f"{'missing' if name not in actual else 'unexpected'} file: {name}\n")
    return "".join(lines)


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()))
def test_golden_tree(case: str, tmp_path: Path, update_golden: bool) -> None:
    """The build of each golden case equals its expected/ tree, file by file."""
    config = load_config(GOLDEN / case / "site.yaml").with_overrides(output_dir=tmp_path / "out")
    build(config)
    expected_dir = GOLDEN / case / "expected"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(tmp_path / "out", expected_dir)
    diff = _tree_diff(_tree(expected_dir), _tree(tmp_path / "out"))
    assert not diff, "build differs from golden tree (rerun with --update-golden and review):\n" + diff[:20000]


@pytest.fixture
def golden_config(tmp_path: Path):
    return load_config(GOLDEN / "basic" / "site.yaml").with_overrides(output_dir=tmp_path / "out")


def test_every_page_type_is_written(golden_config) -> None:
    result = build(golden_config)
    out = golden_config.output_dir
    for path in ("index.html", "page/2/index.html", "page/3/index.html", "articles/china-fines-alibaba/index.html",
                 "topics/index.html", "topics/regulation/index.html", "topics/regulation/page/2/index.html",
                 "companies/index.html", "companies/alibaba/index.html", "places/hong-kong/index.html",
                 "timeline/index.html", "timeline/2021/04/index.html", "feed.xml", "topics/regulation/feed.xml",
                 "companies/tencent/feed.xml", "sitemap.xml", "robots.txt", "404.html", ".nojekyll",
                 "static/favicon.svg", "static/style.css"):
        assert (out / path).is_file(), path
    assert not (out / "places/china/feed.xml").exists(), "places has feeds: false"
    assert not (out / "articles/an-unfinished-draft").exists(), "drafts are not published"
    assert result.pages["articles"] == 5


def test_aliases_from_data_file_merge_into_one_term(golden_config) -> None:
    build(golden_config)
    page = (golden_config.output_dir / "companies/alibaba/index.html").read_text()
    assert "Chinese e-commerce and cloud group." in page
    assert "china-fines-alibaba" in page and "rectification" in page
    assert not (golden_config.output_dir / "companies/alibaba-group").exists()
    assert not (golden_config.output_dir / "companies/ant-financial").exists()


def test_inferred_date_is_marked_on_the_page(golden_config) -> None:
    build(golden_config)
    page = (golden_config.output_dir / "articles/china-fines-alibaba/index.html").read_text()
    assert "(estimated)" in page
    other = (golden_config.output_dir / "articles/dxy/index.html")
    assert not other.exists()
    dxy = (golden_config.output_dir / "articles/tencent-backs-chinese-healthcare-portal-dxy-in-500m-round/index.html")
    assert "(estimated)" not in dxy.read_text()
    assert "Read the original" in dxy.read_text()


def test_build_twice_gives_identical_bytes(golden_config, tmp_path: Path) -> None:
    build(golden_config)
    first = _tree(golden_config.output_dir)
    again = golden_config.with_overrides(output_dir=tmp_path / "again")
    build(again)
    assert first == _tree(again.output_dir)


def test_second_build_writes_nothing(golden_config) -> None:
    build(golden_config)
    before = snapshot(golden_config.output_dir)
    result = build(golden_config)
    assert result.report is not None
    assert result.report.written == () and result.report.removed == ()
    assert snapshot(golden_config.output_dir) == before


def test_stale_files_are_pruned_and_foreign_files_kept(make_site, run_cli) -> None:
    page = "---\ntitle: {t}\ndate: 2021-01-0{d}\ntopics: [{t}]\n---\nBody {t}.\n"
    config = make_site({"content/a.md": page.format(t="Alpha", d=1), "content/b.md": page.format(t="Beta", d=2)})
    out = config.parent / "output"
    assert run_cli("build", "--config", config).code == 0
    (out / "CNAME").write_text("news.example.com\n")
    (config.parent / "content/b.md").unlink()
    result = run_cli("build", "--config", config)
    assert result.code == 0, result.err
    assert not (out / "articles/beta").exists()
    assert not (out / "topics/beta").exists()
    assert (out / "articles/alpha/index.html").exists()
    assert (out / "CNAME").read_text() == "news.example.com\n"
    assert "removed" in result.out


def test_base_url_option_rewrites_every_link(make_site, run_cli) -> None:
    config = make_site({"content/a.md": "---\ntitle: Alpha\ndate: 2021-01-01\n---\nBody.\n"})
    result = run_cli("build", "--config", config, "--base-url", "https://me.github.io/news")
    assert result.code == 0, result.err
    home = (config.parent / "output/index.html").read_text()
    assert 'href="/news/articles/alpha/"' in home
    assert "https://me.github.io/news/feed.xml" in home


def test_source_date_epoch_sets_the_build_time(make_site, monkeypatch) -> None:
    config_path = make_site({"content/a.md": "---\ntitle: Alpha\ndate: 2021-01-01\n---\nBody.\n"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = build(load_config(config_path), write=False)
    assert result.site.build_time.year == 2023
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build(load_config(config_path), write=False).site.build_time.year == 2021


def test_raw_html_in_content_is_shown_not_run(make_site) -> None:
    page = ("---\ntitle: Hostile\ndate: 2021-01-01\n---\n<script>alert(1)</script>\n\n"
            "<img src=x onerror=alert(1)> [link](javascript:alert(1))\n")
    config = load_config(make_site({"content/a.md": page}))
    html = build(config).files["articles/hostile/index.html"].decode()
    assert "<script>alert" not in html and "<img" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_terms_chart_and_related_terms_are_given_to_its_first_page_only(make_site, tmp_path: Path) -> None:
    """So an edit that changes which terms go together re-renders one page of each term, not all of them
    (see README, Templates): later pages get no chart, no related terms, and `term.related` and
    `term.articles` empty."""
    theme = tmp_path / "theme"
    shutil.copytree(REPO / "templates", theme)
    (theme / "term.html").write_text("{{ pagination.number }}: {{ term.related|length }} {{ related_terms|length }} "
                                     "{{ chart is none }} {{ term.articles|length }}\n")
    pages = {f"content/p{i}.md": f"---\ntitle: Story {i}\ndate: 2021-01-{1 + i:02d}\ntopics: [AI, Chips]\n---\nB.\n"
             for i in range(3)}
    config = load_config(make_site(pages, f"title: T\nbase_url: https://e.github.io/r/\npage_size: 2\n"
                                          f"templates_dir: {theme}\n"))
    files = build(config).files
    assert files["topics/ai/index.html"] == b"1: 1 1 False 3\n"
    assert files["topics/ai/page/2/index.html"] == b"2: 0 0 True 0\n"


def test_pages_parsed_on_every_core_build_what_one_process_builds(tmp_path: Path, monkeypatch) -> None:
    """A cold build parses many pages in worker processes; the site and the errors are the same."""
    import sys

    import generator.content as content

    sys.path.insert(0, str(REPO))
    from benchmarks.synth import write_site

    config = load_config(write_site(content.PARALLEL_PAGES + 20, tmp_path / "site"))
    build(config, use_cache=False)
    parallel = {p.relative_to(config.output_dir).as_posix(): p.read_bytes()
                for p in config.output_dir.rglob("*") if p.is_file()}
    monkeypatch.setattr(content, "PARALLEL_PAGES", 10**9)
    one = config.with_overrides(output_dir=tmp_path / "one")
    build(one, use_cache=False)
    assert parallel == {p.relative_to(one.output_dir).as_posix(): p.read_bytes()
                        for p in one.output_dir.rglob("*") if p.is_file()}
    monkeypatch.undo()
    (config.content_dir / "story-3.md").write_text("---\ntitle: Broken\ndate: 2021-02-30\n---\nBody.\n")
    with pytest.raises(InputError) as failure:
        build(config, use_cache=False)
    assert [str(p) for p in failure.value.problems] == [
        "content/story-3.md:3: `date` is not a valid date: `2021-02-30`; write it as YYYY-MM-DD, e.g. 2021-04-10"]


def test_the_search_bundle_is_the_same_wherever_pagefind_writes_it(golden_config, tmp_path: Path, monkeypatch) -> None:
    """Pagefind writes to memory (/dev/shm) when it can, else to disk; a scratch folder that fails
    (as a full /dev/shm does) falls back to the next one, and the bundle is the same."""
    from generator.outputs import search

    build(golden_config, use_cache=False)
    expected = {name: data for name, data in _tree(golden_config.output_dir).items() if name.startswith("pagefind/")}
    assert expected
    tried: list[str] = []

    def folders() -> list[str | None]:
        tried.append("called")
        return [str(tmp_path / "no-such-folder"), str(tmp_path)]

    monkeypatch.setattr(search, "_scratch_folders", folders)
    other = golden_config.with_overrides(output_dir=tmp_path / "out")
    build(other, use_cache=False)
    assert tried
    assert {name: data for name, data in _tree(other.output_dir).items() if name.startswith("pagefind/")} == expected
    assert not list(tmp_path.glob("digest-pagefind-*"))  # its scratch folders are gone


def test_fenced_code_is_rendered_without_loading_pygments_and_leaves_it_importable(tmp_path: Path) -> None:
    """Markdown's fenced code would import Pygments (and importlib.metadata, 50 ms of an edit) for a
    highlighter we never use: it is hidden for that import only, never from what runs after."""
    script = ("import importlib.util, json, sys\nfrom generator.markup import render_markdown\n"
              "html = render_markdown('```python\\nx = 1\\n```\\n')\n"
              "print(json.dumps([html, 'pygments' in sys.modules, 'importlib.metadata' in sys.modules,\n"
              "                  importlib.util.find_spec('pygments') is not None]))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    html, pygments_loaded, metadata_loaded, findable = json.loads(result.stdout)
    assert '<pre><code class="language-python">x = 1\n</code></pre>' in html
    assert not pygments_loaded and not metadata_loaded
    assert findable  # installed with pytest, and still found after


def test_pagefind_is_found_where_its_package_says_without_loading_logging(tmp_path: Path) -> None:
    """The build asks for Pagefind's binary every time (its size is part of what pages depend on), but
    importing pagefind_bin loads `logging` and `platform`: the binary is looked for beside the package,
    and must be the one the package itself names."""
    script = ("import json, sys\nfrom generator.outputs.search import pagefind_executable\n"
              "found = str(pagefind_executable())\nloaded = 'pagefind_bin' in sys.modules or 'logging' in sys.modules\n"
              "from pagefind_bin import get_executable\nprint(json.dumps([found, str(get_executable()), loaded]))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    found, named, loaded = json.loads(result.stdout)
    assert found == named
    assert not loaded


def test_the_search_index_is_what_pagefind_makes_of_the_article_pages(golden_config) -> None:
    """Pagefind indexes each article's search document (_search.html) so it can start before the pages
    exist; the bundle must be the one it makes of the pages themselves — the two templates' title,
    date and body marks in step."""
    from generator.outputs import search

    build(golden_config, use_cache=False)
    tree = _tree(golden_config.output_dir)
    pages = {name: data for name, data in tree.items() if name.startswith("articles/") and name.endswith(".html")}
    assert len(pages) > 3
    bundle = search.pagefind_bundle(pages, golden_config)
    assert {f"pagefind/0/{name}": data for name, data in bundle.items()} == \
        {name: data for name, data in tree.items() if name.startswith("pagefind/0/")}


def test_the_manifest_lists_what_the_build_made_and_is_restored_if_changed(make_site) -> None:
    """output/.digest-manifest.json lists every file the build made, sorted; a build rewrites it if it
    was changed by hand (reordered, reformatted), and removes a file it lists that the build no
    longer makes — including when the build adds or removes no file, which skips the sorting."""
    config = load_config(make_site({f"content/p{i}.md": f"---\ntitle: Story {i}\ndate: 2021-01-0{i + 1}\n---\nBody {i}.\n"
                                    for i in range(3)}))
    build(config)
    manifest = config.output_dir / ".digest-manifest.json"

    def made() -> list[str]:
        return sorted(p.relative_to(config.output_dir).as_posix() for p in config.output_dir.rglob("*")
                      if p.is_file() and p.name != manifest.name)

    def as_a_clean_build_writes_it() -> bool:
        clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))
        shutil.rmtree(clean.output_dir, ignore_errors=True)
        build(clean, use_cache=False)
        return manifest.read_bytes() == (clean.output_dir / manifest.name).read_bytes()

    assert json.loads(manifest.read_text())["files"] == made() and as_a_clean_build_writes_it()
    listed = made()
    (config.content_dir / "p0.md").touch()  # a real build, with the same files
    for changed in (json.dumps({"files": listed[::-1]}), json.dumps({"files": listed}, indent=2)):
        manifest.write_text(changed)
        build(config)
        assert as_a_clean_build_writes_it(), changed
    stale = config.output_dir / "old-page.html"
    stale.write_text("left by an earlier build")
    manifest.write_text(json.dumps({"files": sorted([*listed, "old-page.html"])}))
    build(config)
    assert not stale.exists() and as_a_clean_build_writes_it()

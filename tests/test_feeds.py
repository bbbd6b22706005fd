"""Feeds parse with feedparser and follow RFC 4287; the sitemap lists every page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from conftest import REPO
from generator.build import build
from generator.config import load_config

BASE = "https://example.github.io/golden/"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("feeds") / "out"
    build(load_config(REPO / "tests/golden/basic/site.yaml").with_overrides(output_dir=out))
    return out


def _feeds(out: Path) -> list[Path]:
    return sorted(out.rglob("feed.xml"))


def test_every_feed_parses_and_follows_rfc_4287(built: Path) -> None:
    feeds = _feeds(built)
    assert len(feeds) > 5
    for file in feeds:
        url = BASE + file.relative_to(built).as_posix()
        parsed = feedparser.parse(file.read_bytes())
        assert not parsed.bozo, (file, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        assert parsed.feed.id.startswith(BASE)
        assert any(l.rel == "self" and l.href == url for l in parsed.feed.links), file
        assert parsed.feed.author
        entry_updates = []
        for entry in parsed.entries:
            assert entry.id.startswith(BASE + "articles/")
            assert entry.link.startswith(BASE) and entry.link == entry.id
            assert entry.updated and entry.title and entry.summary
            entry_updates.append(entry.updated)
        assert parsed.feed.updated == max(entry_updates), "feed updated is its newest entry's"


def test_feed_holds_the_newest_entries_up_to_feed_size(built: Path) -> None:
    parsed = feedparser.parse((built / "feed.xml").read_bytes())
    assert [e.title for e in parsed.entries] == [
        'China fines Alibaba $2.75B for "abusing market dominance"',
        "China to ban apps from collecting excessive user data",
        "Tencent backs Chinese healthcare portal DXY in $500M round",
    ]
    dxy = parsed.entries[2]
    assert dxy.author == "Rita Liao"
    assert {t.term for t in dxy.tags} >= {"Healthcare", "Tencent", "China"}


def test_sitemap_lists_every_page_with_absolute_urls(built: Path) -> None:
    root = ET.parse(built / "sitemap.xml").getroot()
    locs = {el.text for el in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = {BASE + p.relative_to(built).as_posix().removesuffix("index.html")
             for p in built.rglob("*.html") if p.name != "404.html"}
    assert locs == pages


def test_robots_points_at_the_sitemap(built: Path) -> None:
    assert f"Sitemap: {BASE}sitemap.xml" in (built / "robots.txt").read_text()

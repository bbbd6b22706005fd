"""Ingesting RSS, Atom and JSON Feed sources — files and URLs — safely, with duplicates merged."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from urllib3.util.retry import Retry

from conftest import REPO
from generator.content import split_front_matter
from generator.ingest import fetch
from generator.ingest.feeds import canonical_url, sniff

FEEDS = REPO / "tests" / "feeds"
SITE = f"title: T\nbase_url: https://e.github.io/r/\ndata_dir: {REPO / 'data'}\ntemplates_dir: {REPO / 'templates'}\n"


def pages(config: Path) -> dict[str, tuple[dict, str]]:
    found = {}
    for file in sorted((config.parent / "content").glob("*.md")):
        source = split_front_matter(file.read_text(encoding="utf-8"), file.name)
        found[file.stem] = (yaml.safe_load(source.front_matter), source.body)
    return found


def test_every_format_is_read_with_what_the_feed_knows(make_site, run_cli) -> None:
    config = make_site({}, site_yaml=SITE)
    result = run_cli("ingest", "--config", config, *(FEEDS / n for n in ("rss2.xml", "atom.xml", "rss1.rdf",
                                                                        "rss091.xml", "feed.json")))
    assert result.code == 0, result.err
    found = pages(config)
    volt, _ = found["voltline-raises-48m-for-battery-swapping-stations"]
    assert str(volt["date"]) == "2022-04-21" and volt["date_source"] == "feed"  # 23:30 at -07:00 is the 21st in UTC
    assert volt["author"] == "Ana Lucero"
    assert volt["source_url"] == "https://wire.example.com/2022/04/20/voltline/?id=7"
    assert volt["companies"] == ["Voltline"]
    quill, _ = found["quillminds-ai-tutor-raises-31m-as-schools-sign-on"]
    assert quill["source_url"] == "https://ledger.example.com/quillmind"
    assert str(quill["date"]) == "2024-05-15" and quill["source"] == "AI Ledger"
    assert str(found["electric-bus-maker-kinetica-cuts-forecast"][0]["date"]) == "2022-04-13"
    assert found["parkline-raises-9m-to-let-drivers-reserve-curb-space"][0]["date_source"] == "inferred"
    fold, fold_body = found["foldbot-raises-12m-to-build-robots-that-do-household-chores"]
    assert fold["author"] == "Mei Tanaka" and str(fold["date"]) == "2024-05-02"
    assert "Foldbot says its first robot folds laundry." in fold_body


def test_html_becomes_clean_markdown(make_site, run_cli) -> None:
    config = make_site({}, site_yaml=SITE)
    assert run_cli("ingest", "--config", config, FEEDS / "rss2.xml").code == 0
    _, body = pages(config)["voltline-raises-48m-for-battery-swapping-stations"]
    assert "**$48 million**" in body
    assert "## Why swapping" in body
    assert "- Drivers wait five minutes.\n- Fleets pay per swap." in body
    assert "[the announcement](https://voltline.example.com/news)" in body
    assert "![A Voltline swapping bay](https://wire.example.com/bay.jpg)" in body


def test_hostile_item_loses_every_script_handler_and_bad_url(make_site, run_cli) -> None:
    config = make_site({}, site_yaml=SITE)
    assert run_cli("ingest", "--config", config, FEEDS / "rss2.xml").code == 0
    meta, body = pages(config)["hostile-item-for-the-sanitiser"]
    page = yaml.safe_dump(meta) + body
    for bad in ("<script", "alert", "onclick", "onerror", "javascript:", "data:", "<iframe", "<object", "<style"):
        assert bad not in page, bad
    assert "Safe text." in body and "Closing text." in body
    assert "![broken](https://wire.example.com/2022/04/19/hostile/x.png)" in body
    assert run_cli("build", "--config", config).code == 0
    html = (config.parent / "output/articles/hostile-item-for-the-sanitiser/index.html").read_text()
    assert "<script>alert" not in html and "javascript:" not in html and "onerror" not in html


def test_the_same_article_in_two_feeds_is_one_page(make_site, run_cli) -> None:
    config = make_site({}, site_yaml=SITE)
    result = run_cli("ingest", "--config", config, FEEDS / "rss2.xml", FEEDS / "feed.json")
    assert result.code == 0
    assert [name for name in pages(config) if name.startswith("voltline")] == [
        "voltline-raises-48m-for-battery-swapping-stations"]
    assert "is the same article as `Voltline raises $48M for battery swapping stations`" in result.out


def test_format_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    assert sniff((FEEDS / "feed.json").read_bytes()) == "json"
    assert sniff((FEEDS / "atom.xml").read_bytes()) == "xml"
    assert sniff((FEEDS / "rss1.rdf").read_bytes()) == "xml"
    assert sniff((REPO / "corpus" / "techcrunch-china.txt").read_bytes()) == "dump"


def test_tracking_parameters_are_stripped() -> None:
    assert canonical_url("HTTPS://Example.com/a?utm_source=x&b=2&fbclid=y#frag") == "https://example.com/a?b=2"


class _FeedServer(http.server.BaseHTTPRequestHandler):
    hits: list[tuple[str, str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.hits.append((self.path, self.headers.get("If-None-Match", "")))
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            body = (FEEDS / "atom.xml").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/slow.xml":
            time.sleep(2)
            self.send_response(200)
            self.end_headers()
        else:
            self.send_response(500)
            self.end_headers()


@pytest.fixture
def feed_server(monkeypatch) -> Iterator[str]:
    monkeypatch.setattr(fetch, "TIMEOUT", (0.5, 0.5))
    monkeypatch.setattr(fetch, "RETRIES", Retry(total=1, backoff_factor=0, status_forcelist=(500,),
                                                raise_on_status=False))
    _FeedServer.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FeedServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_conditional_get_remembers_the_etag(feed_server: str, make_site, run_cli) -> None:
    config = make_site({}, site_yaml=SITE)
    first = run_cli("ingest", "--config", config, f"{feed_server}/feed.xml")
    assert first.code == 0 and "1 added" in first.out
    second = run_cli("ingest", "--config", config, f"{feed_server}/feed.xml")
    assert second.code == 0
    assert f"{feed_server}/feed.xml: 0 articles" in second.out
    assert _FeedServer.hits[-1] == ("/feed.xml", '"v1"')


def test_a_failing_feed_is_reported_and_the_others_still_ingested(feed_server: str, make_site, run_cli) -> None:
    config = make_site({}, site_yaml=SITE)
    result = run_cli("ingest", "--config", config, f"{feed_server}/broken.xml", f"{feed_server}/slow.xml",
                     f"{feed_server}/feed.xml")
    assert result.code == 1
    errors = result.err.splitlines()
    assert f"{feed_server}/broken.xml:1: HTTP 500 Internal Server Error; the other sources were still ingested" in errors
    assert f"{feed_server}/slow.xml:1: timed out; the other sources were still ingested" in errors
    assert "digest: 2 sources failed; the others were ingested." in errors
    assert list(pages(config)) == ["quillminds-ai-tutor-raises-31m-as-schools-sign-on"]
    assert [path for path, _ in _FeedServer.hits].count("/broken.xml") == 2  # retried once

"""The built site in a real browser (Debian's Chromium through Playwright), served under /repo/.

Outside CI these tests skip with the reason when Chromium, Java or the npm checkers are missing;
with CI=true they fail instead, so a green CI run has really run them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO, serve_under_prefix
from generator.build import build
from generator.config import load_config
from generator.outputs import search

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
ZAO = "articles/wechat-restricts-controversial-video-face-swapping-app-zao-citing-security-risks/"

PAGE_TYPES = {
    "home": "",
    "home page 2": "page/2/",
    "article": ZAO,
    "topics": "topics/",
    "topic": "topics/regulation/",
    "companies": "companies/",
    "company": "companies/alibaba/",
    "places": "places/",
    "timeline": "timeline/",
    "month": "timeline/2020/12/",
    "search": "search/?q=tiktok",
    "404 at depth": "no/such/page/here/",
}


def require(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI=true: browser checks must run; .ci/run installs what they need)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("browser") / "out"
    config = load_config(REPO / "site.yaml").with_overrides(output_dir=out, base_url="http://127.0.0.1/repo/")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_PAGES", 16)  # 50 articles in 4 search shards, as a large site has
        build(config)
    assert (out / "pagefind" / "3" / "ids.json").exists()
    with serve_under_prefix(out) as root:
        yield root


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM.exists(), "no Chromium at /usr/bin/chromium (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with every console error, uncaught exception and failed request it produced."""

    def __init__(self, browser, width: int = 1280, height: int = 900):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        self.main_url = ""

    def _console(self, message) -> None:
        # Chromium logs the 404 status of the page itself; that one is the point of the 404 page.
        if message.type == "error" and message.location.get("url") != self.main_url:
            self.problems.append(f"console: {message.text}")

    def _failed(self, request) -> None:
        # A click that navigates cancels what the old page still had in flight (often the favicon);
        # Chromium reports that as ERR_ABORTED. A missing file is caught by _response's status check.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed: {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status >= 400 and response.url != self.main_url:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def open(self, url: str):
        self.main_url = url
        response = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return response


@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_page_loads_without_errors(kind: str, site_root: str, browser) -> None:
    watched = Watched(browser)
    response = watched.open(site_root + PAGE_TYPES[kind])
    assert response.status == (404 if kind == "404 at depth" else 200)
    assert watched.problems == []
    assert watched.page.locator("h1").count() >= 1
    # The stylesheet applied: the masthead has its border, at any depth.
    border = watched.page.evaluate("getComputedStyle(document.querySelector('.masthead')).borderBottomStyle")
    assert border == "solid"
    watched.page.close()


def test_navigation_and_pagination(site_root: str, browser) -> None:
    watched = Watched(browser)
    watched.open(site_root)
    first = watched.page.locator(".card-title a").first
    title = first.inner_text()
    first.click()
    watched.page.wait_for_load_state("networkidle")
    assert watched.page.locator("h1").inner_text() == title
    watched.open(site_root)
    watched.page.locator(".pagination a[rel=next]").click()
    watched.page.wait_for_load_state("networkidle")
    assert watched.page.url == site_root + "page/2/"
    assert "page 2" in watched.page.locator("h1").inner_text()
    assert watched.problems == []


def test_search_box_finds_the_article(site_root: str, browser) -> None:
    watched = Watched(browser)
    watched.open(site_root + "timeline/")
    watched.page.fill("#site-search", "face-swapping Zao")
    watched.page.press("#site-search", "Enter")
    watched.page.wait_for_selector(".search-result")
    links = watched.page.locator(".search-result a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links[0] == "/repo/" + ZAO
    assert watched.problems == []


def test_search_filters_by_company_and_sorts_by_date(site_root: str, browser) -> None:
    watched = Watched(browser)
    watched.open(site_root + "search/?companies=alibaba&sort=date")
    watched.page.wait_for_selector(".search-result")
    dates = watched.page.locator(".search-result time").evaluate_all("els => els.map(e => e.dateTime)")
    company_page = Watched(browser)
    company_page.open(site_root + "companies/alibaba/")
    count = company_page.page.locator(".card").count()
    assert len(dates) == count and dates == sorted(dates, reverse=True)
    assert watched.problems == [] and company_page.problems == []


def test_pages_read_well_on_a_phone(site_root: str, browser, tmp_path: Path) -> None:
    for kind in ("home", "article", "company"):
        watched = Watched(browser, 390, 844)
        watched.open(site_root + PAGE_TYPES[kind])
        overflow = watched.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{kind} scrolls sideways on a phone"
        watched.page.screenshot(path=str(tmp_path / f"{kind}-390.png"))
        assert watched.problems == []


@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_no_serious_accessibility_violations(kind: str, site_root: str, browser) -> None:
    require(AXE.exists(), "axe-core is not installed (npm ci)")
    watched = Watched(browser)
    watched.open(site_root + PAGE_TYPES[kind])
    watched.page.add_script_tag(path=str(AXE))
    results = watched.page.evaluate("axe.run()")
    serious = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_nu_html_checker_finds_no_errors(tmp_path: Path) -> None:
    require(VNU.exists(), "vnu-jar is not installed (npm ci)")
    require(shutil.which("java") is not None, "no java for the Nu HTML checker (apt-get install default-jre-headless)")
    config = load_config(REPO / "site.yaml").with_overrides(output_dir=tmp_path / "site")
    build(config)
    result = subprocess.run(["java", "-jar", str(VNU), "--skip-non-html", "--errors-only", "--also-check-css",
                             "--format", "json", str(config.output_dir)], capture_output=True, text=True)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert [(m.get("url", "").split("/site/")[-1], m.get("lastLine"), m["message"]) for m in messages] == []


def test_hostile_content_runs_no_script_in_the_browser(browser, tmp_path: Path) -> None:
    """Script, handlers and javascript: links from content: loaded, clicked, and no dialog ever opens."""
    from test_bad_input import HOSTILE

    site = tmp_path / "hostile"
    (site / "content").mkdir(parents=True)
    (site / "content" / "h.md").write_text(HOSTILE, encoding="utf-8")
    for raw_html in ("false", "true"):
        (site / "site.yaml").write_text(f"title: T\nbase_url: http://127.0.0.1/repo/\ntemplates_dir: {REPO / 'templates'}\n"
                                        f"allow_raw_html: {raw_html}\n")
        config = load_config(site / "site.yaml")
        build(config)
        with serve_under_prefix(config.output_dir, "repo") as root:
            for path in ("", "articles/script-alert-title-script-hostile/", "topics/", "companies/", "search/?q=hostile"):
                watched = Watched(browser)
                watched.open(root + path)
                for link in watched.page.locator("main a").all()[:20]:
                    link.evaluate("a => a.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))")
                watched.page.wait_for_timeout(200)
                assert not [p for p in watched.problems if p.startswith("dialog")], (raw_html, path, watched.problems)
                watched.page.close()

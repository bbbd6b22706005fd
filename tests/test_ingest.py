"""Ingest of plain-text dumps: the split against hand labels, robustness, conservation, safe re-ingest."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from generator.content import split_front_matter
from generator.ingest.dump import parse_dump
from generator.markup import render_markdown

DUMPS = REPO / "tests" / "dumps"
CORPUS = REPO / "corpus" / "techcrunch-china.txt"


def corpus_labels() -> list[str]:
    labels = yaml.safe_load((DUMPS / "techcrunch-china.yaml").read_text(encoding="utf-8"))["articles"]
    return [a["title"] for a in labels]


def labelled_dumps() -> list[tuple[str, str, list[str]]]:
    """(name, dump text, headlines) for the corpus and every labelled extra dump."""
    cases = [("techcrunch-china", CORPUS.read_text(encoding="utf-8"), corpus_labels())]
    for path in sorted(DUMPS.glob("*.txt")):
        labels = yaml.safe_load(path.with_suffix(".yaml").read_text(encoding="utf-8"))["articles"]
        cases.append((path.stem, path.read_text(encoding="utf-8"), [a["title"] for a in labels]))
    return cases


CASES = labelled_dumps()


def titles(text: str) -> list[str]:
    return [a.title.text for a in parse_dump(text, "dump.txt")[0].articles]


@pytest.mark.parametrize("name,text,labels", CASES, ids=[c[0] for c in CASES])
def test_split_matches_hand_labels_exactly(name: str, text: str, labels: list[str]) -> None:
    assert titles(text) == labels


def test_corpus_labels_name_fifty_articles() -> None:
    assert len(corpus_labels()) == 50


def _variants(text: str) -> dict[str, str]:
    lines = text.split("\n")
    body = "\n".join(lines[4:])  # without the tag line and the `Auto Added by WPeMatico` line
    return {
        "crlf": text.replace("\n", "\r\n"),
        "single_newlines": re.sub(r"\n\s*\n", "\n", text),
        "no_header": body,
        "bom": "\ufeff" + text,
        "trailing_spaces": "\n".join(line + "  " if line else line for line in lines),
        "nbsp_lines": text.replace("\n\n", "\n\u00a0\n", 7),
        "no_final_newline": text.rstrip("\n"),
    }


@pytest.mark.parametrize("name,text,labels", CASES, ids=[c[0] for c in CASES])
def test_split_is_the_same_for_every_file_variant(name: str, text: str, labels: list[str]) -> None:
    for variant, changed in _variants(text).items():
        assert titles(changed) == labels, variant


def test_header_gives_the_feed_tag() -> None:
    dump, _ = parse_dump(CORPUS.read_text(encoding="utf-8"), "corpus")
    assert dump.tag == "china"
    assert [b.text for b in dump.header] == ["china", "Auto Added by WPeMatico"]


# --- conservation: every line lands in exactly one page, in order, nothing invented -------------------

class _BlockText(HTMLParser):
    """Text of each block element (p, h2, li) of rendered HTML, in order."""

    BLOCKS = {"p", "h2", "h3", "li"}

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._depth = 0
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self.BLOCKS:
            self._depth += 1
            self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS and self._depth:
            self._depth -= 1
            self.blocks.append(" ".join("".join(self._buffer).split()))

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._buffer.append(data)


def page_lines(page: str) -> list[str]:
    """What a reader sees of an ingested page, line by line: title, byline, then every body block."""
    source = split_front_matter(page, "page.md")
    meta = yaml.safe_load(source.front_matter)
    lines = [meta["title"]] + [meta[k] for k in ("author", "author_role") if k in meta]
    parser = _BlockText()
    parser.feed(render_markdown(source.body))
    return [" ".join(str(line).split()) for line in lines + parser.blocks]


def dump_lines(text: str) -> list[str]:
    dump, _ = parse_dump(text, "dump")
    lines = [b.text for a in dump.articles for b in (a.title, *a.body)]
    return [" ".join(re.sub(r"^[•●▪◦·‣]\s*", "", line).split()) for line in lines]


def ingested_lines(tmp_path: Path, text: str, run_cli, make_site) -> list[str]:
    config = make_site({"dump.txt": text}, root=tmp_path)
    result = run_cli("ingest", "--config", config, config.parent / "dump.txt")
    assert result.code == 0, result.err
    pages = []
    for file in sorted((config.parent / "content").glob("*.md")):
        page = file.read_text(encoding="utf-8")
        meta = yaml.safe_load(split_front_matter(page, file.name).front_matter)
        pages.append((meta["source_position"], page))
    return [line for _, page in sorted(pages) for line in page_lines(page)]


@pytest.mark.parametrize("name,text,labels", CASES, ids=[c[0] for c in CASES])
def test_every_line_lands_in_one_page_in_order(name, text, labels, tmp_path, run_cli, make_site) -> None:
    assert ingested_lines(tmp_path, text, run_cli, make_site) == dump_lines(text)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
_NASTY = st.sampled_from(["$5", "*bold*", "_x_", "#tag", "<b>", "1.", "- item", "> quote", "[link](x)", "`code`",
                          "&amp;", "a|b", "{: .x}", "\\", "“quoted”", "50%", "e-mail", "U.S."])
_SENTENCE = st.lists(st.one_of(_WORD, _NASTY), min_size=4, max_size=30).map(
    lambda words: " ".join(words).capitalize() + ".")
_HEADLINE = st.lists(_WORD, min_size=4, max_size=12).map(lambda words: " ".join(words).capitalize())
_ARTICLE = st.tuples(_HEADLINE, st.lists(_SENTENCE, min_size=1, max_size=6))
_LINE_START = st.sampled_from(["", "# ", "1. ", "- ", "> ", "* ", "• ", "=== ", "<div> "])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Headlines are unique: a story repeated word for word in a dump is one story, and ingest merges it.
@given(articles=st.lists(_ARTICLE, min_size=1, max_size=5, unique_by=lambda article: article[0]), starts=st.lists(_LINE_START, min_size=30, max_size=30))
def test_conservation_holds_for_generated_dumps(articles, starts, tmp_path_factory, run_cli, make_site) -> None:
    lines = ["tag", "", "Auto Added by WPeMatico", ""]
    for index, (headline, paragraphs) in enumerate(articles):
        lines += [headline, ""]
        for j, paragraph in enumerate(paragraphs):
            lines += [starts[(index * 7 + j) % len(starts)] + paragraph, ""]
    text = "\n".join(lines)
    tmp = tmp_path_factory.mktemp("gen")
    assert ingested_lines(tmp, text, run_cli, make_site) == dump_lines(text)


# --- re-ingest ----------------------------------------------------------------------------------------

def test_reingest_is_stable_and_never_overwrites_a_hand_edit(make_site, run_cli) -> None:
    config = make_site({"dump.txt": CORPUS.read_text(encoding="utf-8")})
    dump = config.parent / "dump.txt"
    content = config.parent / "content"
    assert run_cli("ingest", "--config", config, dump).code == 0
    before = {p.name: p.read_bytes() for p in content.glob("*.md")}
    assert len(before) == 50

    again = run_cli("ingest", "--config", config, dump)
    assert "0 added, 0 refreshed, 50 unchanged" in again.out
    assert {p.name: p.read_bytes() for p in content.glob("*.md")} == before

    edited = content / "china-gets-serious-about-antitrust-fines-alibaba-2-75b.md"
    text = edited.read_text(encoding="utf-8").replace("topics: [", "topics: [Hand picked, ", 1)
    edited.write_text(text, encoding="utf-8")
    (content / "teslas-u-s-made-model-3-vehicles-now-come-equipped-with-wireless-charging-usb-c.md").unlink()
    result = run_cli("ingest", "--config", config, dump)
    assert result.code == 0
    assert (f"kept {edited.name}: edited by hand since ingest wrote it (use --force to overwrite)"
            in result.out.splitlines())
    assert "not re-added teslas-u-s-made-model-3" in result.out
    assert edited.read_text(encoding="utf-8") == text

    forced = run_cli("ingest", "--config", config, dump, "--force")
    assert forced.code == 0
    assert {p.name: p.read_bytes() for p in content.glob("*.md")} == before


def test_new_articles_from_another_dump_are_added(make_site, run_cli) -> None:
    config = make_site({"a.txt": (DUMPS / "fintech-2023.txt").read_text(encoding="utf-8"),
                        "b.txt": (DUMPS / "ai-2024.txt").read_text(encoding="utf-8")})
    assert run_cli("ingest", "--config", config, config.parent / "a.txt").code == 0
    result = run_cli("ingest", "--config", config, config.parent / "a.txt", config.parent / "b.txt")
    assert "7 added, 0 refreshed, 8 unchanged" in result.out
    assert len(list((config.parent / "content").glob("*.md"))) == 15


def test_repeated_titles_get_distinct_stable_slugs(make_site, run_cli) -> None:
    article = ("Same headline for two different stories here\n\n"
               "Same headline stories happen when a feed repeats a title for a different story, said nobody.\n\n")
    between = ("Quarterly results beat forecasts at the regional grocer\n\n"
               "The regional grocer reported quarterly results that beat analyst forecasts on Tuesday.\n\n")
    config = make_site({"dump.txt": "tag\n\nAuto Added by WPeMatico\n\n" + article + between
                        + article.replace("said", "wrote")})
    result = run_cli("ingest", "--config", config, config.parent / "dump.txt")
    assert result.code == 0
    names = sorted(p.name for p in (config.parent / "content").glob("same-*.md"))
    assert names == ["same-headline-for-two-different-stories-here-2.md",
                     "same-headline-for-two-different-stories-here.md"]
    assert ("note: two articles make the slug `same-headline-for-two-different-stories-here`; "
            "`Same headline for two different stories here` is `same-headline-for-two-different-stories-here-2`"
            in result.out.splitlines())


@pytest.mark.parametrize("data,message", [
    (b"", "dump.txt:1: no articles found: a dump is a headline line followed by its paragraphs, article after "
          "article"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "dump.txt:1: this is a binary file, not a text dump or a feed"),
    (b"tag\n\nA headline\n\nbody \xff text\n", "dump.txt:5: not UTF-8 (byte 0xff); re-save the file as UTF-8"),
])
def test_bad_dumps_are_reported_and_nothing_is_written(data, message, make_site, run_cli) -> None:
    config = make_site({"dump.txt": data})
    result = run_cli("ingest", "--config", config, config.parent / "dump.txt")
    assert result.code == 1
    assert message in [line.replace(str(config.parent) + "/", "") for line in result.err.splitlines()]
    assert list((config.parent / "content").iterdir()) == []


def test_one_line_dump_is_one_article(make_site, run_cli) -> None:
    config = make_site({"dump.txt": "A single headline with nothing after it\n"})
    result = run_cli("ingest", "--config", config, config.parent / "dump.txt")
    assert result.code == 0
    assert [p.name for p in (config.parent / "content").glob("*.md")] == [
        "a-single-headline-with-nothing-after-it.md"]


def test_ingested_content_builds_with_byline_tweet_and_caption(make_site, run_cli) -> None:
    config = make_site({"dump.txt": CORPUS.read_text(encoding="utf-8")})
    assert run_cli("ingest", "--config", config, config.parent / "dump.txt").code == 0
    assert run_cli("build", "--config", config).code == 0
    out = config.parent / "output" / "articles"
    zao = (out / "wechat-restricts-controversial-video-face-swapping-app-zao-citing-security-risks"
           / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<blockquote>\s*<p>In case you haven’t heard, #ZAO", zao)
    assert '<p class="attribution">— Allan Xia (@AllanXia) September 1, 2019</p>' in zao
    trends = (out / "6-investment-trends-that-could-emerge-from-the-covid-19-pandemic" / "index.html").read_text()
    assert "By Rocio Wu" in trends
    assert '<p class="credit">Image Credits: PitchBook</p>' in trends
    assert '<h2 id="1-future-of-work-promoting-intimacy-and-trust">1. Future of work' in trends

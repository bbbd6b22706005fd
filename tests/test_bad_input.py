"""Broken and hostile input: a clear `path:line: message` (or a warning where going on is safe), the
previous output/ intact, nothing written outside it, and time and memory bounded."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, TEMPLATES, snapshot
from generator.config import load_config
from generator.content import parse_page
from generator.ingest.dump import parse_dump, read_blocks, split_header
from generator.ingest.pages import Draft, IngestedArticle, page_text
from generator.slugs import slug_for_term, slugify_title, valid_slug

OK = "---\ntitle: Fine\ndate: 2021-01-01\n---\nBody.\n"


def page(front: str, body: str = "Body.\n") -> str:
    return f"---\n{front}\n---\n{body}"


HUGE = b"---\ntitle: T\ndate: 2021-01-01\n---\n" + b"word " * (10 * 1024 * 1024)  # 50 MB

# case → (content/x.md text or bytes, the exact error line). Each one fails the build with exit 1.
ERRORS: dict[str, tuple[str | bytes, str]] = {
    "never_closed": ("---\ntitle: T\ndate: 2021-01-01\n", "content/x.md:1: front matter opened here is never closed: "
                     "add a `---` line after the last field"),
    "no_front_matter": ("Just text.\n", "content/x.md:1: no front matter: a page must start with a `---` line, then "
                        "fields such as `title:`, then another `---` line"),
    "empty_file": ("", "content/x.md:1: no front matter: a page must start with a `---` line, then fields such as "
                   "`title:`, then another `---` line"),
    "bad_yaml": (page("title: [unclosed\ndate: 2021-01-01"), "content/x.md:2: invalid YAML: while parsing a flow "
                 "sequence, did not find expected ',' or ']'; check quotes, colons and indentation"),
    "tab_indent": (page("title: T\ndate: 2021-01-01\ntopics:\n\t- a"), "content/x.md:5: invalid YAML: while scanning "
                   "for the next token, found character that cannot start any token; check quotes, colons and "
                   "indentation"),
    "not_a_mapping": (page("- a\n- b"), "content/x.md:2: must be a mapping of `key: value` lines"),
    "scalar_front_matter": (page("just words"), "content/x.md:2: must be a mapping of `key: value` lines"),
    "duplicate_key": (page("title: A\ndate: 2021-01-01\ntitle: B"),
                      "content/x.md:4: duplicate key `title` (first set on line 2); keep one"),
    "missing_title": (page("date: 2021-01-01"), "content/x.md:1: missing `title:`; every page needs one"),
    "empty_title": (page("title: ''\ndate: 2021-01-01"), "content/x.md:2: `title` is empty; fill it in"),
    "null_title": (page("title:\ndate: 2021-01-01"), "content/x.md:2: `title` is empty; fill it in"),
    "list_title": (page("title: [a, b]\ndate: 2021-01-01"), "content/x.md:2: `title` must be text"),
    "mapping_title": (page("title: {a: 1}\ndate: 2021-01-01"), "content/x.md:2: `title` must be text"),
    "missing_date": (page("title: T"), "content/x.md:1: missing `date:`; every page needs one"),
    "impossible_date": (page("title: T\ndate: 2021-02-30"), "content/x.md:3: `date` is not a valid date: "
                        "`2021-02-30`; write it as YYYY-MM-DD, e.g. 2021-04-10"),
    "month_13": (page("title: T\ndate: 2021-13-01"), "content/x.md:3: `date` is not a valid date: `2021-13-01`; "
                 "write it as YYYY-MM-DD, e.g. 2021-04-10"),
    "number_date": (page("title: T\ndate: 5"), "content/x.md:3: `date` must be a date such as 2021-04-10"),
    "words_date": (page("title: T\ndate: last tuesday"), "content/x.md:3: `date` is not a valid date: "
                   "`last tuesday`; write it as YYYY-MM-DD, e.g. 2021-04-10"),
    "bad_date_source": (page("title: T\ndate: 2021-01-01\ndate_source: guessed"),
                        "content/x.md:4: `date_source` must be one of feed, text, inferred, manual"),
    "draft_not_bool": (page("title: T\ndate: 2021-01-01\ndraft: maybe"), "content/x.md:4: `draft` must be true or false"),
    "position_not_int": (page("title: T\ndate: 2021-01-01\nsource_position: first"),
                         "content/x.md:4: `source_position` must be a whole number"),
    "topics_mapping": (page("title: T\ndate: 2021-01-01\ntopics: {a: 1}"),
                       "content/x.md:4: `topics` must be a list of names, e.g. [Alibaba, Tencent]"),
    "term_without_letters": (page("title: T\ndate: 2021-01-01\ntopics: ['!!!']"),
                             "content/x.md:4: `topics` `!!!` has no letters or digits to make a URL from"),
    "term_dot_dot": (page("title: T\ndate: 2021-01-01\ncompanies: ['../']"),
                     "content/x.md:4: `companies` `../` has no letters or digits to make a URL from"),
    "nul_in_tag": (page('title: T\ndate: 2021-01-01\ntopics: ["a\\0b"]'),
                   "content/x.md:4: `topics` contains a control character (U+0000); remove it"),
    "nul_in_title": (page('title: "bad\\0title"\ndate: 2021-01-01'),
                     "content/x.md:2: `title` contains a control character (U+0000); remove it"),
    "slug_traversal": (page("title: T\ndate: 2021-01-01\nslug: ../../etc"), "content/x.md:4: `slug` must be lower-case "
                       "letters, digits and single hyphens, e.g. alibaba-fined"),
    "slug_with_slash": (page("title: T\ndate: 2021-01-01\nslug: a/b"), "content/x.md:4: `slug` must be lower-case "
                        "letters, digits and single hyphens, e.g. alibaba-fined"),
    "slug_too_long": (page(f"title: T\ndate: 2021-01-01\nslug: {'a' * 300}"), "content/x.md:4: `slug` must be "
                      "lower-case letters, digits and single hyphens, e.g. alibaba-fined"),
    "slug_reserved": (page("title: T\ndate: 2021-01-01\nslug: con"), "content/x.md:4: `slug` `con` is a reserved "
                      "name (a folder the site or Windows needs); choose another"),
    "slug_number": (page("title: T\ndate: 2021-01-01\nslug: 5"), "content/x.md:4: `slug` must be lower-case letters, "
                    "digits and single hyphens, e.g. alibaba-fined"),
    "javascript_source_url": (page("title: T\ndate: 2021-01-01\nsource_url: javascript:alert(1)"),
                              "content/x.md:4: `source_url` must be an absolute http(s) URL"),
    "title_without_letters": (page("title: '???'\ndate: 2021-01-01"),
                              "content/x.md:2: the title has no letters or digits to make a slug from; add `slug:`"),
    "alias_bomb": (page("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "\n".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 13)) + "\ntitle: T\ndate: 2021-01-01"),
                   "content/x.md:2: more than 100 aliases (*name): refusing to expand them; write the values out"),
    "deep_yaml": (page("title: T\ndate: 2021-01-01\nx: " + "[" * 20000 + "]" * 20000),
                  "content/x.md:4: invalid YAML: while increasing flow level, exceeded maximum nesting depth; check "
                  "quotes, colons and indentation"),
    "deep_lists": (page("title: T\ndate: 2021-01-01", "".join("    " * i + "- item\n" for i in range(200))),
                   "content/x.md:56: nested more than 50 lists or quotes deep; flatten it"),
    "deep_quotes": (page("title: T\ndate: 2021-01-01", "> " * 5000 + "quote\n"),
                    "content/x.md:5: nested more than 50 lists or quotes deep; flatten it"),
    "non_utf8": (b"---\ntitle: T\ndate: 2021-01-01\n---\nline\ncaf\xe9\n",
                 "content/x.md:6: not UTF-8 (byte 0xe9); re-save the file as UTF-8"),
    "utf16": ("---\ntitle: T\n".encode("utf-16"), "content/x.md:1: not UTF-8 (byte 0xff); re-save the file as UTF-8"),
    "binary": (bytes(range(256)) * 4, "content/x.md:2: not UTF-8 (byte 0x80); re-save the file as UTF-8"),
    "huge_file": (HUGE, f"content/x.md:1: {len(HUGE):,} bytes is over the 5,242,880-byte limit for one page; "
                        f"split it"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_page_is_an_error_at_its_line(case: str, make_site, run_cli) -> None:
    text, expected = ERRORS[case]
    config = make_site({"content/good.md": OK})
    assert run_cli("build", "--config", config).code == 0
    before_output = snapshot(config.parent / "output")
    (config.parent / "content/x.md").write_bytes(text if isinstance(text, bytes) else text.encode())
    before_tree = sorted(p.relative_to(config.parent).as_posix() for p in config.parent.rglob("*")
                         if not p.is_relative_to(config.parent / "output"))
    started = time.perf_counter()
    result = run_cli("build", "--config", config)
    assert time.perf_counter() - started < 10, "a bad page must fail fast"
    assert result.code == 1
    assert expected in result.err.splitlines(), result.err
    assert "Traceback" not in result.err
    assert snapshot(config.parent / "output") == before_output
    after_tree = sorted(p.relative_to(config.parent).as_posix() for p in config.parent.rglob("*")
                        if not p.is_relative_to(config.parent / "output"))
    assert after_tree == before_tree, "nothing may be written outside output/"


def test_two_pages_with_one_slug(make_site, run_cli) -> None:
    config = make_site({"content/a.md": OK, "content/b.md": OK.replace("Body", "Other")})
    result = run_cli("build", "--config", config)
    assert result.code == 1
    assert ("content/b.md:1: slug `fine` is already used by content/a.md; set a different `slug:` in one of them"
            in result.err.splitlines())


def test_link_out_of_content_is_skipped_with_a_warning(make_site, run_cli, tmp_path: Path) -> None:
    secret = tmp_path.parent / f"{tmp_path.name}-secret.md"
    secret.write_text(page("title: Secret\ndate: 2021-01-01"))
    config = make_site({"content/good.md": OK})
    (config.parent / "content/leak.md").symlink_to(secret)
    result = run_cli("build", "--config", config)
    assert result.code == 0
    assert "content/leak.md:1: warning: skipped: a link to a file outside content/" in result.err.splitlines()
    assert not (config.parent / "output/articles/secret").exists()


def test_missing_template_is_an_error(make_site, run_cli, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "base.html").write_text("{% block main %}{% endblock %}")
    config = make_site({"content/good.md": OK}, site_yaml=f"title: T\nbase_url: https://e.github.io/r/\n"
                                                           f"templates_dir: {theme}\n")
    result = run_cli("build", "--config", config)
    assert result.code == 1
    assert f"{theme}:1: template `index.html` not found; copy it from the default theme or fix `templates_dir`" \
        in result.err.splitlines()


def test_bad_data_file_is_an_error_at_its_line(make_site, run_cli) -> None:
    config = make_site({"content/good.md": OK, "data/companies.yaml": "Alibaba:\n  aliases: Alibaba Group\n"})
    result = run_cli("build", "--config", config)
    assert result.code == 1
    assert "data/companies.yaml:1: `Alibaba`: `aliases` must be a list of names" in result.err.splitlines()


HOSTILE = page(
    'title: "<script>alert(\'title\')</script> Hostile"\ndate: 2021-01-01\n'
    'summary: "<img src=x onerror=alert(\'summary\')>"\n'
    'topics: ["<script>alert(\'tag\')</script>", "<b onmouseover=alert(1)>x</b>"]\n'
    'companies: ["javascript:alert(1)"]',
    "<script>alert('body')</script>\n\n<iframe src=\"https://evil.example.com\"></iframe>\n\n"
    "[click](javascript:alert('link')) ![img](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    "<a href=\"#\" onclick=\"alert('onclick')\">x</a> <svg onload=alert(1)></svg>\n")


class _Tags(HTMLParser):
    """Every live element and attribute a browser would act on that content could have smuggled in."""

    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("iframe", "object", "embed", "style") or (tag == "script" and ("type", "module") not in attrs
                                                              and ("type", "application/ld+json") not in attrs):
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (name in ("href", "src") and (value or "").strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:"))):
                self.bad.append(f"<{tag} {name}={value!r}>")


@pytest.mark.parametrize("raw_html", [False, True])
def test_hostile_markup_never_becomes_live(raw_html: bool, make_site, run_cli) -> None:
    site = f"title: T\nbase_url: https://e.github.io/r/\ntemplates_dir: {TEMPLATES}\nallow_raw_html: {str(raw_html).lower()}\n"
    config = make_site({"content/h.md": HOSTILE}, site_yaml=site)
    result = run_cli("build", "--config", config)
    assert result.code == 0, result.err
    for file in (config.parent / "output").rglob("*.html"):
        tags = _Tags()
        tags.feed(file.read_text(encoding="utf-8"))
        assert tags.bad == [], file


def test_a_very_long_line_builds_in_bounded_time(make_site, run_cli) -> None:
    config = make_site({"content/long.md": page("title: Long\ndate: 2021-01-01", "word " * 20_000 + "\n")})
    started = time.perf_counter()
    assert run_cli("build", "--config", config).code == 0
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize("data,message", [
    (b"", "no articles found"),
    (b"\x00\x01\x02binary", "this is a binary file, not a text dump or a feed"),
    (b"x" * 100_000 + b"\n", None),
    (b"<rss version='2.0'><channel><title>Broken", "not a readable feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": 5}', "a JSON Feed needs an `items` list"),
])
def test_bad_ingest_sources(data: bytes, message: str | None, make_site, run_cli) -> None:
    config = make_site({"source.txt": data})
    result = run_cli("ingest", "--config", config, config.parent / "source.txt")
    if message is None:
        assert result.code == 0
        return
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err
    assert list((config.parent / "content").iterdir()) == []


# --- properties ---------------------------------------------------------------------------------------

CONFIG = None


def _config():
    global CONFIG
    if CONFIG is None:
        CONFIG = load_config(REPO / "tests/golden/basic/site.yaml")
    return CONFIG


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_the_splitter_takes_any_text(text: str) -> None:
    dump, _ = parse_dump(text, "fuzz.txt")
    lines = [b.text for a in dump.articles for b in (a.title, *a.body)]
    assert lines == [b.text for b in split_header(read_blocks(text))[2]]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000))
def test_the_front_matter_loader_takes_any_text(text: str) -> None:
    parsed = parse_page(text, "fuzz.md", _config())
    article, problems = parsed.article, parsed.problems
    assert article is not None or problems


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_slugs_are_always_safe(name: str) -> None:
    for slug in (slug_for_term(name), slugify_title(name)):
        assert slug == "" or valid_slug(slug) or slug.endswith("-1")
        assert "/" not in slug and ".." not in slug and "\x00" not in slug


_NAME = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: slug_for_term(s) and s == " ".join(s.split()))


@settings(max_examples=200, deadline=None)
@given(title=_NAME.filter(lambda s: slugify_title(s) != ""), topics=st.lists(_NAME, max_size=4, unique=True),
       day=st.dates(min_value=__import__("datetime").date(1990, 1, 1)))
def test_what_ingest_writes_loads_back_the_same(title: str, topics: list[str], day) -> None:
    draft = Draft(title=title, body="Body.\n", lines=("Body.",), lead="Body.", source="tag", position=1)
    article = IngestedArticle(draft=draft, slug=slugify_title(title), date=day, date_source="inferred",
                              terms=(("topics", tuple(topics)), ("companies", ()), ("places", ())), mentions=())
    parsed = parse_page(page_text(article), "x.md", _config())
    loaded, problems = parsed.article, parsed.problems
    assert loaded is not None, problems
    assert loaded.title == title and loaded.date.date() == day
    assert loaded.terms_of("topics") == tuple(dict.fromkeys(topics))

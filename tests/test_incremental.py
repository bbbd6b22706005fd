"""Cached, incremental builds equal clean builds after any sequence of edits; a bad cache is not trusted."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
import sqlite3
from pathlib import Path
from typing import Iterator

import jinja2
from markupsafe import Markup
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import TEMPLATES, snapshot
from generator.build import build
from generator.cache import cache_file
from generator.config import load_config
from generator.fragments import SCHEMA as FRAGMENTS_SCHEMA, Fragments
from generator.model import InputError
from generator import render, warm
from generator.outputs import search


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@contextmanager
def _beside_threads(count: int) -> Iterator[None]:
    """The block runs with `count` other threads alive, as under `digest serve`, where a build may
    not fork (see parallel.in_child)."""
    stop = threading.Event()
    others = [threading.Thread(target=stop.wait) for _ in range(count)]
    for thread in others:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in others:
            thread.join()


def _page(i: int, title: str, day: int, topics: list[str], companies: list[str], body: str, slug: str = "") -> str:
    slug = f"slug: {slug}\n" if slug else ""
    return (f"---\ntitle: {title}\n{slug}date: 2021-03-{day:02d}\ntopics: [{', '.join(topics)}]\n"
            f"companies: [{', '.join(companies)}]\n---\n{body}\n")


EDITS = st.sampled_from(["add", "delete", "retitle", "redate", "retopic", "recompany", "untag", "body", "summary", "template",
                         "card-words", "search-doc", "site", "data", "damage"])


def _apply(edit: str, n: int, root: Path) -> None:
    content = root / "content"
    pages = sorted(content.glob("*.md"))
    page = pages[n % len(pages)] if pages else None
    if edit == "add" or page is None:
        (content / f"new-{n}.md").write_text(_page(n, f"New story {n}", 1 + n % 28, ["AI"], ["Acme"], "New."))
    elif edit == "delete" and len(pages) > 1:
        page.unlink()
    elif edit == "retitle":
        page.write_text(page.read_text().replace("title: ", f"title: Renamed {n} ", 1))
    elif edit == "redate":
        text = page.read_text()
        page.write_text(text.replace(text.split("date: ")[1][:10], f"2020-0{1 + n % 9}-1{n % 10}"))
    elif edit == "retopic":
        page.write_text(page.read_text().replace("topics: [", f"topics: [Topic {n % 3}, ", 1))
    elif edit == "recompany":
        page.write_text(page.read_text().replace("companies: [", "companies: [Globex, ", 1))
    elif edit == "untag":  # its first topic, or company, goes: it may leave others' related lists
        text = page.read_text()
        for field in ("topics", "companies"):
            if f"\n{field}: []" not in text:
                page.write_text(re.sub(rf"^{field}: \[[^,\]]*(, )?", f"{field}: [", text, count=1, flags=re.M))
                break
    elif edit == "summary":  # shown on every page listing or linking the article; its slug stays
        text = page.read_text()
        kept = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("summary: "))
        page.write_text(kept.replace("\ndate: ", f"\nsummary: Edited {n}.\ndate: ", 1))
    elif edit == "body":
        page.write_text(page.read_text() + f"\nMore words {n}.\n")
    elif edit == "template":
        card = root / "theme" / "_card.html"
        card.write_text(card.read_text() + f"<!-- {n} -->\n")
    elif edit == "search-doc":  # what the search index reads of every article (staged between builds)
        doc = root / "theme" / "_search.html"
        doc.write_text(doc.read_text().replace("<div data-pagefind-body>", f"<div data-pagefind-body>\n<p>Also {n}</p>", 1))
    elif edit == "card-words":  # cards now show what only an article's own page did: body edits reach lists
        card = root / "theme" / "_card.html"
        card.write_text(card.read_text() + "<p>{{ article.word_count }} words</p>\n")
    elif edit == "site":
        site = root / "site.yaml"
        site.write_text(site.read_text().replace("title: Digest", f"title: Digest {n}", 1))
    elif edit == "damage":  # a hand-edited output file, found while an edit is built: the build repairs it
        built = sorted(p for p in (root / "output").rglob("*") if p.is_file() and p.name != ".digest-manifest.json")
        damaged = built[n % len(built)]
        if damaged.parent.name == "fragment":  # Pagefind's, checked by listing (see lastbuild.LISTED): one goes
            damaged.unlink()
        else:
            damaged.write_bytes(b"damaged")
        if page is not None:
            page.write_text(page.read_text() + f"\nDamage {n}.\n")
    elif edit == "data":
        (root / "data").mkdir(exist_ok=True)
        (root / "data" / "companies.yaml").write_text(f"Acme:\n  aliases: [Globex]\n  description: Edit {n}.\n")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(EDITS, st.integers(0, 50)), min_size=1, max_size=4), in_memory=st.booleans())
@example(edits=[("card-words", 0), ("body", 1)], in_memory=False)  # word counts on cards: a body edit reaches every list
@example(edits=[("retitle", 1), ("summary", 3), ("body", 3)], in_memory=False)  # slug kept: only what pages show changes
@example(edits=[("body", 1), ("retopic", 2), ("template", 3), ("body", 1)], in_memory=True)  # as under `digest serve`
@example(edits=[("damage", 7), ("damage", 31)], in_memory=False)
@example(edits=[("body", 1), ("search-doc", 2), ("body", 3)], in_memory=False)  # staged documents made again
@example(edits=[("add", 0), ("delete", 1)], in_memory=False)  # one article fewer, as many search shards
@example(edits=[("redate", 1), ("redate", 10)], in_memory=False)  # the second into a month that exists
@example(edits=[("data", 1), ("data", 2)], in_memory=False)  # a description edited: no article changes
@example(edits=[("retopic", 1), ("retopic", 4), ("untag", 4)], in_memory=False)  # leaves p1's related list
def test_incremental_build_equals_clean_build(edits, in_memory, tmp_path_factory, monkeypatch) -> None:
    """`in_memory`: the builds run as under `digest serve`, keeping what they read between them (warm.py)."""
    monkeypatch.setattr(search, "SHARD_PAGES", 2)  # 5 pages in 4 search shards; adding or deleting re-shards
    monkeypatch.setattr(render, "ARTICLES_A_GROUP", 1)  # article pages in groups of one or two, kept apart
    root = tmp_path_factory.mktemp("inc")
    shutil.copytree(TEMPLATES, root / "theme")
    (root / "site.yaml").write_text(f"title: Digest\nbase_url: https://e.github.io/r/\npage_size: 2\nrelated_count: 1\n"
                                    f"templates_dir: {root / 'theme'}\n")
    (root / "content").mkdir()
    for i in range(5):
        (root / "content" / f"p{i}.md").write_text(
            _page(i, f"Story {i}", 1 + i, [f"T{i % 2}"], ["Acme"] if i % 2 else ["Initech"], f"Body {i}.",
                  # a set slug: a retitle keeps it (only what the page shows changes); else the slug follows
                  slug=f"story-{i}" if i % 2 else ""))
    if in_memory:
        warm.enable()
    try:
        build(load_config(root / "site.yaml"))
        for edit, n in edits:
            _apply(edit, n, root)
            incremental = load_config(root / "site.yaml")
            build(incremental)
            clean = incremental.with_overrides(output_dir=root / f"clean-{n}-{edit}")
            build(clean, use_cache=False)
            assert _tree(incremental.output_dir) == _tree(clean.output_dir), (edit, n)
    finally:
        warm.disable()  # and forget what was kept


def test_unchanged_pages_come_from_the_cache(make_site, monkeypatch) -> None:
    config = load_config(make_site({"content/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\nA.\n"}))
    build(config)
    assert cache_file(config).exists()
    import generator.content as content

    def fail(*args, **kwargs):
        raise AssertionError("an unchanged page was parsed again")

    monkeypatch.setattr(content, "parse_page", fail)
    before = snapshot(config.output_dir)
    (config.content_dir / "a.md").touch()  # a real build (the stamp no longer matches), same bytes
    result = build(config)
    assert result.site is not None and result.report.written == ()
    assert snapshot(config.output_dir) == before


def test_a_front_matter_edit_reuses_the_body_and_a_body_edit_renders_it(make_site, monkeypatch) -> None:
    config = load_config(make_site({"content/a.md": "---\ntitle: A\nslug: a\ndate: 2021-01-01\n---\nThe *first* body.\n"}))
    build(config)
    import generator.content as content

    real = content.render_markdown
    rendered: list[str] = []
    monkeypatch.setattr(content, "render_markdown", lambda text, *a: rendered.append(text) or real(text, *a))
    page = config.content_dir / "a.md"
    page.write_text(page.read_text().replace("title: A", "title: A retitled\ntopics: [AI]"))
    build(config)
    assert rendered == []
    html = (config.output_dir / "articles/a/index.html").read_text()
    assert "A retitled" in html and "The <em>first</em> body." in html
    page.write_text(page.read_text().replace("first", "second"))
    build(config)
    assert rendered == ["The *second* body.\n"]
    assert "The <em>second</em> body." in (config.output_dir / "articles/a/index.html").read_text()
    clean = config.with_overrides(output_dir=config.output_dir.parent / "clean")
    build(clean, use_cache=False)
    assert _tree(config.output_dir) == _tree(clean.output_dir)


def test_a_no_change_build_does_nothing_but_repairs_a_damaged_output(make_site, run_cli) -> None:
    config = make_site({"content/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\nA.\n"})
    assert run_cli("build", "--config", config).code == 0
    before = _tree(config.parent / "output")
    again = run_cli("build", "--config", config)
    assert again.code == 0 and again.out.startswith("Nothing changed since the last build")
    page = config.parent / "output/articles/a/index.html"
    page.unlink()
    repaired = run_cli("build", "--config", config)
    assert repaired.out.startswith("Built ") and _tree(config.parent / "output") == before
    page.write_text("edited by hand")
    assert run_cli("build", "--config", config).out.startswith("Built ") and _tree(config.parent / "output") == before
    # Damage and an input change at once: the memo may not trust a fingerprint alone then.
    page.write_text("edited by hand")
    (config.parent / "content/a.md").touch()
    assert run_cli("build", "--config", config).out.startswith("Built ") and _tree(config.parent / "output") == before
    # Pagefind's fragment files are checked by their folder's listing, not one by one.
    (fragment,) = (config.parent / "output/pagefind").glob("*/fragment/*.pf_fragment")
    fragment.unlink()
    assert run_cli("build", "--config", config).out.startswith("Built ") and _tree(config.parent / "output") == before
    assert run_cli("build", "--config", config).out.startswith("Nothing changed")


def test_a_corrupt_or_foreign_cache_is_ignored_with_a_notice(make_site, run_cli) -> None:
    config = make_site({"content/a.md": "---\ntitle: A\ndate: 2021-01-01\n---\nA.\n"})
    assert run_cli("build", "--config", config).code == 0
    cache = cache_file(load_config(config))
    cache.write_bytes(b"not a database " * 500)
    (config.parent / "content/a.md").touch()  # so the build reads content again
    result = run_cli("build", "--config", config)
    assert result.code == 0 and "notice:" in result.err and "ignored it and rebuilt it" in result.err
    (config.parent / "content/a.md").touch()
    assert run_cli("build", "--config", config).err == ""  # rebuilt, and trusted again
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE info SET value = 'someone else' WHERE name = 'key'")
    db.close()
    (config.parent / "content/a.md").touch()
    result = run_cli("build", "--config", config)
    assert "made by other code (another version) or settings" in result.err
    # A forged entry for a changed file is not believed: the hash no longer matches.
    (config.parent / "content/a.md").write_text("---\ntitle: Changed\ndate: 2021-01-01\n---\nA.\n")
    assert run_cli("build", "--config", config).code == 0
    assert (config.parent / "output/articles/changed/index.html").exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(["retag", "redate", "add", "delete", "untag"]), st.integers(0, 10**6)),
                      min_size=1, max_size=6),
       count=st.integers(1, 6))
def test_remembered_related_articles_equal_a_full_recompute(edits, count, tmp_path_factory) -> None:
    """Only the articles an edit can affect are recomputed; the map is what a full recompute gives."""
    import random

    from generator.cache import RememberedIndex
    from generator.index import build_site
    from generator.model import Article

    root = tmp_path_factory.mktemp("related")
    (root / "site.yaml").write_text(f"title: T\nbase_url: https://e.github.io/r/\nrelated_count: {count}\n"
                                    "taxonomies:\n  - key: topics\n  - key: companies\n    related_weight: 3\n")
    config = load_config(root / "site.yaml")
    rng = random.Random(len(edits) * 7 + count)

    def article(i: int) -> Article:
        topics = tuple(f"T{t}" for t in rng.sample(range(6), rng.randint(0, 2)))
        companies = tuple(f"C{c}" for c in rng.sample(range(8), rng.randint(0, 2)))
        when = datetime(2021, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.randrange(60))
        return Article(f"a{i}", f"A{i}", when, "manual", "", "", (("topics", topics), ("companies", companies)),
                       (), "", "", f"a{i}.md", 1).sealed()

    articles = {i: article(i) for i in range(30)}
    remember = RememberedIndex(config)
    build_site(articles.values(), config, {}, {}, remember)
    for edit, n in edits:
        i = n % 40
        if edit == "delete" and len(articles) > 1:
            articles.pop(sorted(articles)[n % len(articles)])
        elif edit == "untag" and i in articles:
            articles[i] = articles[i]._replace(terms=(("topics", ()), ("companies", ()))).sealed()
        elif edit == "redate" and i in articles:
            articles[i] = articles[i]._replace(date=articles[i].date + timedelta(days=n % 9 - 4)).sealed()
        else:  # retag, or add a new article under that number
            articles[i] = article(i)
        remembered = build_site(articles.values(), config, {}, {}, remember).related
        assert remembered == build_site(articles.values(), config, {}, {}).related, (edit, i)
    remember.finish()


@settings(max_examples=40, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(["retag", "redate", "add", "delete", "untag", "respell"]),
                                st.integers(0, 10**6)), min_size=1, max_size=6))
def test_a_taxonomy_made_again_for_the_changed_articles_equals_a_full_one(edits) -> None:
    """build_taxonomy from the previous taxonomy and the changed articles gives what it gives from scratch:
    term lists in date order, the most written spelling, related terms by co-occurrence, aliases."""
    import random

    from generator.index import build_taxonomy, newest_first
    from generator.model import Article, TermInfo

    rng = random.Random(len(edits) * 13 + edits[0][1])
    spellings = ["Acme", "ACME", "acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne"]
    infos = (TermInfo("Acme Corp", aliases=("Acme Inc",)), TermInfo("Hooli", description="A search firm."))

    def article(i: int) -> Article:
        names = tuple(rng.sample(spellings + ["Acme Inc"], rng.randint(0, 4)))
        when = datetime(2021, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.randrange(20))
        return Article(f"a{i}", f"A{i}", when, "manual", "", "", (("companies", names),), (), "", "", f"a{i}.md",
                       1).sealed()

    articles = {i: article(i) for i in range(25)}
    previous = build_taxonomy("companies", newest_first(articles.values()), infos)
    for edit, n in edits:
        i = n % 30
        changed = {f"a{i}"}
        if edit == "delete" and articles:
            gone = sorted(articles)[n % len(articles)]
            changed = {f"a{gone}"}
            articles.pop(gone)
        elif edit == "untag" and i in articles:
            articles[i] = articles[i]._replace(terms=(("companies", ()),)).sealed()
        elif edit == "redate" and i in articles:
            articles[i] = articles[i]._replace(date=articles[i].date + timedelta(days=n % 9 - 4)).sealed()
        elif edit == "respell" and i in articles:  # the same companies, written another way
            names = tuple(name.upper() if n % 2 else name.lower() for name in articles[i].terms_of("companies"))
            articles[i] = articles[i]._replace(terms=(("companies", names),)).sealed()
        else:  # retag, or add a new article under that number
            articles[i] = article(i)
        ordered = newest_first(articles.values())
        remade = build_taxonomy("companies", ordered, infos, previous, changed)
        assert remade == build_taxonomy("companies", ordered, infos), (edit, i)
        previous = remade


@pytest.mark.parametrize("templates, shows", [
    ({"article.html": "{{ lookup.body(article) }} {{ article.word_count }} {{ older.title }}"}, False),
    ({"article.html": "{{ lookup.body(older) }}"}, True),
    ({"article.html": "{% for article in related %}{{ article.word_count }}{% endfor %}"}, True),
    ({"_card.html": "{{ article.word_count }}"}, True),
    ({"_card.html": "{{ article['word_count'] }}"}, True),
    ({"_card.html": "{{ article[field] }}"}, True),
    ({"index.html": "{{ articles|map(attribute=name)|join }}"}, True),
    ({"index.html": "{{ articles|map(attribute='title')|join }}"}, False),
])
def test_what_cards_can_show_is_read_from_the_templates(templates, shows) -> None:
    """A body edit re-renders only the article's page unless a template can show it elsewhere."""
    env = jinja2.Environment(loader=jinja2.DictLoader(templates))
    assert render.cards_show_page_only(env) is shows


def test_the_default_theme_shows_bodies_on_article_pages_only() -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    assert render.cards_show_page_only(env) is False


def test_builds_kept_in_memory_trust_nothing_a_failed_build_or_another_process_changed(make_site) -> None:
    """Under `digest serve` builds keep what they read (warm.py); what they keep must still be what
    is on disk: after a build that failed half-way, and after a build by another process."""
    page_a = "---\ntitle: A\ndate: 2021-01-01\n---\nFirst words.\n"
    page_b = "---\ntitle: B\ndate: 2021-01-02\n---\nB.\n"
    config = load_config(make_site({"content/a.md": page_a, "content/b.md": page_b}))
    content = config.content_dir

    def clean_tree() -> dict[str, bytes]:
        clean = config.with_overrides(output_dir=config.output_dir.parent / "clean")
        shutil.rmtree(clean.output_dir, ignore_errors=True)
        build(clean, use_cache=False)
        return _tree(clean.output_dir)

    warm.enable()
    try:
        build(config)
        # A failed build: a.md was parsed anew, but b.md is broken, so nothing was saved.
        (content / "a.md").write_text(page_a.replace("First", "Second"))
        (content / "b.md").write_text("---\ntitle: [\n---\n")
        with pytest.raises(InputError):
            build(config)
        (content / "a.md").write_text(page_a)
        (content / "b.md").write_text(page_b)
        build(config)
        assert b"First words" in (config.output_dir / "articles/a/index.html").read_bytes()
        assert _tree(config.output_dir) == clean_tree()
        # Another process builds the site after an edit; this one then sees the edit undone.
        (content / "a.md").write_text(page_a.replace("First", "Third"))
        subprocess.run([sys.executable, "-m", "generator", "build", "--config", str(config.config_path)],
                       check=True, capture_output=True)
        (content / "a.md").write_text(page_a)
        build(config)
        assert _tree(config.output_dir) == clean_tree()
    finally:
        warm.disable()


def test_fragments_made_under_another_salt_are_never_used(tmp_path) -> None:
    """Another process may save the record between this build's read of it and its render: a card it
    made under other templates or settings (another salt) must be made again, not shown."""
    record = tmp_path / "build.sqlite"
    theirs = Fragments(None, "other theme")
    theirs.get("card h2", "d1", lambda: "<article>old theme</article>")
    theirs.get("facet", "d1", lambda: '{"title":"old"}')
    with sqlite3.connect(record) as db:
        db.executescript(FRAGMENTS_SCHEMA)
        theirs.save(db, salt_changed=True, stale=set())
    ours = Fragments(record, "this theme")
    ours.preload("facet")
    ours.fetch("card", ["d1"])  # as a page about to show d1's card reads it (Lookup.fetch_cards)
    assert ours.get("facet", "d1", lambda: '{"title":"new"}') == '{"title":"new"}'
    assert ours.get("card h2", "d1", lambda: "<article>new</article>") == "<article>new</article>"
    again = Fragments(record, "other theme")  # the salt they were made under: read back, not made
    assert again.get("card h2", "d1", lambda: "made") == "<article>old theme</article>"
    fetched = Fragments(record, "other theme")
    fetched.fetch("card", ["d1", "d2"])
    assert fetched.get("card h2", "d1", lambda: "made") == "<article>old theme</article>"
    assert fetched.get("card h2", "d2", lambda: "made") == "made"
    assert again.new == {} and list(fetched.new) == ["card h2|d2"]


def test_a_damaged_page_beside_an_edited_one_is_made_again(make_site) -> None:
    """An edit reaching one article page of a group makes that page alone and keeps the others
    (PageMemo.pages_to_remake) — but not one changed by hand meanwhile: it is made again too."""
    pages = {f"content/p{i}.md": _page(i, f"Story {i}", 1 + i, ["AI"], ["Acme"], f"Body {i}.") for i in range(4)}
    config = load_config(make_site(pages))
    build(config)  # four articles: one group of article pages
    beside = config.output_dir / "articles/story-2/index.html"
    beside.write_bytes(b"changed by hand")
    edited = config.content_dir / "p1.md"
    edited.write_text(edited.read_text() + "\nOne more sentence.\n")
    build(config)
    clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))
    build(clean, use_cache=False)
    assert b"One more sentence." in (config.output_dir / "articles/story-1/index.html").read_bytes()
    assert _tree(config.output_dir) == _tree(clean.output_dir)


def test_a_terms_pages_before_a_newly_tagged_article_are_kept(make_site) -> None:
    """A term's later pages show no count (see render._term_pages, `later`): an article added at the end
    of its list leaves the pages before it as they were — until the number of pages changes."""
    pages = {f"content/p{i}.md": _page(i, f"Story {i}", 10 + i, ["AI"], [], f"Body {i}.") for i in range(5)}
    config = load_config(make_site(pages, "title: T\nbase_url: https://e.github.io/r/\npage_size: 2\n"
                                          f"templates_dir: {TEMPLATES}\n"))
    build(config)
    second = config.output_dir / "topics/ai/page/2/index.html"
    written = second.stat().st_mtime_ns
    assert b"Page 2 of 3" in second.read_bytes() and b"5 articles" in (config.output_dir / "topics/ai/index.html").read_bytes()
    (config.content_dir / "old.md").write_text(_page(8, "Old story", 2, ["AI"], [], "Old."))
    assert "topics/ai/page/2/index.html" not in build(config).report.written
    assert second.stat().st_mtime_ns == written
    assert b"6 articles" in (config.output_dir / "topics/ai/index.html").read_bytes()
    (config.content_dir / "older.md").write_text(_page(9, "Older story", 1, ["AI"], [], "Older."))
    build(config)
    assert b"Page 2 of 4" in second.read_bytes()
    clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))
    build(clean, use_cache=False)
    assert _tree(config.output_dir) == _tree(clean.output_dir)


def test_caches_made_by_other_code_of_the_same_version_are_not_trusted(make_site, monkeypatch) -> None:
    """After a `git pull` that changed the code but not the version number, nothing the older code
    parsed or rendered is reused: the build equals a clean one by the new code."""
    import generator
    from generator import content

    pages = {f"content/p{i}.md": _page(i, f"Story {i}", 1 + i, ["AI"], ["Acme"], f"Body {i}.") for i in range(3)}
    config = load_config(make_site(pages))
    build(config)
    # The new code renders paragraphs differently; only its hash tells it from the old.
    monkeypatch.setattr(generator, "_code_version", f"{generator.__version__}+new code")
    parse = content.render_markdown
    monkeypatch.setattr(content, "render_markdown", lambda *args: parse(*args).replace("<p>", '<p class="new">'))
    (config.content_dir / "p1.md").touch()  # the stamp sees the files, not the code it ran
    build(config)
    clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))
    build(clean, use_cache=False)
    assert b'<p class="new">Body 0.</p>' in (config.output_dir / "articles/story-0/index.html").read_bytes()
    assert _tree(config.output_dir) == _tree(clean.output_dir)
    # Newer code again, rendering pages differently from the same parsed content.
    monkeypatch.setattr(generator, "_code_version", f"{generator.__version__}+newer code")
    shown = render.Lookup.body
    monkeypatch.setattr(render.Lookup, "body", lambda look, article: shown(look, article) + Markup("<hr>"))
    (config.content_dir / "p1.md").touch()
    build(config)
    build(clean, use_cache=False)
    assert b"<hr>" in (config.output_dir / "articles/story-0/index.html").read_bytes()
    assert _tree(config.output_dir) == _tree(clean.output_dir)


def test_after_each_kind_of_edit_the_next_build_finds_nothing_to_do(make_site, run_cli) -> None:
    """The record an edit build leaves is the stamp of what it wrote — Pagefind's fragment folders
    included, whose listings change with a body edit and not with a tag edit."""
    pages = {f"content/p{i}.md": _page(i, f"Story {i}", 1 + i, ["AI"], ["Acme"], f"Body {i}.") for i in range(3)}
    config = make_site(pages)
    assert run_cli("build", "--config", config).out.startswith("Built ")
    page = config.parent / "content/p1.md"
    for edit in [lambda t: t + "\nMore words.\n", lambda t: t.replace("[AI]", "[AI, Chips]"),
                 lambda t: t.replace("title: Story 1", "title: Story One")]:
        page.write_text(edit(page.read_text()))
        assert run_cli("build", "--config", config).out.startswith("Built ")
        assert run_cli("build", "--config", config).out.startswith("Nothing changed")


def test_the_output_check_runs_beside_the_build_in_another_process(make_site, tmp_path) -> None:
    """An edit build checks that output/ is as recorded (15,000 stats at 10,000 articles) in another
    process while it renders: a forked child, or — with other threads running, as under `digest
    serve`, where it may not fork — a new interpreter reading the record itself. Either way a page
    changed by hand is found and made again."""
    import os
    import subprocess

    from generator import stamp

    config = load_config(make_site({f"content/p{i}.md": _page(i, f"Story {i}", 1 + i, ["AI"], ["Acme"], f"Body {i}.")
                                    for i in range(3)}))
    build(config)
    seen = tmp_path / "checked-by"
    real = stamp.outputs_as_recorded
    spawned: list[list[str]] = []
    real_popen = subprocess.Popen

    def recording(config, last):  # type: ignore[no-untyped-def]
        with open(seen, "a") as log:
            log.write(f"{os.getpid()}\n")
        return real(config, last)

    def popen(command, *args, **kwargs):  # type: ignore[no-untyped-def]
        spawned.append(list(command))
        return real_popen(command, *args, **kwargs)

    page = config.output_dir / "articles/story-2/index.html"
    clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stamp, "outputs_as_recorded", recording)
        patch.setattr(subprocess, "Popen", popen)
        for round, threads in enumerate([1, 2]):
            seen.unlink(missing_ok=True)
            spawned.clear()
            with _beside_threads(threads - 1):
                page.write_bytes(b"changed by hand")
                edited = config.content_dir / "p0.md"
                edited.write_text(edited.read_text() + f"\nMore, round {round}.\n")
                build(config)
            checkers = [int(pid) for pid in seen.read_text().split()] if seen.exists() else []
            checked_in_a_new_interpreter = [c for c in spawned if "generator.outputcheck" in c]
            if threads == 1:  # forked: the check ran in a child, not here
                assert checkers and os.getpid() not in checkers and not checked_in_a_new_interpreter, round
            else:  # beside threads: no fork, but a new interpreter; this process does not check
                assert len(checked_in_a_new_interpreter) == 1 and not checkers, round
            # The page changed by hand was found (a check answering "as recorded" would keep it).
            build(clean, use_cache=False)
            assert _tree(config.output_dir) == _tree(clean.output_dir)


def test_an_edited_body_is_indexed_before_the_other_articles_are_read(make_site, monkeypatch) -> None:
    """Pagefind starts on the edited article's shard as soon as its page is parsed (start_early), and
    the build takes that run over; a guess the build finds wrong is waited for and dropped."""
    monkeypatch.setattr(search, "SHARD_PAGES", 2)  # 6 pages in 4 shards
    config = load_config(make_site({f"content/p{i}.md": _page(i, f"Story {i}", 1 + i, ["AI"], ["Acme"], f"Body {i}.",
                                                              slug=f"story-{i}") for i in range(6)}))
    build(config)
    runs: list[str] = []
    real_run = search._run_pagefind
    monkeypatch.setattr(search, "_run_pagefind", lambda site, *a: runs.append(site.name) or real_run(site, *a))
    started: list[object] = []
    real_start = search.start_early
    monkeypatch.setattr(search, "start_early", lambda *a: started.append(real_start(*a)) or started[-1])
    clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))

    def same_as_clean() -> None:
        shutil.rmtree(clean.output_dir, ignore_errors=True)
        build(clean, use_cache=False)
        assert _tree(config.output_dir) == _tree(clean.output_dir)

    page = config.content_dir / "p3.md"
    page.write_text(page.read_text() + "\nMore words.\n")
    build(config)
    count = search.shard_count(6)
    assert started[-1] is not None and runs == [f"{count}-{search.shard_of('story-3', count)}"]
    same_as_clean()
    # A topic added: its search document is the same, so nothing starts and nothing is indexed.
    runs.clear()
    page.write_text(page.read_text().replace("topics: [", "topics: [Cloud, "))
    build(config)
    assert started[-1] is None and runs == []
    same_as_clean()
    # A body edit and, in the same build, a page of another shard deleted: the early run is not the
    # one the build needs (two shards are stale); it is dropped, and both are indexed again.
    runs.clear()
    other = next(i for i in range(6) if search.shard_of(f"story-{i}", count) != search.shard_of("story-3", count))
    page.write_text(page.read_text() + "\nEven more.\n")
    (config.content_dir / f"p{other}.md").unlink()
    build(config)
    shards = {f"{count}-{search.shard_of(f'story-{i}', count)}" for i in (3, other)}
    assert started[-1] is not None and len(runs) == 3
    assert runs[0] == f"{count}-{search.shard_of('story-3', count)}" and sorted(runs[1:]) == sorted(shards)
    same_as_clean()


def test_the_spawned_output_check_reads_the_record_itself(make_site) -> None:
    """outputcheck.py, as a new interpreter runs it: output/ as recorded → yes; a file touched, or a
    record saved since by another build (another token) → no."""
    import os
    import subprocess
    import sys

    from generator.lastbuild import load_last_build, record_file

    config = load_config(make_site({"content/a.md": _page(0, "A", 1, ["AI"], ["Acme"], "Body.")}))
    build(config)
    token = load_last_build(config).token

    def check(token: str) -> str:
        return subprocess.run([sys.executable, "-m", "generator.outputcheck", str(record_file(config)),
                               str(config.output_dir), token], capture_output=True, text=True, check=True).stdout

    assert check(token) == "1"
    assert check("another build's") == "0"
    page = config.output_dir / "articles/a/index.html"
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))
    assert check(token) == "0"
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns - 1))
    assert check(token) == "1"
    with sqlite3.connect(record_file(config)) as db:
        stamps = db.execute("SELECT body FROM documents WHERE name = 'stamps'").fetchone()[0]
    for damaged in [b"not json", b'{"paths": [7], "sizes": [1], "mtimes": [1]}',
                    stamps.replace(b'"sizes":[', b'"sizes":[1,')]:  # documents not as saved: never "yes"
        with sqlite3.connect(record_file(config)) as db:
            db.execute("UPDATE documents SET body = ? WHERE name = 'stamps'", (damaged,))
        assert check(token) == "0"
    with sqlite3.connect(record_file(config)) as db:
        db.execute("UPDATE documents SET body = ? WHERE name = 'stamps'", (stamps,))
    assert check(token) == "1"


def test_a_record_whose_documents_are_not_its_own_is_not_trusted(make_site) -> None:
    """A record's document that is not JSON, or not of the shape the build reads, makes the next build
    a real one, as if there were no record: output/ as a clean build leaves it, and a record trusted
    again after it."""
    from generator.lastbuild import record_file

    config = _three_pages(make_site)
    build(config)
    before = _tree(config.output_dir)
    record = record_file(config)
    for name, body in [("files", b"not json"), ("groups", b'{"home": ["fingerprint", "index.html"]}'),
                       ("listed", b"[]"), ("articles", b'{"p0": 1}'), ("shapes", b'{"home": null}')]:
        with sqlite3.connect(record) as db:
            db.execute("UPDATE documents SET body = ? WHERE name = ?", (body, name))
        (config.output_dir / "articles/story-1/index.html").write_text("changed by hand")
        assert build(config).site is not None, name
        assert _tree(config.output_dir) == before, name
        assert build(config).site is None, name  # the record written anew, and trusted


def _three_pages(make_site) -> "SiteConfig":  # type: ignore[name-defined]
    return load_config(make_site({f"content/p{i}.md": _page(i, f"Story {i}", 1 + i, ["AI"], ["Acme"], f"Body {i}.")
                                  for i in range(3)}))


def test_the_survey_runs_beside_the_build_and_answers_as_it_would_here(make_site, tmp_path) -> None:
    """`digest build` lists content/ and compares it with the content cache in a forked child while
    it loads (survey.py); beside other threads, where it may not fork, in its own process. The
    answer is the same either way: the edited page to read, the others from the cache."""
    import os

    from generator import survey

    config = _three_pages(make_site)
    build(config)
    edited = config.content_dir / "p1.md"
    edited.write_text(edited.read_text() + "\nMore.\n")
    seen = tmp_path / "surveyed-by"
    real = survey.survey

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        with open(seen, "a") as log:
            log.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    answers = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(survey, "survey", recording)
        for threads in (1, 2):
            seen.unlink(missing_ok=True)
            with _beside_threads(threads - 1):
                answers.append(survey.start_survey(config)())
            (pid,) = [int(line) for line in seen.read_text().split()]
            assert (pid != os.getpid()) == (threads == 1), threads
    forked, here = answers
    assert forked == here
    assert [page.path for page in forked.changed] == ["content/p1.md"]
    assert forked.hits == ("content/p0.md", "content/p2.md") and forked.gone == () and forked.cache
    assert forked.unchanged is None and forked.record  # the inputs differ from the record's


def test_a_survey_older_than_the_cache_is_compared_again(make_site) -> None:
    """A cache saved after the survey compared pages with it (another build came between) is not
    read by the survey's answer: the build compares the pages again, and finds the latest edit."""
    from generator.survey import start_survey

    config = _three_pages(make_site)
    build(config)
    (config.content_dir / "p2.md").touch()  # the inputs differ: the survey compares pages
    old = start_survey(config)()
    assert "content/p0.md" in old.hits
    page = config.content_dir / "p0.md"
    page.write_text(page.read_text().replace("Body 0.", "Second body."))
    build(config)
    page.write_text(page.read_text().replace("Second body.", "Third body."))
    build(config, surveyed=lambda: old)
    shown = (config.output_dir / "articles/story-0/index.html").read_text()
    assert "Third body." in shown and "Second body." not in shown
    clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))
    build(clean, use_cache=False)
    assert _tree(config.output_dir) == _tree(clean.output_dir)


def test_a_no_change_answer_about_another_record_is_checked_again(make_site) -> None:
    """The survey found output/ as the record it read says; another build then saved a record, and
    output/ was changed by hand. The build checks output/ against the record it has, and makes the
    site again from a new survey (the first compared no pages)."""
    from generator.survey import start_survey

    config = _three_pages(make_site)
    build(config)
    before = _tree(config.output_dir)
    unchanged = start_survey(config)()
    assert unchanged.unchanged is True and not unchanged.complete
    page = config.output_dir / "articles/story-1/index.html"
    page.write_text("edited by hand")
    assert build(config).site is not None  # a repair: another record
    page.write_text("edited by hand")
    result = build(config, surveyed=lambda: unchanged)
    assert result.site is not None and len(result.site.articles) == 3
    assert _tree(config.output_dir) == before


def _stored_articles(config) -> list:  # type: ignore[no-untyped-def]
    from generator import articlecolumns
    from generator.survey import cache_file

    with sqlite3.connect(cache_file(config)) as db:
        return articlecolumns.decode(db.execute("SELECT columns FROM articles").fetchone()[0])


def _store_articles(config, data: bytes) -> None:  # type: ignore[no-untyped-def]
    from generator.survey import cache_file

    with sqlite3.connect(cache_file(config)) as db:
        db.execute("UPDATE articles SET columns = ?", (data,))


def test_unchanged_articles_are_read_back_from_the_cache_document(make_site) -> None:
    """An edit build parses the edited page and reads every other article back from the cache's one
    document of columns; each save writes the document anew with every page's article."""
    from generator import articlecolumns

    config = _three_pages(make_site)
    build(config)
    stored = _stored_articles(config)
    assert [page for page, _ in stored] == ["content/p0.md", "content/p1.md", "content/p2.md"]
    marked = [(page, article._replace(title="Read back from the cache") if page == "content/p2.md" else article)
              for page, article in stored]
    _store_articles(config, articlecolumns.encode(marked))
    edited = config.content_dir / "p0.md"
    edited.write_text(edited.read_text().replace("Body 0.", "Edited body."))
    build(config)
    # p2, unchanged, is the article read back; p0, edited, was parsed
    assert "Read back from the cache" in (config.output_dir / "articles/story-2/index.html").read_text()
    assert "Edited body." in (config.output_dir / "articles/story-0/index.html").read_text()
    saved = dict(_stored_articles(config))
    assert saved["content/p2.md"].title == "Read back from the cache"  # as read back, kept
    assert saved["content/p0.md"].body_digest != dict(stored)["content/p0.md"].body_digest  # as parsed now


def test_an_unreadable_cache_document_is_ignored_with_a_notice(make_site, capsys) -> None:
    """A cache whose articles document is not one is found out only when the build reads it: the
    build says so, reads every page again, writes what a clean build writes, and saves a new cache."""
    config = _three_pages(make_site)
    build(config)
    clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))
    import json

    from generator import articlecolumns

    whole = json.loads(articlecolumns.encode(_stored_articles(config)))
    for damaged in [b"not json", json.dumps({"page": whole["page"], "slug": whole["slug"]}).encode(),
                    json.dumps({**whole, "page": whole["page"] + ["content/p9.md"]}).encode()]:
        _store_articles(config, damaged)
        edited = config.content_dir / "p1.md"
        edited.write_text(edited.read_text() + "\nAnother sentence.\n")
        capsys.readouterr()
        result = build(config)
        assert result.site is not None and len(result.site.articles) == 3
        assert "unreadable" in capsys.readouterr().err
        build(clean, use_cache=False)
        assert _tree(config.output_dir) == _tree(clean.output_dir)
        assert len(_stored_articles(config)) == 3  # saved anew, whole


def test_articles_read_late_come_from_the_save_the_pages_were_compared_with(make_site) -> None:
    """Under `digest serve` the articles document is read only when an article is not in memory,
    after the pages were compared: if another build saved the cache in between, the document is
    not trusted, and the build starts again without the cache."""
    from generator.cache import CacheUnreadable, load_cache
    from generator.survey import survey

    config = _three_pages(make_site)
    build(config)
    warm.enable()
    try:
        cache = load_cache(config, survey(config, config.config_path.parent, stamp=False))
        with sqlite3.connect(cache_file(config)) as db:
            db.execute("UPDATE info SET value = 'another save' WHERE name = 'token'")
        with pytest.raises(CacheUnreadable, match="saved by another build"):
            cache.reused()
        cache.close()
        fresh = load_cache(config, survey(config, config.config_path.parent, stamp=False))
        assert len(fresh.reused()[0]) == 3  # the same save throughout: read back
        fresh.close()
    finally:
        warm.disable()


def test_the_index_is_saved_with_the_caches_once_output_is_written(make_site) -> None:
    """A tag edit's index.json (2.4 MB at 10,000 articles) is read by the next build only, so it is
    written with the other caches: by build() itself, or — build(save_later=True), as `digest build`
    and `digest serve` do — by the save handed back, after output/ is written; the next build
    starts from it."""
    import json as json_module

    config = _three_pages(make_site)
    build(config)
    index_file = cache_file(config).with_name("index.json")
    page = config.content_dir / "p1.md"
    for round, later in enumerate([False, True, True]):
        before = index_file.read_bytes()
        page.write_text(page.read_text().replace("topics: [", f"topics: [Round {round}, ", 1))
        result = build(config, save_later=later)
        assert result.site is not None
        assert f"Round {round}".encode() in (config.output_dir / f"topics/round-{round}/index.html").read_bytes()
        if later:
            assert result.save is not None and index_file.read_bytes() == before  # not yet
            result.save()
        else:
            assert result.save is None
        assert json_module.loads(index_file.read_text())["key"] == result.site.index_key
    clean = config.with_overrides(output_dir=config.output_dir.with_name("clean"))
    build(clean, use_cache=False)
    assert _tree(config.output_dir) == _tree(clean.output_dir)
    assert build(config).site is None  # the record saved by the save handed back: nothing to do


def test_fragment_listings_worked_out_from_the_last_record_are_those_of_the_files() -> None:
    """The record's listings of Pagefind's fragment folders, worked out from the last build's and
    the fragments that came and went, equal those worked out from every file: a body edit renames a
    fragment, a deleted article empties a folder, a new shard's folder appears."""
    from generator.lastbuild import LastBuild, listings

    before = ["index.html", "pagefind/0/fragment/en_a.pf_fragment", "pagefind/0/fragment/en_b.pf_fragment",
              "pagefind/1/fragment/en_c.pf_fragment", "pagefind/1/pagefind.js"]
    last = LastBuild(files=dict.fromkeys(before, "1 1"), listed=listings(before), token="t")
    for now in [
        before,  # nothing came or went
        [p.replace("en_b", "en_b2") for p in before],  # a body edit: one fragment renamed
        [p for p in before if "en_c" not in p],  # the only fragment of shard 1 gone
        [*before, "pagefind/2/fragment/en_d.pf_fragment", "about.html"],  # a new shard's folder
    ]:
        assert listings(dict.fromkeys(now), last) == listings(now)
    assert listings(before) == {"pagefind/0/fragment": ("en_a.pf_fragment", "en_b.pf_fragment"),
                                "pagefind/1/fragment": ("en_c.pf_fragment",)}


def test_a_one_shot_build_leaves_its_save_to_a_child_the_next_build_waits_for(make_site) -> None:
    """`digest build` returns once output/ is written and the summary shown; a child it leaves
    saves the caches after it has exited. The caller's pipes end with the command, and the next
    build waits for that save: it then finds nothing to do."""
    config = load_config(make_site({f"content/p{i}.md": _page(i, f"Story {i}", 1 + i, ["AI"], ["Acme"], f"Body {i}.")
                                    for i in range(3)}))
    command = [sys.executable, "-m", "generator", "build", "--config", str(config.config_path)]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    assert first.stdout.startswith("Built ") and first.stderr == ""
    page = config.content_dir / "p1.md"
    page.write_text(page.read_text() + "\nMore words.\n")
    assert subprocess.run(command, capture_output=True, text=True, check=True).stdout.startswith("Built ")
    assert build(config).site is None  # the record and content cache saved by the child, waited for
    assert b"More words." in (config.output_dir / "articles/story-1/index.html").read_bytes()


def test_work_left_to_a_child_holds_its_lock_until_done_and_frees_the_callers_streams(tmp_path) -> None:
    """parallel.left_to_finish from a process about to exit: the caller reading its output is not
    kept waiting for the child, and wait_for_finishing blocks until the child is done."""
    from generator.parallel import still_finishing, wait_for_finishing

    lock, done = tmp_path / "saving.lock", tmp_path / "done"
    script = ("import sys, time, os; from pathlib import Path; from generator.parallel import left_to_finish\n"
              f"def work():\n    print('from the child'); time.sleep(1.5); Path({str(done)!r}).write_text('saved')\n"
              f"assert left_to_finish(work, Path({str(lock)!r})) is not None\n"
              "print('parent done'); sys.stdout.flush(); os._exit(0)\n")
    parent = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parent.parent, timeout=60)
    assert parent.stdout == "parent done\n"  # returned with the parent: the child's streams are not the caller's
    assert not done.exists()  # (the child sleeps 1.5 s before writing it)
    assert still_finishing(lock)  # said at once, not waited for
    assert not done.exists()
    wait_for_finishing(lock)
    assert done.read_text() == "saved"
    assert not still_finishing(lock)
    wait_for_finishing(tmp_path / "no such lock")  # none held: returns at once
    assert not still_finishing(tmp_path / "no such lock")
    from generator.parallel import left_to_finish

    (tmp_path / "a file").write_text("")  # a lock that cannot be made: nothing is left to a child
    assert left_to_finish(lambda: done.write_text("in a child"), tmp_path / "a file" / "saving.lock") is None
    assert done.read_text() == "saved"


def test_a_forked_childs_message_is_ready_only_once_sent(tmp_path) -> None:
    """parallel.Child.ready, which lets the build use the time a survey leaves it (see build._build):
    False while the child has yet to send, True once it has, or once it has ended without sending."""
    import time

    from generator.parallel import from_child

    go = tmp_path / "go"

    def work():  # type: ignore[no-untyped-def]
        while not go.exists():
            time.sleep(0.01)
        yield b"one"
        yield b"two"

    child = from_child(work)
    assert child is not None
    try:
        time.sleep(0.2)
        assert not child.ready()
        go.write_text("")
        deadline = time.monotonic() + 30
        while not child.ready() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert child.ready() and child.next() == b"one" and child.next() == b"two"
        assert child.next() is None and child.ready()  # ended: nothing to wait for
    finally:
        child.close()


def test_a_recorded_file_row_gives_back_its_stat_and_fingerprint() -> None:
    """The record keeps each file as one text (lastbuild.FileRow): read back, it is the size,
    modification time and fingerprint written — none, or the memo's "-" for a file made without a key."""
    from generator.lastbuild import file_row, fingerprint_of, stat_of

    for fingerprint in [None, "-", "ab" * 32]:
        row = file_row(10_661, 1_732_000_000_123_456_789, fingerprint)
        assert stat_of(row) == (10_661, 1_732_000_000_123_456_789)
        assert fingerprint_of(row) == fingerprint
    assert fingerprint_of(None) is None


def test_a_record_of_another_format_is_replaced_whole(make_site) -> None:
    """A record left by another version, whose tables had other columns, is not trusted and is made
    anew: the next build is a real one, and the one after it finds nothing changed."""
    from generator.lastbuild import record_file

    config = _three_pages(make_site)
    build(config)
    record = record_file(config)
    before = _tree(config.output_dir)
    with sqlite3.connect(record) as db:
        tables = {name for name, in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for older_format in [True, False]:  # and this format's name over an older table, as a crash might leave
        with sqlite3.connect(record) as db:  # as an older version left it
            db.execute("DROP TABLE documents")
            db.execute("CREATE TABLE documents (name TEXT PRIMARY KEY, body TEXT NOT NULL, encoding TEXT NOT NULL)")
            db.execute("CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, "
                       "fingerprint TEXT, listed INTEGER NOT NULL)")
            if older_format:
                db.execute("UPDATE info SET value = '4 0.0.1' WHERE name = 'format'")
        assert build(config).site is not None
        assert build(config).site is None  # the new record was written and read back
        assert _tree(config.output_dir) == before
        with sqlite3.connect(record) as db:  # the older tables gone with the rest
            assert {name for name, in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == tables

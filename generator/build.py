"""The build: gather every input, render every file in memory, and only then write output/."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from . import code_version, warm
from .cache import CacheUnreadable, ContentCache, PageMemo, RememberedIndex, load_cache, load_memo, rebuilt_cache, \
    templates_digest
from .config import SiteConfig
from .content import load_articles
from .index import build_site
from .lastbuild import LastBuild, listings, load_last_build, record_file, save_last_build, stat_outputs
from .markup import warm_up
from .model import Article, InputError, Problem, Site
from .terms import load_redirects
from .termdata import load_term_data
from .timing import stage, without_cyclic_gc
from .stamp import check_stamp, outputs_check
from .survey import Survey, SurveyRun, start_survey, survey
from .write import MANIFEST, WriteReport, write_output


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build made and wrote, and the warnings it found. When its stamp showed nothing had
    changed, nothing was built: `site` is None, `files` empty, and the counts are the last build's."""

    site: Site | None
    files: dict[str, bytes | None]
    report: WriteReport | None
    warnings: tuple[Problem, ...]
    articles: int
    pages: dict[str, int]
    # With build(save_later=True): what is left to do once output/ is written — keep what this build
    # parsed and the record of what it wrote, for the next build — for the caller to do (see
    # cli.cmd_build). None when nothing is left.
    save: Callable[[], None] | None = None


def page_counts(files: Iterable[str]) -> dict[str, int]:
    """HTML pages by their first path segment: articles, topics, timeline…"""
    counts = Counter(path.partition("/")[0] for path in files if path.endswith(".html"))
    if "404.html" in counts:
        counts["404"] = counts.pop("404.html")
    # The home page and its pages (page/2/…), and any other page at the top.
    home = counts.pop("page", 0) + sum(counts.pop(name) for name in [n for n in counts if n.endswith(".html")])
    if home:
        counts["home"] = home
    return dict(sorted(counts.items()))


def _as_errors(warnings: tuple[Problem, ...]) -> InputError:
    """`--strict`: the warnings, as errors."""
    return InputError(tuple(Problem(p.path, p.line, p.message) for p in warnings))


def _salt(config: SiteConfig, site: Site, theme: str) -> str:
    """What every page depends on besides its own context: code, settings, theme, term names, and
    the search indexer (so its shards are never kept across a Pagefind upgrade)."""
    from .outputs.search import pagefind_version

    names = [(t.key, term.slug, term.name) for t in site.taxonomies for term in t.terms]
    return f"{code_version()}|{config!r}|{theme}|{names!r}|{site.build_time}|" \
           f"{pagefind_version()}"


def load_renderers() -> None:
    """Import what rendering needs (Jinja, the feed and sitemap writers, Pagefind's driver): not at
    the top, since a build its stamp shows to be up to date needs none of it, but while the survey
    runs, since an edit build needs it all."""
    from .outputs import assets, feeds, search, sitemap  # noqa: F401
    from . import render  # noqa: F401


def render_all(config: SiteConfig, strict: bool = False, cache: ContentCache | None = None,
               memo_for: Callable[[str, Site, str], PageMemo] | None = None, found: Survey | None = None,
               search: bool = True, meanwhile: Callable[[], None] | None = None,
               search_memo: Callable[[], PageMemo] | None = None, saves: list[Callable[[], None]] | None = None,
               ) -> tuple[Site, dict[str, bytes | None], tuple[Problem, ...], PageMemo | None]:
    """content/, data/ and templates/ → every output file in memory (None: unchanged on disk).

    `search=False` leaves out the search index, which cannot fail on valid pages (for `digest check`).
    `meanwhile` is called while the search index is being made, before waiting for it.
    `search_memo` makes the memo that keeps search shards (see SearchJob), as `memo_for` the pages'.
    `saves`: where what only the next build reads (the index's file) is left for the caller to save
    once output/ is written; without it (or if the build fails), it is saved here.
    """
    # Imported here, not at the top: a build its stamp shows to be up to date never needs Jinja,
    # Pagefind or the XML writers, and loading them would be most of its time.
    from .outputs.assets import read_static
    from .outputs.feeds import render_feeds
    from .outputs.search import EarlyRun, SearchJob, start_early
    from .outputs.sitemap import render_extras, render_sitemap
    from .render import check_templates, make_environment, render_redirects, render_site, template_errors

    root = config.config_path.parent
    with stage("load templates"):
        theme = templates_digest(config.templates_dir)
        env = warm.kept_or("templates", (repr(config), theme),
                           lambda: make_environment(config, config.cache_path("jinja") if cache else None))
    shards_memo = search_memo() if search and search_memo else None
    early: list[EarlyRun] = []

    def start_search_early(parsed: list[Article], bodies: Mapping[str, str], pages: int) -> None:
        # A guess (see start_early), so nothing it meets may fail the build: the build finds it again.
        if shards_memo is not None and pages == 1:
            try:
                with stage("start search early"):
                    run = start_early(config, env, theme, shards_memo.last.articles, parsed, bodies)
            except Exception:  # noqa: BLE001
                run = None
            early.extend([run] if run else [])

    search_job: SearchJob | None = None
    memory: RememberedIndex | None = None
    done = False
    try:
        with stage("load content"):
            term_data = {t.key: load_term_data(config.data_dir, t.key, root) for t in config.taxonomies}
            articles, warnings, bodies = load_articles(config, root, cache, found, start_search_early)
        if strict and warnings:
            raise _as_errors(warnings)
        if search:
            # Pagefind reads what articles say, not what the index adds: it starts now (if it has not
            # already), and runs while the site is indexed and rendered.
            with stage("start search"), template_errors(config):
                check_templates(env, config)
                search_job = SearchJob(articles, bodies, config, env, theme, shards_memo, early[0] if early else None)
        with stage("index"):
            memory = RememberedIndex(config) if cache is not None else None
            site = build_site(articles, config, term_data, bodies, memory)
        with stage("load memo"):
            memo = memo_for(_salt(config, site, theme), site, theme) if memo_for else None
        with stage("render pages"):
            files = render_site(site, config, env, memo)
            files["sitemap.xml"] = render_sitemap(list(files), site, config, memo)
            files.update(render_redirects(load_redirects(config.data_dir), files, env))
        with stage("feeds and assets"):
            files.update(render_feeds(site, config, memo))
            files.update(render_extras(config))
            files.update(read_static(config.templates_dir))
        if meanwhile is not None:
            with stage("meanwhile: check output"):
                meanwhile()
        if search_job is not None:
            with stage("search index"):
                files.update(search_job.finish(site, memo))
        done = True
    finally:
        if search_job is not None:
            search_job.cancel()
        elif early:  # the build failed before a search job could take the run over
            early[0].cancel()
        if memory is not None:
            if done and saves is not None:
                saves.append(memory.finish)
            else:
                memory.finish()
    return site, files, warnings, memo


@without_cyclic_gc()
def build(config: SiteConfig, strict: bool = False, write: bool = True, use_cache: bool = True,
          surveyed: Callable[[], Survey] | None = None, save_later: bool = False) -> BuildResult:
    """Render everything, then write it; a problem anywhere leaves output/ as it was.

    With the cache (the default), a build whose inputs and output/ are as the last one left them does
    nothing (see stamp.py), and otherwise unchanged pages are neither parsed nor rendered again; the
    result is byte-for-byte what a clean build writes. `surveyed`: the survey of content/ (see
    survey.py) if the caller started it already. `save_later`: an edit build (one that read the last
    build's record) does not save the caches, but hands that back as BuildResult.save, which the
    caller must call (or leave to a child that outlives it: see parallel.left_to_finish).
    """
    surveyed = surveyed or start_survey(config, use_cache, stamp=use_cache and write)
    try:
        return _build(config, strict, write, use_cache, surveyed, save_later)
    finally:
        if isinstance(surveyed, SurveyRun):
            surveyed.close()


def _build(config: SiteConfig, strict: bool, write: bool, use_cache: bool,
           surveyed: Callable[[], Survey], save_later: bool) -> BuildResult:
    remembering = use_cache and write
    with stage("check stamp"):
        # Meanwhile (the survey runs in a child where it can): what an edit build needs next.
        last = load_last_build(config) if remembering else LastBuild()
        load_renderers()
        if isinstance(surveyed, SurveyRun) and surveyed.pending():
            # Time to spare: a body edit's page will need Markdown, and loading it while the survey
            # is still at work costs nothing — nor to an edit of front matter alone, which needs none.
            warm_up(config.allow_raw_html)
        found = surveyed()
        stamp = check_stamp(config, found, last) if remembering else None
    if stamp is not None and stamp.unchanged:
        if strict and last.warnings:
            raise _as_errors(last.warnings)
        return BuildResult(None, {}, WriteReport((), last.file_count, ()), last.warnings, last.articles,
                           dict(last.pages))
    if not found.complete:  # it found output/ as the record says, which then changed
        found = replace(survey(config, config.config_path.parent, use_cache, stamp=False), inputs=found.inputs)
    # An edit build need not know at once whether output/ is as the last build left it: it assumes so,
    # and checks meanwhile (15,000 stats at 10,000 articles, in another process where it can); if
    # not, it renders again without the assumption.
    verified: list[bool] = []
    assume = stamp is not None and stamp.outputs_intact is None
    check = outputs_check(config, last) if assume else None
    meanwhile = (lambda: verified.append(check())) if check is not None else None
    cache = load_cache(config, found) if use_cache else None
    if cache is not None and cache.notice:
        print(f"notice: {cache.notice}", file=sys.stderr)
    intact = assume or (stamp is not None and bool(stamp.outputs_intact))
    memo_for = (lambda salt, site, theme: load_memo(last, config.output_dir, salt, site, intact, theme,
                                                    record_file(config))) if remembering else None
    search_memo = (lambda: PageMemo(config.output_dir, "", last, files_intact=intact)) if remembering else None
    saves: list[Callable[[], None]] = []  # what render_all leaves for later (see save below)

    def render(cache: ContentCache | None, meanwhile: Callable[[], None] | None = None):  # type: ignore[no-untyped-def]
        return render_all(config, strict, cache, memo_for, found, meanwhile=meanwhile, search_memo=search_memo,
                          saves=saves)

    try:
        try:
            site, files, warnings, memo = render(cache, meanwhile)
        except CacheUnreadable as err:  # found out only once it was read: every page is read again
            print(f"notice: {err}", file=sys.stderr)
            assert cache is not None
            cache.close()
            cache = rebuilt_cache(config, found)
            site, files, warnings, memo = render(cache, meanwhile)
        if assume and not verified[0]:
            assert cache is not None  # assume implies the cache is used
            cache.close()
            if memo is not None:
                memo.close()
            cache = load_cache(config, found)
            intact = False
            site, files, warnings, memo = render(cache)
        with stage("write output"):
            report = write_output(config.output_dir, files) if write else None
        unsaved = cache if cache is not None and write and cache.unsaved() else None
    finally:
        if cache is not None:
            cache.close()  # (a save connects anew: no connection may cross a fork, see left_to_finish)
        if check is not None:
            check()  # answered already, unless the build failed before asking
    counts = page_counts(files)
    with stage("stat output"):
        if memo is not None:
            memo.close()
            # Now, not later: the record is of the files this build wrote.
            rows, complete = stat_outputs(config.output_dir, [*files, MANIFEST], last, memo.kept,
                                          memo.fingerprints)

    def save() -> None:
        for index_file in saves:
            index_file()
        if unsaved is not None:
            unsaved.save()
        if memo is not None:
            now = LastBuild(rows, memo.groups, listings(rows, last), found.inputs if complete else "",
                            len(site.articles), counts, warnings, memo.recorded_state(), memo.shapes)
            save_last_build(config, last, now, memo.fragments, memo.salt_changed, memo.stale_digests())

    # Only a build that read a record back hands its save over: a first build (or one after the caches
    # were dropped) saves every row, seconds at 10,000 articles, which the next command would wait for.
    later = save_later and bool(last.token)
    if not later:
        with stage("save caches"):
            save()
    return BuildResult(site, files, report, warnings, len(site.articles), counts, save if later else None)

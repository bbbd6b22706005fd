"""`digest`: the one entry point. Parses arguments, calls a stage, prints problems as path:line."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Sequence

from . import __version__, timing
from .config import SiteConfig, load_config, normalise_base_url
from .model import InputError

# Each command imports the stages it runs, inside its function: a no-change `digest build` takes
# half a second, and loading Jinja, SQLite, Markdown and the feed libraries up front would double it.


def _site_config(args: argparse.Namespace) -> SiteConfig:
    config = load_config(Path(args.config))
    base_url = None
    if getattr(args, "base_url", None):
        try:
            base_url = normalise_base_url(args.base_url)
        except ValueError as err:
            raise SystemExit(f"digest: --base-url {err}") from None
    return config.with_overrides(
        content_dir=Path(args.content).resolve() if getattr(args, "content", None) else None,
        output_dir=Path(args.output).resolve() if getattr(args, "output", None) else None,
        base_url=base_url,
    )


def cmd_build(args: argparse.Namespace) -> int:
    from .parallel import still_finishing
    from .survey import saving_lock, start_survey

    started = time.perf_counter()
    config = _site_config(args)
    if still_finishing(saving_lock(config)):
        # The last build's child is still saving the caches, which the survey must wait for: the
        # build's code and renderers load meanwhile, on the other core, instead of after it.
        from .build import load_renderers

        load_renderers()
    surveyed = start_survey(config)  # on the other core while the build's code loads (see survey.py)
    from .build import build

    result = build(config, strict=args.strict, surveyed=surveyed, save_later=True)
    _KEPT_UNTIL_EXIT[:] = [result]  # see run()
    if args.timings:
        print(f"Stages:\n{timing.report()}", file=sys.stderr)
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    report = result.report
    assert report is not None
    pages = sum(result.pages.values())
    by_type = ", ".join(f"{k} {v}" for k, v in result.pages.items())
    if result.site is None:
        print(f"Nothing changed since the last build: {config.output_dir} holds its {pages} pages "
              f"({by_type}) from {result.articles} articles ({time.perf_counter() - started:.2f}s).")
        return 0
    print(f"Built {pages} pages ({by_type}) from {result.articles} articles into "
          f"{config.output_dir} in {time.perf_counter() - started:.2f}s: {len(report.written)} written, "
          f"{report.unchanged} unchanged, {len(report.removed)} removed.")
    if result.save is not None:
        # output/ is written and the summary shown: saving what the next build reuses (0.07-0.1 s at
        # 10,000 articles) need not keep the caller waiting. The next build waits for it (survey.py).
        from .parallel import left_to_finish

        if not args.one_shot or left_to_finish(result.save, saving_lock(config)) is None:
            result.save()
    return 0


def _date_option(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write YYYY-MM-DD") from None


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest.run import ingest  # feed and HTML libraries load only when ingesting

    started = time.perf_counter()
    config = _site_config(args)
    report = ingest(args.sources, config, force=args.force, newest=args.newest, oldest=args.oldest,
                    write=not args.dry_run)
    if args.explain:
        for evidence in report.evidence:
            print(f"{evidence.block.line:>6} {evidence.score:+.2f} {evidence.block.text[:90]}")
            for name, value in evidence.cues:
                print(f"{'':>14}{value:+.2f} {name}")
    for path, count in report.dumps:
        print(f"{path}: {count} articles")
    for note in report.notes:
        print(f"note: {note}")
    store = report.store
    for name in store.kept_edited:
        print(f"kept {name}: edited by hand since ingest wrote it (use --force to overwrite)")
    for name in store.kept_deleted:
        print(f"not re-added {name}: deleted by hand (use --force to bring it back)")
    print(f"Ingested {report.articles} articles into {config.content_dir} in {time.perf_counter() - started:.2f}s: "
          f"{len(store.added)} added, {len(store.refreshed)} refreshed, {len(store.unchanged)} unchanged, "
          f"{len(store.kept_edited) + len(store.kept_deleted)} kept as edited.")
    for failure in report.failures:
        print(failure, file=sys.stderr)
    if report.failures:
        print(f"digest: {len(report.failures)} source{'s' * (len(report.failures) != 1)} failed; "
              f"the others were ingested.", file=sys.stderr)
        return 1
    return 0


def cmd_tags_suggest(args: argparse.Namespace) -> int:
    from .ingest.run import load_taggers, read_source
    from .ingest.suggest import suggest_companies

    config = _site_config(args)
    gazetteer = load_taggers(config).gazetteers.get("companies")
    if gazetteer is None:
        raise SystemExit("digest: site.yaml has no `companies` taxonomy to suggest names for")
    if args.sources:
        drafts = [d for source in args.sources for d in read_source(source, None)[1]]
        articles = [(d.title, "\n".join(d.lines)) for d in drafts]
    else:
        root = config.config_path.parent
        from .content import load_articles
        from .markup import plain_text

        loaded, _, bodies = load_articles(config, root)
        articles = [(a.title, plain_text(bodies[a.body_digest])) for a in loaded]
    suggestions = suggest_companies(articles, gazetteer)
    for s in suggestions:
        print(f"{s.name}\t{s.articles} article{'s' * (s.articles != 1)}, {s.mentions} mentions\t{s.context}")
    print(f"{len(suggestions)} companies not in {config.data_dir / 'companies.yaml'}; add the real ones "
          f"(with aliases) to tag them everywhere.", file=sys.stderr)
    return 0


def cmd_tags_list(args: argparse.Namespace) -> int:
    config = _site_config(args)
    from .terms import term_counts

    counts = term_counts(config, args.taxonomy)
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold())):
        print(f"{name}\t{count}")
    print(f"{len(counts)} {args.taxonomy}", file=sys.stderr)
    return 0


def cmd_tags_rename(args: argparse.Namespace) -> int:
    config = _site_config(args)
    from .terms import rename_term

    report = rename_term(config, args.taxonomy, args.old, args.new)
    for path in report.changed:
        print(f"updated {path}")
    if report.redirect:
        print(f"redirect {report.redirect[0]} → {report.redirect[1]} (in {config.data_dir / 'redirects.yaml'})")
    verb = "Merged" if args.command_name == "merge" else "Renamed"
    print(f"{verb} `{args.old}` → `{args.new}` in {len(report.changed)} pages; run `digest build`.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    config = _site_config(args)
    from .check import check

    problems = check(config)
    errors = [p for p in problems if not p.warning]
    if args.format == "json":
        print(json.dumps([{"path": p.path, "line": p.line, "message": p.message,
                           "severity": "warning" if p.warning else "error"} for p in problems], indent=1))
    else:
        for problem in problems:
            print(problem)
        print(f"{len(errors)} errors, {len(problems) - len(errors)} warnings.", file=sys.stderr)
    return 1 if errors else 0


def cmd_new(args: argparse.Namespace) -> int:
    import yaml

    from .slugs import slugify_title
    from .write import atomic_write

    config = _site_config(args)
    slug = slugify_title(args.title)
    if not slug:
        raise SystemExit("digest: the title has no letters or digits to make a slug from")
    target = config.content_dir / f"{slug}.md"
    if target.exists():
        raise SystemExit(f"digest: {target} already exists; choose another title or edit that page")
    when = args.date or datetime.now().date()  # a new page is dated today: it is being written now
    fields = {"title": args.title, "slug": slug, "date": when, "date_source": "manual", "summary": ""}
    fields.update({t.key: [] for t in config.taxonomies})
    front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, default_flow_style=None, width=10_000)
    atomic_write(target, f"---\n{front}---\nWrite the article here.\n".encode("utf-8"))
    print(target)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve  # watchfiles is only needed here

    gc.enable()  # a long-running process: see run()
    serve(_site_config(args), args.port, args.host)
    return 0


def _add_site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="site.yaml", help="site settings file (default: site.yaml)")
    parser.add_argument("--content", help="folder of Markdown pages (default: content_dir in site.yaml)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Turn news articles into a static site.")
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    build_parser = commands.add_parser("build", help="render content/ into output/")
    _add_site_options(build_parser)
    build_parser.add_argument("--output", help="folder to write the site to (default: output_dir)")
    build_parser.add_argument("--base-url", help="URL the site is served from, e.g. https://u.github.io/repo/")
    build_parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build_parser.add_argument("--timings", action="store_true", help="print how long each stage took")
    build_parser.set_defaults(run=cmd_build)

    ingest_parser = commands.add_parser("ingest", help="turn raw dumps into pages in content/")
    _add_site_options(ingest_parser)
    ingest_parser.add_argument("sources", nargs="+",
                               help="plain-text dumps, RSS/Atom/JSON Feed files, or feed URLs (http/https)")
    ingest_parser.add_argument("--force", action="store_true", help="overwrite pages edited by hand")
    ingest_parser.add_argument("--newest", type=_date_option, help="date of the dump's newest article, if known")
    ingest_parser.add_argument("--oldest", type=_date_option, help="date of the dump's oldest article, if known")
    ingest_parser.add_argument("--dry-run", action="store_true", help="split and tag, but write nothing")
    ingest_parser.add_argument("--explain", action="store_true",
                               help="print every candidate headline with the cues for and against it")
    ingest_parser.set_defaults(run=cmd_ingest)

    serve_parser = commands.add_parser("serve", help="build, serve under the site's path, rebuild and reload on edits")
    _add_site_options(serve_parser)
    serve_parser.add_argument("--output", help="folder to build into (default: output_dir)")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.set_defaults(run=cmd_serve)

    check_parser = commands.add_parser("check", help="validate everything without writing; list what to fix")
    _add_site_options(check_parser)
    check_parser.add_argument("--format", choices=("text", "json"), default="text")
    check_parser.set_defaults(run=cmd_check)

    new_parser = commands.add_parser("new", help="start a new page in content/")
    _add_site_options(new_parser)
    new_parser.add_argument("title")
    new_parser.add_argument("--date", type=_date_option, help="publication date (default: today)")
    new_parser.set_defaults(run=cmd_new)

    tags_parser = commands.add_parser("tags", help="work with taxonomy terms")
    tags_commands = tags_parser.add_subparsers(dest="tags_command", required=True)
    suggest_parser = tags_commands.add_parser(
        "suggest", help="list companies the text names that data/companies.yaml lacks")
    _add_site_options(suggest_parser)
    suggest_parser.add_argument("sources", nargs="*", help="dumps or feed files (default: the pages in content/)")
    suggest_parser.set_defaults(run=cmd_tags_suggest)
    list_parser = tags_commands.add_parser("list", help="every term of a taxonomy with its page count")
    _add_site_options(list_parser)
    list_parser.add_argument("--taxonomy", default="companies", help="topics, companies, … (default: companies)")
    list_parser.set_defaults(run=cmd_tags_list)
    for name, help_text in (("rename", "rename a term in every page, keeping a redirect from its old URL"),
                            ("merge", "merge term A into term B in every page, keeping a redirect")):
        rename_parser = tags_commands.add_parser(name, help=help_text)
        _add_site_options(rename_parser)
        rename_parser.add_argument("old", help="the term as it is now (any spelling with its slug)")
        rename_parser.add_argument("new", help="the term it becomes")
        rename_parser.add_argument("--taxonomy", default="companies", help="topics, companies, … (default: companies)")
        rename_parser.set_defaults(run=cmd_tags_rename, command_name=name)
    return parser


_KEPT_UNTIL_EXIT: list[object] = []  # the last build's result (see run)


def main(argv: Sequence[str] | None = None, one_shot: bool = False) -> int:
    """Run the command `argv` says. `one_shot`: the process ends when it returns (see run), so a
    build may leave saving its caches to a child that outlives it (see cmd_build)."""
    args = make_parser().parse_args(argv)
    args.one_shot = one_shot
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except InputError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        count = sum(not p.warning for p in err.problems)
        print(f"digest: {count} error{'s' * (count != 1)}; nothing was written.", file=sys.stderr)
        return 1


def run() -> None:
    """The `digest` command (its console script, `python -m generator`): main(), then a quick exit.

    A one-shot command ends with all it built still in memory. Python would then walk it with the
    cycle collector and free it object by object — 0.1 s after a 10,000-article build, a tenth of an
    edit rebuild — where the operating system takes the memory back at once. So the collector stays
    off (builds and ingests turn it off anyway, see timing.without_cyclic_gc), what a build made is
    kept referenced (_KEPT_UNTIL_EXIT: else it is freed, object by object, as the command returns)
    and the process leaves by os._exit once its output is flushed. `digest serve` runs for hours:
    it turns the collector on.
    """
    gc.disable()
    code = main(one_shot=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()

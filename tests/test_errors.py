"""Bad content: every problem reported at once as path:line: message, exit 1, output/ untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TEMPLATES, snapshot

GOOD = "---\ntitle: Good\ndate: 2021-01-01\n---\nFine.\n"

CASES = {
    "bad_yaml": ({"content/x.md": "---\ntitle: a: b\ndate: 2021-01-01\n---\nBody\n"},
                 "content/x.md:2: invalid YAML: mapping values are not allowed in this context; check quotes, colons "
                 "and indentation"),
    "unclosed_quote": ({"content/x.md": "---\ndate: 2021-01-01\ntitle: \"open\n---\nBody\n"},
                       "content/x.md:3: invalid YAML: while scanning a quoted scalar, found unexpected end of "
                       "stream; check quotes, colons and indentation"),
    "never_closed": ({"content/x.md": "---\ntitle: Open\ndate: 2021-01-01\nBody\n"},
                     "content/x.md:1: front matter opened here is never closed: add a `---` line after the "
                     "last field"),
    "no_front_matter": ({"content/x.md": "Just text\n"},
                        "content/x.md:1: no front matter: a page must start with a `---` line, then fields "
                        "such as `title:`, then another `---` line"),
    "missing_title": ({"content/x.md": "---\ndate: 2021-01-01\n---\nBody\n"},
                      "content/x.md:1: missing `title:`; every page needs one"),
    "empty_title": ({"content/x.md": "---\ndate: 2021-01-01\ntitle: ''\n---\nBody\n"},
                    "content/x.md:3: `title` is empty; fill it in"),
    "bad_date": ({"content/x.md": "---\ntitle: T\n\ndate: 2021-02-30\n---\nBody\n"},
                 "content/x.md:4: `date` is not a valid date: `2021-02-30`; write it as YYYY-MM-DD, e.g. "
                 "2021-04-10"),
    "duplicate_slug": ({"content/a.md": GOOD, "content/b.md": GOOD.replace("Fine", "Other")},
                       "content/b.md:1: slug `good` is already used by content/a.md; set a different `slug:` in "
                       "one of them"),
    "non_utf8": ({"content/x.md": b"---\ntitle: T\ndate: 2021-01-01\n---\nline\ncaf\xe9\n"},
                 "content/x.md:6: not UTF-8 (byte 0xe9); re-save the file as UTF-8"),
    "duplicate_key": ({"content/x.md": "---\ntitle: A\ndate: 2021-01-01\ntitle: B\n---\nBody\n"},
                      "content/x.md:4: duplicate key `title` (first set on line 2); keep one"),
    "bad_taxonomy_type": ({"content/x.md": "---\ntitle: A\ndate: 2021-01-01\ntopics: {a: 1}\n---\nBody\n"},
                          "content/x.md:4: `topics` must be a list of names, e.g. [Alibaba, Tencent]"),
    "term_without_letters": ({"content/x.md": "---\ntitle: A\ndate: 2021-01-01\ntopics: ['???']\n---\nB\n"},
                             "content/x.md:4: `topics` `???` has no letters or digits to make a URL from"),
    "bad_slug": ({"content/x.md": "---\ntitle: A\ndate: 2021-01-01\nslug: ../etc\n---\nB\n"},
                 "content/x.md:4: `slug` must be lower-case letters, digits and single hyphens, e.g. "
                 "alibaba-fined"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_is_reported_at_its_line_and_output_is_untouched(case, make_site, run_cli) -> None:
    files, message = CASES[case]
    config = make_site({"content/good.md": GOOD.replace("Good", "Kept")})
    assert run_cli("build", "--config", config).code == 0
    output = config.parent / "output"
    before = snapshot(output)
    for path, text in files.items():
        target = config.parent / path
        target.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = run_cli("build", "--config", config)
    assert result.code == 1
    assert message in result.err.splitlines(), result.err
    assert "Traceback" not in result.err
    assert snapshot(output) == before


def test_the_command_in_its_own_process_prints_everything_before_its_quick_exit(make_site) -> None:
    """`digest` leaves by os._exit (cli.run): what it printed to pipes must still arrive, with main's code."""
    config = make_site({"content/good.md": GOOD})
    command = [sys.executable, "-m", "generator", "build", "--config", str(config)]
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}  # as for most users
    built = subprocess.run(command, capture_output=True, text=True, check=False, env=buffered)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("Built ") and built.stdout.endswith("0 removed.\n"), built.stdout
    (config.parent / "content/x.md").write_text(CASES["bad_date"][0]["content/x.md"])
    failed = subprocess.run(command, capture_output=True, text=True, check=False, env=buffered)
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == [CASES["bad_date"][1], "digest: 1 error; nothing was written."]


def test_all_errors_are_reported_at_once_sorted(make_site, run_cli) -> None:
    config = make_site({
        "content/b.md": "---\ntitle: B\ndate: never\n---\n",
        "content/a.md": "---\ndate: 2021-01-01\n---\n",
        "content/c.md": "no front matter\n",
    })
    result = run_cli("build", "--config", config)
    assert result.code == 1
    assert result.err.splitlines() == [
        "content/a.md:1: missing `title:`; every page needs one",
        "content/b.md:3: `date` is not a valid date: `never`; write it as YYYY-MM-DD, e.g. 2021-04-10",
        "content/c.md:1: no front matter: a page must start with a `---` line, then fields such as `title:`, "
        "then another `---` line",
        "digest: 3 errors; nothing was written.",
    ]
    assert not (config.parent / "output").exists()


def test_unknown_field_warns_and_strict_makes_it_an_error(make_site, run_cli) -> None:
    config = make_site({"content/a.md": "---\ntitle: A\ndate: 2021-01-01\ncolour: red\n---\nB\n"})
    result = run_cli("build", "--config", config)
    assert result.code == 0
    assert "content/a.md:4: warning: unknown field `colour` (ignored)" in result.err
    strict = run_cli("build", "--config", config, "--strict")
    assert strict.code == 1
    assert "content/a.md:4: unknown field `colour` (ignored)" in strict.err


def test_bad_site_yaml_lists_every_problem(make_site, run_cli) -> None:
    config = make_site({}, site_yaml="title: T\npage_size: 0\nbase_url: not a url\nthemes: dark\n")
    result = run_cli("build", "--config", config)
    assert result.code == 1
    lines = result.err.splitlines()
    site = str(config.resolve())
    assert f"{site}:2: `page_size` must be a whole number of 1 or more" in lines
    assert (f"{site}:3: `base_url` must be an absolute http(s) URL such as https://USER.github.io/REPO/, "
            f"not 'not a url'") in lines
    assert any(line.startswith(f"{site}:4: unknown setting `themes`") for line in lines)


def test_template_syntax_error_names_template_and_line(make_site, run_cli, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(TEMPLATES, theme)
    (theme / "month.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{{ oops(\n{% endblock %}\n")
    config = make_site({"content/a.md": GOOD},
                       site_yaml=f"title: T\nbase_url: https://e.github.io/r/\ntemplates_dir: {theme}\n")
    result = run_cli("build", "--config", config)
    assert result.code == 1
    assert result.err.splitlines()[0] == "theme/month.html:4: unexpected '%'"

"""`digest check`: everything the build validates, without writing, plus what an editor should look at.

Near-duplicate terms ("Bytedance" vs "ByteDance", "Tencent" vs "Tencnet"), companies the gazetteer does
not know, and dates in the future or implausibly old are warnings; content errors are errors.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, timezone
from itertools import combinations

from .build import render_all
from .config import SiteConfig
from .model import InputError, Problem
from .termdata import load_term_data
from .terms import term_counts

OLDEST_PLAUSIBLE = date(1990, 1, 1)


def _squash(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def near_duplicates(config: SiteConfig) -> list[str]:
    """Spellings in the pages' front matter that are probably one term written two ways."""
    found = []
    for taxonomy in config.taxonomies:
        names = sorted(term_counts(config, taxonomy.key))
        for a, b in combinations(names, 2):
            x, y = _squash(a), _squash(b)
            similar = x == y or (min(len(x), len(y)) >= 5 and abs(len(x) - len(y)) <= 2 and x[0] == y[0]
                                 and difflib.SequenceMatcher(None, x, y).ratio() >= 0.88)
            if similar:
                found.append(f"{taxonomy.key}: `{a}` and `{b}` look like one term; make them one with "
                             f"`digest tags merge --taxonomy {taxonomy.key}`")
    return found


def check(config: SiteConfig, today: date | None = None) -> list[Problem]:
    """Every problem, errors and warnings, sorted; nothing is written."""
    today = today or datetime.now(timezone.utc).date()  # a check, unlike a build, may read the clock
    try:
        site, _, warnings, _ = render_all(config, search=False)
    except InputError as err:
        return list(err.problems)
    problems = list(warnings)
    site_file = str(config.config_path)
    problems += [Problem(site_file, 1, message, warning=True) for message in near_duplicates(config)]
    known = {form for info in load_term_data(config.data_dir, "companies", config.config_path.parent)
             for form in (info.name, *info.aliases)}
    by_slug = site.by_slug
    if known:
        for taxonomy in site.taxonomies:
            if taxonomy.key != "companies":
                continue
            for term in taxonomy.terms:
                if term.name not in known:
                    first = by_slug[term.articles[-1]]
                    problems.append(Problem(first.path, 1, f"company `{term.name}` is not in data/companies.yaml; "
                                                           f"add it (with aliases) if it is real", warning=True))
    for article in site.articles:
        day = article.date.date()
        if day > today:
            problems.append(Problem(article.path, 1, f"date {day} is in the future", warning=True))
        elif day < OLDEST_PLAUSIBLE:
            problems.append(Problem(article.path, 1, f"date {day} is before {OLDEST_PLAUSIBLE}; is it right?",
                                    warning=True))
    return sorted(problems)

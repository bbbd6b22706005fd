"""Articles as rows of the content cache's `articles` table (cache.py), and back.

Each field is a column; the date is ISO text, the terms and mentions JSON. A module of its own, and
a small one: the survey's child (survey.py), which reads the table beside the build, starts before the
rest of the package is loaded.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Sequence

from .model import Article

COLUMNS = Article._fields
_DATE, _TERMS, _MENTIONS = (COLUMNS.index(name) for name in ("date", "terms", "mentions"))

Row = tuple[Any, ...]  # the page's path, then a column for each field


def to_row(page: str, article: Article) -> Row:
    values = [getattr(article, name) for name in COLUMNS]
    values[_DATE] = article.date.isoformat()
    for index in (_TERMS, _MENTIONS):
        values[index] = json.dumps(values[index], ensure_ascii=False, separators=(",", ":"))
    return (page, *values)


def from_rows(rows: Sequence[Row]) -> list[Article]:
    """Rows of the table (each the page's path, then the columns) → their Articles. The JSON of all
    rows is parsed by one json.loads: 20,000 small calls cost several times one big one."""
    parsed = json.loads(f"[{','.join(f'[{row[1 + _TERMS]},{row[1 + _MENTIONS]}]' for row in rows)}]")
    articles = []
    for row, (terms, mentions) in zip(rows, parsed):
        values = list(row[1:])
        values[_DATE] = datetime.fromisoformat(values[_DATE])
        values[_TERMS] = tuple((key, tuple(names)) for key, names in terms)
        values[_MENTIONS] = tuple(mentions)
        articles.append(Article._make(values))
    return articles

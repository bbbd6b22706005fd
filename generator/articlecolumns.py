"""The content cache's articles (cache.py) as one JSON document of columns, and back.

An edit build at 10,000 articles reads 9,999 articles back from the cache. As rows of a table —
queried, sent from the survey's child, then converted field by field in Python — they cost 0.2 s
of every edit. As one JSON document, msgspec decodes them straight into typed values (dates,
tuples of terms) in C: 20 ms. The document holds columns, not a list of records: decoded in
order, each field's values then lie together in memory, and the index's passes over slugs, dates
and terms touch little more than those (decoded as records, indexing took 30 ms longer).
"""

from __future__ import annotations

from typing import Iterable, get_type_hints

import msgspec

from .model import Article

COLUMNS = Article._fields
# {"page": [...], "slug": [...], "title": [...], …}: each field's values, the page each article came from first.
_Columns = msgspec.defstruct("ArticleColumns", [("page", list[str]), *(
    (name, list[hint]) for name, hint in get_type_hints(Article).items())])  # type: ignore[valid-type]
_DECODER = msgspec.json.Decoder(_Columns)


def encode(articles: Iterable[tuple[str, Article]]) -> bytes:
    """(page, article) pairs, in their order, as the document."""
    pairs = list(articles)
    columns = [list(column) for column in zip(*(article for _, article in pairs))] or [[] for _ in COLUMNS]
    return msgspec.json.encode(_Columns([page for page, _ in pairs], *columns))


def decode(data: bytes) -> list[tuple[str, Article]]:
    """The (page, article) pairs of a document `encode` made; ValueError if it is not one."""
    try:
        columns = _DECODER.decode(data)
    except msgspec.MsgspecError as err:
        raise ValueError(f"not a document of article columns: {err}") from None
    values = [getattr(columns, name) for name in ("page", *COLUMNS)]
    if len({len(column) for column in values}) > 1:
        raise ValueError("not a document of article columns: its columns differ in length")
    return list(zip(values[0], map(Article._make, zip(*values[1:]))))

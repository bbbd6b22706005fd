"""index.json: the last build's index, kept for the next (see cache.RememberedIndex), and back.

Read by every edit build at 10,000 articles — 2.4 MB, with 3,000 terms and 10,000 related lists in
it. msgspec decodes it straight into the tuples the index is made of, where json.loads and a pass
over what it made to convert lists to tuples cost three times as long.
"""

from typing import Mapping

import msgspec

from .model import Taxonomy, Term

FORMAT = 4
# A term as it is written: taxonomy, name, slug, description, articles, related terms, parent.
TermRow = tuple[str, str, str, str, tuple[str, ...], tuple[tuple[str, int], ...], str]


class TaxonomyEntry(msgspec.Struct):
    key: str
    terms: list[TermRow]


class IndexFile(msgspec.Struct):
    """What index.json holds: the index (`taxonomies`, `related`) and what it was made from (see
    index.PreviousIndex)."""

    format: int
    version: str
    key: str
    head: str
    digests: dict[str, str]
    taxonomies: list[TaxonomyEntry]
    related: tuple[tuple[str, tuple[str, ...]], ...]
    filled: list[str]
    months: tuple[tuple[int, int, int], ...]

    def taxonomy_values(self) -> tuple[Taxonomy, ...]:
        return tuple(Taxonomy(t.key, tuple(Term(*term) for term in t.terms)) for t in self.taxonomies)


_DECODER = msgspec.json.Decoder(IndexFile)


def decode(data: bytes) -> IndexFile:
    """ValueError if `data` is not an index file (of any version: the caller compares `version`)."""
    try:
        return _DECODER.decode(data)
    except msgspec.MsgspecError as err:
        raise ValueError(f"not an index file: {err}") from None


def encode(version: str, key: str, head: str, digests: Mapping[str, str], taxonomies: tuple[Taxonomy, ...],
           related: tuple[tuple[str, tuple[str, ...]], ...], filled: frozenset[str],
           months: tuple[tuple[int, int, int], ...]) -> bytes:
    return msgspec.json.encode(IndexFile(
        FORMAT, version, key, head, dict(digests),
        [TaxonomyEntry(t.key, [(term.taxonomy, term.name, term.slug, term.description, term.articles, term.related,
                                term.parent) for term in t.terms]) for t in taxonomies],
        related, sorted(filled), months))

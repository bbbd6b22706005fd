"""Names → URL slugs, the one place that decides what a slug may look like."""

from __future__ import annotations

import re
from functools import lru_cache

from slugify import slugify

MAX_SLUG_LENGTH = 80
_VALID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Windows device names make a folder that cannot be checked out there; `page` holds a list's pages.
RESERVED_SLUGS = frozenset({"con", "prn", "aux", "nul", "com1", "com2", "com3", "lpt1", "lpt2", "lpt3", "page"})
_RESERVED = RESERVED_SLUGS


@lru_cache(maxsize=1 << 16)
def slugify_title(title: str) -> str:
    """A headline → a readable slug of at most 80 characters, cut at a word."""
    return _safe(slugify(title, max_length=MAX_SLUG_LENGTH, word_boundary=True, save_order=True))


@lru_cache(maxsize=1 << 16)
def slug_for_term(name: str) -> str:
    """A term name → its slug: `Alibaba Group` → `alibaba-group`, `$2.75B` → `2-75b`."""
    return _safe(slugify(name, max_length=MAX_SLUG_LENGTH, word_boundary=True))


def valid_slug(slug: str) -> bool:
    """True for slugs a user may set by hand: safe as one URL segment and one folder name."""
    return len(slug) <= MAX_SLUG_LENGTH and bool(_VALID_RE.match(slug)) and slug not in _RESERVED


def _safe(slug: str) -> str:
    return f"{slug}-1" if slug in _RESERVED else slug

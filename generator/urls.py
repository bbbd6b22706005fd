"""The URL scheme, in one place: site-relative paths, always ending in `/` for pages."""

from __future__ import annotations

def article_path(slug: str) -> str:
    return f"articles/{slug}/"


def taxonomy_path(key: str) -> str:
    return f"{key}/"


def term_path(key: str, slug: str) -> str:
    return f"{key}/{slug}/"


def month_path(year: int, month: int) -> str:
    return f"timeline/{year:04d}/{month:02d}/"


def page_path(first_page: str, number: int) -> str:
    """Page N of a paginated list: `topics/ai/` → `topics/ai/page/2/`; page 1 is the list itself."""
    return first_page if number == 1 else f"{first_page}page/{number}/"


def file_for(path: str) -> str:
    """A page path → the file that serves it: `articles/x/` → `articles/x/index.html`."""
    return f"{path}index.html" if path == "" or path.endswith("/") else path

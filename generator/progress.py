"""Progress bars on long work when a person is watching (stderr is a terminal); silent otherwise."""

from __future__ import annotations

import sys
from typing import Iterable, TypeVar

T = TypeVar("T")
MIN_ITEMS = 200  # below this the work is over before a bar would be read


def progress(items: Iterable[T], total: int, label: str) -> Iterable[T]:
    """`items`, with a bar on stderr while they are worked through, if it is worth showing."""
    if total < MIN_ITEMS or not sys.stderr.isatty():
        return items
    from tqdm import tqdm  # only when a bar is shown: importing it costs 50 ms every run

    return tqdm(items, total=total, desc=label, unit=" files", leave=False, file=sys.stderr)

"""What one long-running process (`digest serve`) keeps in memory between its builds.

Each build reads back what the last one left on disk: the record of output/, the parsed articles, the
index, the compiled templates. At 10,000 articles that reading is half a second of every edit. A
process that builds again and again can keep what it read or wrote instead — provided it checks that
the disk still holds the same, by a token that changes whenever the thing does (a save's token, a
file's stat, a page's content hash); another process's build then simply misses.

Off unless `enable` is called: a single build gains nothing from it, and the tests of the plain path
stay the tests of the plain path. Values kept here are shared, so they are never changed in place —
but for memos of rendered fragments (fragments.py), whose entries depend only on their keys.
A key holds one value at a time (what it depends on goes in the token, not the key), so a long
session keeps one of each — one Jinja environment however often site.yaml is edited, say.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, TypeVar

_on = False
_kept: dict[Hashable, tuple[Hashable, Any]] = {}
T = TypeVar("T")


def enable() -> None:
    global _on
    _on = True


def disable() -> None:
    """Back to reading everything from disk (and forget what was kept)."""
    global _on
    _on = False
    _kept.clear()


def enabled() -> bool:
    return _on


def recall(key: Hashable, token: Hashable) -> Any | None:
    """The value kept under `key`, if it was kept with this token; else None."""
    found = _kept.get(key)
    return found[1] if found is not None and found[0] == token else None


def keep(key: Hashable, token: Hashable, value: T) -> T:
    """Keep `value` under `key` until a different token is asked for (only when enabled)."""
    if _on:
        _kept[key] = (token, value)
    return value


def kept_or(key: Hashable, token: Hashable, make: Callable[[], T]) -> T:
    """The value kept under `key` with this token, or `make()` (kept from now on)."""
    found = _kept.get(key) if _on else None
    if found is not None and found[0] == token:
        return found[1]
    return keep(key, token, make())

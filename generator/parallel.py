"""Pure per-item work spread over every core, when there is enough of it to pay for the processes."""

from __future__ import annotations

import os
from typing import Callable, Sequence, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

PARALLEL_ITEMS = 200  # below this, starting worker processes costs more than it saves


def parallel_map(function: Callable[[Item], Result], items: Sequence[Item],
                 threshold: int = PARALLEL_ITEMS) -> list[Result]:
    """[function(item) for item in items], in order, on every core when there are `threshold` items
    or more: Python-Markdown, the dump cleaner and the date finder are pure Python, and the GIL keeps
    them to one core within a process. `function` must be a module-level function (it is pickled)."""
    cores = os.cpu_count() or 1
    if len(items) < threshold or cores < 2:
        return [function(item) for item in items]
    from concurrent.futures import ProcessPoolExecutor  # here: most runs handle a few items

    with ProcessPoolExecutor(max_workers=cores) as pool:
        return list(pool.map(function, items, chunksize=max(1, min(64, len(items) // (cores * 8)))))

"""Where a build's time goes: `digest build --timings` prints each stage's wall time."""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from typing import Iterator

# Stage name → seconds, for the build running in this process (a CLI run is one build).
STAGES: dict[str, float] = {}


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGES[name] = STAGES.get(name, 0.0) + time.perf_counter() - started


def report() -> str:
    return "\n".join(f"  {name:<22} {seconds * 1000:8.1f} ms" for name, seconds in STAGES.items())


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Run a build or an ingest with Python's cycle collector paused.

    A build holds hundreds of thousands of long-lived objects (articles, terms, page keys) and makes
    almost no reference cycles, yet the collector walks every live object again each time enough new
    ones pile up: 40% of an edit rebuild at 10,000 articles. Reference counting still frees everything
    as it goes; the few cycles made meanwhile wait for the collector, which is switched back on after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

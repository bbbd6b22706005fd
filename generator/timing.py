"""Where a build's time goes: `digest build --timings` prints each stage's wall time."""

from __future__ import annotations

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

"""Work spread over every core: pure per-item work, when there is enough of it to pay for the
processes; one piece of work done beside the build in a forked child; commands run beside it at a
lower priority."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
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


def in_child(work: Callable[[], bytes], nice: bool = False) -> Callable[[], bytes | None] | None:
    """Start work() in a forked child, on the other core, while this process goes on; the function
    returned waits for the bytes it made (None if the child failed). Call it whatever happens, so
    that the child is waited for. `nice`: the child is last in line for a core.

    None when this process cannot fork safely — not at all (Windows), or while it runs other threads
    (`digest serve`'s server and watcher), whose locks a child would inherit held. A thread would not
    do instead: work made of many small system calls waits for the GIL after each one.
    """
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    readable, writable = os.pipe()
    child = os.fork()
    if child == 0:  # nothing here may return into the caller, flush its output or touch its files
        status = 1
        try:
            os.close(readable)
            if nice:
                with contextlib.suppress(OSError):
                    os.nice(19)
            data = work()
            with os.fdopen(writable, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)  # whatever happened: never back into the caller
    os.close(writable)
    answered: list[bytes | None] = []

    def wait() -> bytes | None:  # may be asked again: the child is waited for once
        if not answered:
            with os.fdopen(readable, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(child, 0)
            answered.append(data if status == 0 else None)
        return answered[0]

    return wait


_NICE = shutil.which("nice")


def niced(command: list[str], level: int) -> list[str]:
    """`command` run at a lower priority (`nice -n level`) where there is a `nice` command: work
    started beside the build, on a machine of few cores, takes what the build leaves."""
    return [_NICE, "-n", str(level), *command] if _NICE else command

"""Work spread over every core: pure per-item work, when there is enough of it to pay for the
processes; work done beside the build in a forked child, which sends back what it made message by
message; work left to a child to finish after a one-shot command ends; commands run beside it at a
lower priority."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Sequence, TypeVar

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


class Child:
    """A forked child's messages, read in the order it sends them (see from_child)."""

    def __init__(self, pid: int, readable: int):
        self._pid = pid
        self._pipe: BinaryIO | None = os.fdopen(readable, "rb")
        self._status: int | None = None
        self._read = False  # whether a message has been read (see ready)

    def next(self) -> bytes | None:
        """Its next message, waited for; None if it ended without sending one (it failed)."""
        if self._pipe is None:
            return None
        self._read = True
        head = self._pipe.read(8)
        data = self._pipe.read(int.from_bytes(head, "big")) if len(head) == 8 else b""
        if len(head) == 8 and len(data) == int.from_bytes(head, "big"):
            return data
        self.close()
        return None

    def ready(self) -> bool:
        """Would next() return without waiting? (Once a message has been read, the next may be in the
        pipe's buffer already: then it says True, as if it were.)"""
        if self._pipe is None or self._read:
            return True
        import select

        return bool(select.select([self._pipe.fileno()], [], [], 0)[0])

    def close(self, end: bool = False) -> bool:
        """Wait for the child to finish — or, with `end`, end it now: what it has yet to send is not
        wanted — and say whether it succeeded."""
        if self._pipe is not None:
            if end:
                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)
            self._pipe.close()
            self._pipe = None
            _, self._status = os.waitpid(self._pid, 0)
        return self._status == 0


def _may_fork() -> bool:
    """Can this process fork safely? Not at all on Windows, nor while it runs other threads (`digest
    serve`'s server and watcher), whose locks a child would inherit held."""
    return hasattr(os, "fork") and threading.active_count() == 1


def from_child(work: Callable[[], Iterable[bytes]], nice: bool = False) -> Child | None:
    """Start work() in a forked child, on the other core, while this process goes on; the messages it
    yields come back in turn through Child.next. Close the Child whatever happens, so that the child
    is waited for. `nice`: the child is last in line for a core.

    None when this process cannot fork safely (see _may_fork). A thread would not do instead: work
    made of many small system calls waits for the GIL after each one.
    """
    if not _may_fork():
        return None
    readable, writable = os.pipe()
    with contextlib.suppress(ImportError, OSError, AttributeError):  # Linux: a message of up to 1 MB, written at once
        import fcntl

        fcntl.fcntl(writable, fcntl.F_SETPIPE_SZ, 1 << 20)  # type: ignore[attr-defined]
    child = os.fork()
    if child == 0:  # nothing here may return into the caller, flush its output or touch its files
        status = 1
        try:
            os.close(readable)
            if nice:
                with contextlib.suppress(OSError):
                    os.nice(19)
            with os.fdopen(writable, "wb") as pipe:
                for message in work():
                    pipe.write(len(message).to_bytes(8, "big") + message)
                    pipe.flush()
            status = 0
        finally:
            os._exit(status)  # whatever happened: never back into the caller
    os.close(writable)
    return Child(child, readable)


def in_child(work: Callable[[], bytes], nice: bool = False) -> Callable[[], bytes | None] | None:
    """from_child for work that sends one message: the function returned waits for it (None if the
    child failed), and may be asked again. Call it whatever happens, so that the child is waited for."""
    child = from_child(lambda: [work()], nice)
    if child is None:
        return None
    answered: list[bytes | None] = []

    def wait() -> bytes | None:
        if not answered:
            data = child.next()
            answered.append(data if child.close() else None)
        return answered[0]

    return wait


def left_to_finish(work: Callable[[], None], lock: Path) -> int | None:
    """Run work() in a forked child that goes on after this process ends, holding an exclusive lock
    on the file `lock` until it is done (see wait_for_finishing). For a one-shot command about to
    exit: its output is written and its caller may go on, while its caches are saved. The child's
    process id; None, with nothing run, where this process may not fork (see from_child).

    The lock is taken before the fork, so no later command can miss it. The child leaves this
    process's session (an interrupt at the terminal does not cut its save short) and its standard
    streams (a caller reading them sees them end with this process)."""
    try:
        import fcntl
    except ImportError:  # no fork either (Windows)
        return None
    if not _may_fork():
        return None
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        held = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # (a read-only folder, say: the caller does the work itself)
        return None
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # (an earlier command's child may still hold it)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        child = os.fork()
    except BaseException as err:
        os.close(held)
        if isinstance(err, OSError):
            return None
        raise
    if child == 0:  # nothing here may return into the caller
        status = 1
        try:
            os.setsid()
            quiet = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(quiet, fd)
            work()
            status = 0
        finally:
            os._exit(status)  # the lock goes with the last descriptor of it, this one
    os.close(held)  # the child's copy keeps the lock
    return child


def wait_for_finishing(lock: Path) -> None:
    """Wait while a child of an earlier command holds `lock` (see left_to_finish)."""
    _shared_lock(lock, wait=True)


def still_finishing(lock: Path) -> bool:
    """Does a child of an earlier command hold `lock` now? (Said at once, not waited for.)"""
    return not _shared_lock(lock, wait=False)


def _shared_lock(lock: Path, wait: bool) -> bool:
    """Take and drop a shared lock on `lock`, waiting for it or not; False if it is held exclusively."""
    try:
        import fcntl

        held = os.open(lock, os.O_RDONLY)
    except (ImportError, OSError):  # no such lock, so none held
        return True
    try:
        fcntl.flock(held, fcntl.LOCK_SH if wait else fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(held)
    return True


_NICE = shutil.which("nice")


def niced(command: list[str], level: int) -> list[str]:
    """`command` run at a lower priority (`nice -n level`) where there is a `nice` command: work
    started beside the build, on a machine of few cores, takes what the build leaves."""
    return [_NICE, "-n", str(level), *command] if _NICE else command

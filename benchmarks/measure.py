"""Wall time, CPU time and peak memory of one command, as its user sees them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

# A fresh parent per command, so "peak" is that command's largest process (itself or a child it
# ran, such as Pagefind), not the largest since the benchmark started.
# The wall time is taken in it too, around the command alone: the shim's own start (50 ms on this
# machine) is no part of what a user waits for.
_SHIM = ("import resource, subprocess, sys, time; t = time.perf_counter(); r = subprocess.run(sys.argv[1:]); "
         "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(f'@usage {w} {u.ru_utime + u.ru_stime} {u.ru_maxrss}', file=sys.stderr); sys.exit(r.returncode)")
# As on a user's machine: Python keeps compiled bytecode (some CI shells set PYTHONDONTWRITEBYTECODE,
# which makes every run compile the package again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak MB, stderr) of `command`; exits with its stderr if it fails."""
    # Flush what earlier commands wrote first: else the kernel writes it back during this one, which
    # then pays for another tool's 25,000 files (on this machine, ingest's file creation took 6 s, not 1).
    if hasattr(os, "sync"):
        os.sync()
    result = subprocess.run([sys.executable, "-c", _SHIM, *command], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=ENV)
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    wall, cpu, peak_kb = re.search(r"^@usage (\S+) (\S+) (\d+)$", result.stderr, re.M).groups()  # type: ignore[union-attr]
    return float(wall), float(cpu), int(peak_kb) / 1024, result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def body_edit(page: Path) -> Callable[[], None]:
    """An edit that appends a sentence to the page's body."""
    counter = iter(range(10**6))
    return lambda: page.write_text(page.read_text() + f"\nAn editor's sentence {next(counter)}.\n")


def live_edits(command: list[str], cwd: Path, ready: str, rebuilt: str,
               edits: list[Callable[[], None]]) -> list[tuple[float, str]]:
    """Edits under a generator's live server (`command`), one at a time: for each, the seconds from the
    file's write to the server's line matching `rebuilt` (a regex; file watching included), and that
    line. Waits for a line containing `ready` first."""
    server = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
    assert server.stdout is not None
    lines: list[str] = []

    def next_line() -> str:
        line = server.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit(f"{command[0]} stopped:\n{''.join(lines[-20:])}")
        lines.append(line)
        return line

    try:
        while ready not in next_line():
            pass
        results = []
        for edit in edits:
            time.sleep(0.5)  # as between an editor's saves
            edit()
            written = time.perf_counter()
            while not re.search(rebuilt, line := next_line()):
                pass
            results.append((time.perf_counter() - written, line.strip()))
        return results
    finally:
        server.terminate()
        server.wait()

"""Build speed on synthetic sites: cold build, no-change rebuild, one-edit rebuild. Prints a table.

    python benchmarks/bench_build.py 1000 10000

Each build runs in its own process (`digest build`), so wall time, CPU time and peak memory are the
whole command's, as a user sees them.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.synth import write_site  # noqa: E402


def run(*args: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB) of one `digest` command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator.cli", *args], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024


def bench(n: int) -> list[tuple[str, float, float, float]]:
    with tempfile.TemporaryDirectory(prefix=f"digest-bench-{n}-") as tmp:
        config = write_site(n, Path(tmp))
        rows = [("cold build", *run("build", "--config", str(config)))]
        rows.append(("no-change rebuild", *run("build", "--config", str(config))))
        page = Path(tmp) / "content" / "story-7.md"
        page.write_text(page.read_text() + "\nOne more sentence from an editor.\n")
        rows.append(("one-edit rebuild", *run("build", "--config", str(config))))
        sizes = sorted(p.stat().st_size for p in (Path(tmp) / "output" / "articles").rglob("index.html"))
        rows.append((f"article page bytes (median of {len(sizes)})", sizes[len(sizes) // 2], 0.0, 0.0))
        return rows


def main() -> None:
    for n in [int(a) for a in sys.argv[1:]] or [1000]:
        print(f"N = {n:,} articles")
        for name, wall, cpu, peak in bench(n):
            if name.startswith("article page"):
                print(f"  {name:<34} {int(wall):>8,} bytes")
            else:
                print(f"  {name:<34} {wall:7.2f} s wall  {cpu:7.2f} s CPU  {peak:7.0f} MB peak")


if __name__ == "__main__":
    main()

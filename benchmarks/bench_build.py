"""Build speed on synthetic sites: cold build, no-change rebuild, one-article edits. Prints a table.

    python benchmarks/bench_build.py 1000 2000 10000

Each build runs in its own process (`digest build --timings`), so wall time, CPU time and peak memory
(of the build and the Pagefind processes it starts) are the whole command's, as a user sees them.
The slowest stages of each build are printed beside it. Each kind of edit runs five times (the median
run is shown, and the fastest): on a shared machine one run says little. Then edits under `digest serve`,
which keeps what builds read in memory: what an editor with the site open waits for.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.measure import body_edit, free_port, live_edits, measure  # noqa: E402
from benchmarks.synth import write_site  # noqa: E402


def run(*args: str) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak MB, slowest stages) of one `digest` command in a fresh process."""
    wall, cpu, peak, stderr = measure([sys.executable, "-m", "generator.cli", *args, "--timings"], REPO)
    stages = sorted(((float(ms), name.strip()) for name, ms in re.findall(r"^  (.+?)\s+([\d.]+) ms$", stderr, re.M)),
                    reverse=True)
    return wall, cpu, peak, ", ".join(f"{name} {ms / 1000:.2f}" for ms, name in stages[:3])


def edit(page: Path, old: str, new: str) -> None:
    text = page.read_text()
    assert old in text, (page, old)
    page.write_text(text.replace(old, new, 1))


EDITS = 5  # each kind of edit by `digest build`, for a median: one run says little on a shared machine


def toggle(page: Path, old: str, new: str) -> Callable[[], None]:
    """An edit made and undone in turn (a title corrected and restored, a topic added and removed)."""
    state = iter(range(10**6))
    return lambda: edit(page, old, new) if next(state) % 2 == 0 else edit(page, new, old)


def edits(kind: str, make: Callable[[], None], config: str) -> tuple[str, float, float, float, str]:
    """EDITS builds, each after one `make` edit: the median run, and the fastest."""
    runs = []
    for _ in range(EDITS):
        make()
        runs.append(run("build", "--config", config))
    runs.sort()
    wall, cpu, peak, slowest = runs[len(runs) // 2]
    return (f"one-article {kind} edit (median of {EDITS})", wall, cpu, peak,
            f"best {runs[0][0]:.2f} s; {slowest}")


def serve_edits(config: str, page: Path, bodies: int = 7, others: int = 5) -> list[tuple[str, float, float, float, str]]:
    """One-article edits under a running `digest serve`, which keeps what builds read in memory:
    seconds from the file's write to the server's "rebuilt" line — file watching included — and the
    rebuild as the server reports it. Body edits (the first, which fills the memory, on its own; then
    the median), then `others` title edits and as many tag edits (each made and undone in turn; the
    median of each kind: one run says little on a shared machine)."""
    command = [sys.executable, "-m", "generator.cli", "serve", "--config", config, "--port", str(free_port())]
    edits = [body_edit(page)] * bodies + [toggle(page, "title: \"", "title: \"Revised: ")] * others \
        + [toggle(page, "topics: [", "topics: [Topic 38, ")] * others
    results = live_edits(command, REPO, "Serving", r"^rebuilt in|:\d+: ", edits)
    reported = [float(m.group(1)) if (m := re.match(r"rebuilt in ([\d.]+)s", line)) else float("nan")
                for _, line in results]
    seen = [wall for wall, _ in results]
    median = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    titles, tags = slice(bodies, bodies + others), slice(bodies + others, None)
    return [("serve: first edit (fills memory)", seen[0], 0.0, 0.0, f"server's rebuild {reported[0]:.2f}"),
            (f"serve: body edit (median of {bodies - 1})", median(seen[1:bodies]), 0.0, 0.0,
             f"server's rebuild {median(reported[1:bodies]):.2f} (best {min(reported[1:bodies]):.2f})"),
            (f"serve: title edit (median of {others})", median(seen[titles]), 0.0, 0.0,
             f"server's rebuild {median(reported[titles]):.2f} (best {min(reported[titles]):.2f})"),
            (f"serve: tag edit (median of {others})", median(seen[tags]), 0.0, 0.0,
             f"server's rebuild {median(reported[tags]):.2f} (best {min(reported[tags]):.2f})")]


def bench(n: int) -> list[tuple[str, float, float, float, str]]:
    with tempfile.TemporaryDirectory(prefix=f"digest-bench-{n}-") as tmp:
        config = str(write_site(n, Path(tmp)))
        page = Path(tmp) / "content" / "story-7.md"
        rows = [("cold build", *run("build", "--config", config))]
        rows.append(("no-change rebuild", *run("build", "--config", config)))
        body = body_edit(page)
        rows.append(edits("body", body, config))
        rows.append(edits("title", toggle(page, "title: \"", "title: \"Corrected: "), config))
        rows.append(edits("tag", toggle(page, "topics: [", "topics: [Topic 39, "), config))
        rows += serve_edits(config, page)
        sizes = sorted(p.stat().st_size for p in (Path(tmp) / "output" / "articles").rglob("index.html"))
        rows.append((f"article page bytes (median of {len(sizes)})", sizes[len(sizes) // 2], 0.0, 0.0, ""))
        return rows


def main() -> None:
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for n in [int(a) for a in sys.argv[1:]] or [1000]:
        print(f"N = {n:,} articles")
        for name, wall, cpu, peak, slowest in bench(n):
            if name.startswith("article page"):
                print(f"  {name:<34} {int(wall):>8,} bytes")
            elif name.startswith("serve"):
                print(f"  {name:<34} {wall:7.2f} s wall from the save   {slowest}")
            else:
                print(f"  {name:<36} {wall:7.2f} s wall {cpu:7.2f} s CPU {peak:6.0f} MB peak   {slowest}")


if __name__ == "__main__":
    main()

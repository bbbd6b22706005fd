"""Shared fixtures: sites built from inline {path: text} dicts, the CLI run in-process, a Pages-like server."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest

from generator.cli import main

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/*/expected from the current build (review the diff!)")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


SITE_YAML = f"""\
title: Test Digest
description: A test site.
base_url: https://example.github.io/repo/
page_size: 2
templates_dir: {TEMPLATES}
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """Write site.yaml plus the given files under a temp folder; return site.yaml's path."""

    def make(files: dict[str, str | bytes], site_yaml: str = SITE_YAML, root: Path | None = None) -> Path:
        root = root or tmp_path
        write_tree(root, {"site.yaml": site_yaml, **files})
        (root / "content").mkdir(exist_ok=True)
        return root / "site.yaml"

    return make


class CliResult:
    """Exit code and the two streams of one `digest` run."""

    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `digest ARGS...` in-process and capture what a user would see."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
            if isinstance(exit_.code, str):
                print(exit_.code, file=__import__("sys").stderr)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under folder with its bytes and mtime, to prove nothing was touched."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


class _PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Serves like GitHub Pages for a project site: only under /REPO/, with 404.html for misses."""

    prefix = "/repo/"

    def log_message(self, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / self.prefix.strip("/") / "404.html"
        if code == 404 and page.exists():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


@contextlib.contextmanager
def serve_under_prefix(output: Path, repo_name: str = "repo") -> Iterator[str]:
    """Serve `output` at http://127.0.0.1:PORT/<repo_name>/ and yield that URL."""
    parent = output.parent / f"served-{repo_name}"
    parent.mkdir(exist_ok=True)
    link = parent / repo_name
    if not link.exists():
        link.symlink_to(output.resolve(), target_is_directory=True)
    handler = type("Handler", (_PagesHandler,), {"prefix": f"/{repo_name}/"})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(handler, directory=str(parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{repo_name}/"
    finally:
        server.shutdown()
        server.server_close()

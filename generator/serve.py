"""`digest serve`: build, serve output/ under the site's path, rebuild on every change, reload pages.

Watching is watchfiles' job (content/, templates/, data/ and site.yaml). Open pages poll
`/__digest/status` four times a second (a tiny local request; once a second added up to a second to
every edit's reload) and reload when the build number changes; a failed build is shown
in the terminal and over the page, and the server keeps running with the last good site.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from pathlib import Path

from watchfiles import watch

from . import warm
from .build import build
from .config import SiteConfig
from .model import InputError
from .timing import without_cyclic_gc

_RELOAD = b"""<script>
(() => {
  let seen = null;
  async function poll() {
    try {
      const s = await (await fetch("/__digest/status", {cache: "no-store"})).json();
      if (seen !== null && s.build !== seen) location.reload();
      seen = s.build;
      let box = document.getElementById("digest-error");
      if (s.error && !box) {
        box = document.createElement("pre");
        box.id = "digest-error";
        box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;margin:0;padding:1rem;"
          + "background:#3a0000;color:#fff;font:14px/1.4 monospace;z-index:99999;white-space:pre-wrap";
        document.body.append(box);
      }
      if (box) { box.textContent = s.error ? "digest build failed:\\n" + s.error : ""; box.hidden = !s.error; }
    } catch (e) {}
    setTimeout(poll, 250);
  }
  poll();
})();
</script>
"""


class _State:
    """The build number and the last error, shared by the watcher and the server."""

    def __init__(self) -> None:
        self.build = 0
        self.error = ""
        self.lock = threading.Lock()


@without_cyclic_gc()
def _rebuild(config: SiteConfig, state: _State) -> None:
    # The collector, off while the build runs (see timing.without_cyclic_gc), is back on only after
    # the open pages are told to reload: its first pass walks every object the build made (70 ms
    # at 10,000 articles), which build() turning it on as it returns would put before the reload.
    started = time.perf_counter()
    try:
        result = build(config, save_later=True)
    except InputError as err:
        text = "\n".join(str(p) for p in err.problems)
        print(text, flush=True)
        with state.lock:
            state.error = text
            state.build += 1
        return
    report = result.report
    assert report is not None
    print(f"rebuilt in {time.perf_counter() - started:.2f}s: {len(report.written)} written, "
          f"{len(report.removed)} removed", flush=True)
    with state.lock:
        state.error = ""
        state.build += 1
    if result.save is not None:  # after the open pages are told to reload: the next build needs it, they do not
        result.save()


def _handler(config: SiteConfig, state: _State):
    prefix = config.base_path
    root = config.output_dir

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/__digest/status"):
                with state.lock:
                    body = json.dumps({"build": state.build, "error": state.error}).encode()
                return self._send(200, "application/json", body)
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if not path.startswith(prefix):
                return self._send(302, "text/plain", b"", location=prefix)
            relative = path[len(prefix):]
            file = root / (relative + "index.html" if relative == "" or relative.endswith("/") else relative)
            if file.is_dir():
                return self._send(301, "text/plain", b"", location=path + "/")
            status = 200
            if not file.is_file() or not file.resolve().is_relative_to(root.resolve()):
                file, status = root / "404.html", 404
            if not file.is_file():
                return self._send(404, "text/plain", b"not built yet")
            data = file.read_bytes()
            kind = self.guess_type(str(file))
            if kind == "text/html":
                data = data.replace(b"</body>", _RELOAD + b"</body>", 1)
                kind = "text/html; charset=utf-8"
            self._send(status, kind, data)

        def _send(self, status: int, kind: str, body: bytes, location: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def watched_paths(config: SiteConfig) -> list[Path]:
    return [p for p in (config.content_dir, config.templates_dir, config.data_dir, config.config_path) if p.exists()]


def serve(config: SiteConfig, port: int, host: str = "127.0.0.1") -> None:
    """Build, then serve and rebuild until interrupted, keeping what builds read in memory between them."""
    warm.enable()
    state = _State()
    _rebuild(config, state)
    server = http.server.ThreadingHTTPServer((host, port), functools.partial(_handler(config, state)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Serving {config.output_dir} at http://{host}:{server.server_address[1]}{config.base_path} "
          f"(Ctrl-C to stop)", flush=True)
    try:
        for _ in watch(*watched_paths(config), debounce=200, step=50):
            _rebuild(config, state)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()

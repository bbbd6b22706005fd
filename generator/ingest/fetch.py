"""Feed URLs → bytes, politely: timeouts, a few retries with backoff, and conditional GET.

The ETag and Last-Modified a server sent are kept in `.digest-cache/feeds.json` beside site.yaml, so the
next run asks "changed since?" and a 304 Not Modified costs nothing. One failing feed is reported and
the others are still ingested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__
from ..write import atomic_write

TIMEOUT = (5.0, 20.0)  # connect, read (seconds)
RETRIES = Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504),
                allowed_methods=("GET",), raise_on_status=False)
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Fetched:
    """What one URL gave: `ok` with its bytes, `not-modified`, or `failed` with the reason."""

    url: str
    status: str
    data: bytes = b""
    error: str = ""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


class FeedFetcher:
    """A session that remembers validators between runs."""

    def __init__(self, state_file: Path):
        self.state_file = state_file
        try:
            self.state: dict[str, dict[str, str]] = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.state = {}
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"digest/{__version__} (static news digest)"
        self.session.mount("http://", HTTPAdapter(max_retries=RETRIES))
        self.session.mount("https://", HTTPAdapter(max_retries=RETRIES))

    def fetch(self, url: str) -> Fetched:
        known = self.state.get(url, {})
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        try:
            response = self.session.get(url, headers=headers, timeout=TIMEOUT, stream=True)
            if response.status_code == 304:
                return Fetched(url, "not-modified")
            if response.status_code != 200:
                return Fetched(url, "failed", error=f"HTTP {response.status_code} {response.reason}")
            data = response.raw.read(MAX_BYTES + 1, decode_content=True)
        except requests.RequestException as err:
            return Fetched(url, "failed", error=_reason(err))
        if len(data) > MAX_BYTES:
            return Fetched(url, "failed", error=f"larger than {MAX_BYTES:,} bytes")
        self.state[url] = {k: v for k, v in (("etag", response.headers.get("ETag", "")),
                                             ("last_modified", response.headers.get("Last-Modified", ""))) if v}
        return Fetched(url, "ok", data)

    def save(self) -> None:
        text = json.dumps(self.state, indent=1, sort_keys=True) + "\n"
        atomic_write(self.state_file, text.encode("utf-8"))


def _reason(err: requests.RequestException) -> str:
    # After its retries urllib3 wraps a read timeout in a connection error; say what happened.
    if isinstance(err, requests.Timeout) or "timed out" in str(err).lower():
        return "timed out"
    if isinstance(err, requests.ConnectionError):
        return "could not connect"
    return str(err)

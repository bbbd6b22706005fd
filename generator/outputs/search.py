"""Article pages → the search bundle: Pagefind's full-text index plus our own facets file.

Pagefind indexes the article text (only what is inside `data-pagefind-body`) and sorts by date. Its
filter indexes are not byte-stable between runs (upstream Pagefind #638), so topics, companies and
years are not Pagefind filters: they come from `search/facets.json`, which we write, sorted, and the
search page filters with it. Everything here is deterministic.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pagefind_bin import get_executable

from .. import urls
from ..cache import PageMemo
from ..config import SiteConfig
from ..model import Site
from ..slugs import slug_for_term

BUNDLE = "pagefind"


# The parts of Pagefind's bundle the search page loads; its ready-made UIs are not shipped.
_UNUSED = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.", "pagefind-highlight.")


def pagefind_bundle(files: dict[str, bytes | None], site: Site, config: SiteConfig) -> dict[str, bytes]:
    """Index the rendered article pages with the Pagefind binary; return its files keyed `pagefind/...`.

    Result URLs are site-relative; pagefind.js prefixes them with the folder it is served from
    (`/REPO/`), so the bundle works under any sub-path.
    """
    # Beside output/, so pages unchanged since the last build are hard links, not copies.
    config.output_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".digest-pagefind-", dir=config.output_dir.parent) as tmp:
        root = Path(tmp) / "site"
        for article in site.articles:
            path = urls.file_for(urls.article_path(article.slug))
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            data = files[path]
            if data is not None:
                target.write_bytes(data)
            else:
                try:
                    os.link(config.output_dir / path, target)
                except OSError:
                    shutil.copyfile(config.output_dir / path, target)
        out = Path(tmp) / BUNDLE
        command = [str(get_executable()), "--site", str(root), "--output-path", str(out),
                   "--force-language", config.language.split("-")[0], "--quiet"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pagefind failed: {result.stderr.strip() or result.stdout.strip()}")
        return {f"{BUNDLE}/{p.relative_to(out).as_posix()}": p.read_bytes()
                for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(_UNUSED)}


def facets(site: Site, config: SiteConfig) -> bytes:
    """Every article's URL, title, date and terms, for filtering and date-sorted lists on the search page."""
    taxonomies = [t.key for t in config.taxonomies]
    terms = {t.key: {term.slug: term.name for term in t.terms} for t in site.taxonomies}
    articles = []
    for article in site.articles:
        entry: dict[str, object] = {
            "url": config.base_path + urls.article_path(article.slug),
            "title": article.title,
            "date": article.date.strftime("%Y-%m-%d"),
            "summary": article.summary,
        }
        for key in taxonomies:
            entry[key] = sorted({slug_for_term(n) for n in article.terms_of(key)})
        articles.append(entry)
    data = {"taxonomies": [{"key": t.key, "title": t.title, "singular": t.singular} for t in config.taxonomies],
            "terms": terms, "articles": articles}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


def _bundle_key(files: dict[str, bytes | None], site: Site, config: SiteConfig, memo: PageMemo | None) -> str:
    """What the index depends on: each article page (by its fingerprint when the memo has one)."""
    digest = hashlib.sha256(f"{get_executable().stat().st_size}|{config.language}".encode())
    for article in site.articles:
        path = urls.file_for(urls.article_path(article.slug))
        data = files[path]
        # Fingerprints name the bytes they render to, rendered this time or not; without a memo, hash the bytes.
        part = memo.fingerprints[path] if memo is not None else hashlib.sha256(data or b"").hexdigest()
        digest.update(f"{path}\0{part}\0".encode())
    return digest.hexdigest()


def _reusable_bundle(key: str, state_file: Path, output_dir: Path) -> dict[str, bytes] | None:
    """Last build's Pagefind files, read back from output/, if they were made from the same pages."""
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if state["key"] != key:
            return None
        bundle = {name: (output_dir / name).read_bytes() for name in state["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # The files must be the very ones Pagefind made, not an older build's under the same name.
    if any(hashlib.sha256(data).hexdigest() != state["files"][name] for name, data in bundle.items()):
        return None
    return bundle


def search_files(files: dict[str, bytes | None], site: Site, config: SiteConfig,
                 memo: PageMemo | None = None) -> dict[str, bytes]:
    """The whole search bundle for a built site; Pagefind runs only when an article page changed."""
    bundle: dict[str, bytes] = {}
    if site.articles:
        key = _bundle_key(files, site, config, memo)
        where = hashlib.sha256(str(config.output_dir).encode()).hexdigest()[:12]
        state_file = config.config_path.parent / ".digest-cache" / f"search-{where}.json"
        reused = _reusable_bundle(key, state_file, config.output_dir)
        bundle = reused if reused is not None else pagefind_bundle(files, site, config)
        if reused is None:
            state_file.parent.mkdir(parents=True, exist_ok=True)
            hashes = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(bundle.items())}
            state_file.write_text(json.dumps({"key": key, "files": hashes}), encoding="utf-8")
    bundle["search/facets.json"] = facets(site, config)
    return bundle

"""The sitemap, robots.txt and GitHub Pages' marker files."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .. import urls
from ..cache import PageMemo
from ..config import SiteConfig
from ..model import Site

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def render_sitemap(html_files: list[str], site: Site, config: SiteConfig, memo: PageMemo | None = None
                   ) -> bytes | None:
    """Every HTML page but 404, sorted, with absolute URLs; articles carry their date as lastmod."""
    pages = sorted(f for f in html_files if f != "404.html")
    if memo is None:
        return _sitemap(pages, site, config)
    # The index key stands for every article's slug and date (see index.index_key).
    return memo.produce("sitemap.xml", "\n".join([site.index_key, *pages]), lambda: _sitemap(pages, site, config))


def _sitemap(pages: list[str], site: Site, config: SiteConfig) -> bytes:
    lastmod = {urls.file_for(urls.article_path(a.slug)): a.date.strftime("%Y-%m-%d") for a in site.articles}
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for file in pages:
        entry = ET.SubElement(root, "url")
        ET.SubElement(entry, "loc").text = config.base_url + file.removesuffix("index.html")
        if file in lastmod:
            ET.SubElement(entry, "lastmod").text = lastmod[file]
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def render_extras(config: SiteConfig) -> dict[str, bytes]:
    """robots.txt pointing at the sitemap, and .nojekyll so Pages serves files as they are."""
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {config.base_url}sitemap.xml\n"
    return {"robots.txt": robots.encode(), ".nojekyll": b""}

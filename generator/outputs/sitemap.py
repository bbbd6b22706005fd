"""The sitemap, robots.txt and GitHub Pages' marker files."""

from __future__ import annotations

from html import escape

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
    # Written as text, not with ElementTree (whose layout it keeps): 14,000 elements took 0.4 s.
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    if not pages:
        return f'{head}<urlset xmlns="{SITEMAP_NS}" />\n'.encode("utf-8")
    lastmod = {urls.file_for(urls.article_path(a.slug)): a.date.strftime("%Y-%m-%d") for a in site.articles}
    lines = [f'{head}<urlset xmlns="{SITEMAP_NS}">']
    for file in pages:
        lines.append(f"  <url>\n    <loc>{escape(config.base_url + file.removesuffix('index.html'), quote=False)}</loc>")
        if file in lastmod:
            lines.append(f"    <lastmod>{lastmod[file]}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def render_extras(config: SiteConfig) -> dict[str, bytes]:
    """robots.txt pointing at the sitemap, and .nojekyll so Pages serves files as they are."""
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {config.base_url}sitemap.xml\n"
    return {"robots.txt": robots.encode(), ".nojekyll": b""}

"""The theme's static files (templates/static/) → output/static/, byte for byte."""

from __future__ import annotations

from pathlib import Path


def read_static(templates_dir: Path) -> dict[str, bytes]:
    """Every file under templates/static, keyed by its output path `static/...`."""
    root = templates_dir / "static"
    if not root.is_dir():
        return {}
    return {f"static/{p.relative_to(root).as_posix()}": p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}

"""Term management across content/: list terms, rename or merge them in place, remember redirects.

A rename edits only the characters of the renamed names in each page's front matter — every other byte
of the file stays as it was — and writes each file atomically, so an interrupted run leaves whole
files and running it again finishes the job. The old term URLs are recorded in data/redirects.yaml,
from which the build writes redirect pages.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import urls
from .config import SiteConfig
from .content import content_pages, decode, split_front_matter
from .slugs import slug_for_term
from .write import atomic_write

REDIRECTS = "redirects.yaml"


@dataclass(frozen=True, slots=True)
class RenameReport:
    """Which pages a rename changed, and the redirect it recorded."""

    changed: tuple[str, ...]
    redirect: tuple[str, str] | None


def term_counts(config: SiteConfig, taxonomy: str) -> Counter[str]:
    """Name → number of pages that carry it, as written in the front matter."""
    counts: Counter[str] = Counter()
    for file in content_pages(config.content_dir):
        front = _front_matter(file)
        names = front.get(taxonomy) if isinstance(front, dict) else None
        for name in ([names] if isinstance(names, str) else names or []):
            if isinstance(name, str):
                counts[name] += 1
    return counts


def _front_matter(file: Path) -> dict:
    try:
        source = split_front_matter(decode(file.read_bytes(), str(file)), str(file))
        data = yaml.safe_load(source.front_matter)
    except Exception:  # noqa: BLE001 - listing skips broken pages; `digest check` reports them
        return {}
    return data if isinstance(data, dict) else {}


def _flow_scalar(name: str) -> str:
    """How a name is written inside `[a, b]`: plain if YAML reads it back as the same text."""
    dumped = yaml.safe_dump([name], default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return dumped[1:-1]


def rename_in_text(text: str, taxonomy: str, old: str, new: str) -> str | None:
    """The page text with `old` replaced by `new` in one taxonomy's list; None when it has no `old`.

    Works on the text as it is on disk (a BOM and CRLF line ends included), so nothing else changes.
    """
    if text.startswith("\ufeff"):
        inner = rename_in_text(text[1:], taxonomy, old, new)
        return None if inner is None else "\ufeff" + inner
    source = split_front_matter(text, "page")
    node = yaml.compose(source.front_matter)
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if key.value != taxonomy:
            continue
        items = value.value if isinstance(value, yaml.SequenceNode) else [value]
        targets = [item for item in items if isinstance(item, yaml.ScalarNode)
                   and slug_for_term(item.value) == slug_for_term(old)]
        if not targets:
            return None
        others = [item.value for item in items if isinstance(item, yaml.ScalarNode) and item not in targets]
        keep_new = any(slug_for_term(n) == slug_for_term(new) for n in others)
        return _splice(text, value, targets, new, drop=keep_new)
    return None


def _splice(text: str, value: yaml.Node, targets: list[yaml.Node], new: str, drop: bool) -> str:
    """Replace (or, when `new` is already listed, remove) each target scalar by its character span."""
    offset = text.index("\n") + 1  # the front matter starts after the opening `---` line
    edits = []
    for item in targets:
        start, end = offset + item.start_mark.index, offset + item.end_mark.index
        if not drop:
            edits.append((start, end, _flow_scalar(new)))
        elif isinstance(value, yaml.SequenceNode) and value.flow_style:
            before = text.rfind(",", offset + value.start_mark.index, start)
            edits.append((before, end, "") if before != -1 else (start, _after_comma(text, end), ""))
        else:  # a block list item: remove its whole line
            line_start = text.rfind("\n", 0, start) + 1
            edits.append((line_start, text.index("\n", end) + 1, ""))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _after_comma(text: str, end: int) -> int:
    comma = text.find(",", end)
    return comma + 1 + (len(text[comma + 1:]) - len(text[comma + 1:].lstrip(" "))) if comma != -1 else end


def rename_term(config: SiteConfig, taxonomy: str, old: str, new: str) -> RenameReport:
    """Rename (or merge into an existing) term across content/, and record the old URL's redirect."""
    changed = []
    for file in content_pages(config.content_dir):
        text = file.read_bytes().decode("utf-8")
        updated = rename_in_text(text, taxonomy, old, new)
        if updated is not None and updated != text:
            atomic_write(file, updated.encode("utf-8"))
            changed.append(str(file.relative_to(config.content_dir)))
    redirect = None
    if slug_for_term(old) != slug_for_term(new):
        redirect = (urls.term_path(taxonomy, slug_for_term(old)), urls.term_path(taxonomy, slug_for_term(new)))
        add_redirect(config.data_dir, *redirect)
    return RenameReport(tuple(changed), redirect)


def load_redirects(data_dir: Path) -> dict[str, str]:
    """data/redirects.yaml: old site path → new site path."""
    file = data_dir / REDIRECTS
    if not file.exists():
        return {}
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def add_redirect(data_dir: Path, old: str, new: str) -> None:
    redirects = load_redirects(data_dir)
    redirects = {k: (new if v == old else v) for k, v in redirects.items()}  # no chains of redirects
    redirects[old] = new
    redirects.pop(new, None)
    text = "# Old paths → where they moved (written by `digest tags rename`); the build writes a redirect page\n"
    text += "".join(f"{json.dumps(k)}: {json.dumps(v)}\n" for k, v in sorted(redirects.items()))
    data_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(data_dir / REDIRECTS, text.encode("utf-8"))

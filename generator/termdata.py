"""data/<taxonomy>.yaml → TermInfo per canonical name: the vocabulary editors keep beside content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import InputError, Problem, TermInfo
from .yamlsource import parse_mapping


def load_term_data(data_dir: Path, taxonomy_key: str, display_root: Path) -> tuple[TermInfo, ...]:
    """Read data/<key>.yaml if it exists: `Name: {aliases: [...], parent: X, description: ...}`."""
    file = data_dir / f"{taxonomy_key}.yaml"
    if not file.exists():
        return ()
    try:
        path = str(file.relative_to(display_root))
    except ValueError:
        path = str(file)
    text = file.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
    mapping, problems = parse_mapping(text, path, 1)
    if mapping is None:
        raise InputError(problems)
    infos: list[TermInfo] = []
    errors = list(problems)
    for name, entry in mapping.data.items():
        line = mapping.line_of(name)
        try:
            infos.append(_term_info(str(name), entry))
        except ValueError as err:
            errors.append(Problem(path, line, f"`{name}`: {err}"))
    if errors:
        raise InputError(tuple(errors))
    return tuple(sorted(infos, key=lambda info: info.name))


def _term_info(name: str, entry: Any) -> TermInfo:
    if entry is None:
        return TermInfo(name)
    if not isinstance(entry, dict):
        raise ValueError("expected `aliases:`, `parent:` or `description:` under the name")
    unknown = set(entry) - {"aliases", "parent", "description", "rules", "keep_single"}
    if unknown:
        raise ValueError(f"unknown settings {', '.join(sorted(map(str, unknown)))}")
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ValueError("`aliases` must be a list of names")
    return TermInfo(name, tuple(aliases), str(entry.get("parent") or ""), str(entry.get("description") or ""))

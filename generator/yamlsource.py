"""YAML text → data plus the file line of every top-level key, with errors at file lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .model import Problem

# A handful of anchors is normal in hand-written YAML; thousands are an alias bomb.
MAX_ALIASES = 100


@dataclass(frozen=True, slots=True)
class YamlMapping:
    """A parsed top-level mapping and the (1-based, in-file) line of each of its keys."""

    data: dict[str, Any]
    key_lines: dict[str, int]
    first_line: int

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.first_line)


# libyaml's parser is ten times faster than PyYAML's own; both resolve tags in Python, so the override
# below applies to either.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loading, with dates left as text: `2021-13-45` is then reported by the field parser at its
    line instead of crashing PyYAML's timestamp constructor."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _count_aliases(root: yaml.Node) -> int:
    """How many times the node graph reuses a node (each `*alias`), walking each node once."""
    seen: set[int] = set()
    reused = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            reused += 1
            if reused > MAX_ALIASES:
                break
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return reused


def parse_mapping(text: str, path: str, first_line: int) -> tuple[YamlMapping | None, tuple[Problem, ...]]:
    """Parse YAML whose first line is file line `first_line`; problems carry file lines."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlMapping({}, {}, first_line), ()
        if not isinstance(node, yaml.MappingNode):
            return None, (Problem(path, first_line, "must be a mapping of `key: value` lines"),)
        if _count_aliases(node) > MAX_ALIASES:
            return None, (Problem(path, first_line, f"more than {MAX_ALIASES} aliases (*name): refusing to "
                                                    f"expand them; write the values out"),)
        problems = _duplicate_keys(node, path, first_line)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        # "while scanning a quoted scalar" points where the quote opened, which is what needs fixing.
        mark = err.context_mark or err.problem_mark
        line = first_line + (mark.line if mark else 0)
        what = ", ".join(part for part in (err.context, err.problem) if part)
        return None, (Problem(path, line, f"invalid YAML: {what}; check quotes, colons and indentation"),)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as err:
        return None, (Problem(path, first_line, f"invalid YAML: {err}"),)
    finally:
        loader.dispose()
    key_lines = {
        str(key_node.value): first_line + key_node.start_mark.line
        for key_node, _ in node.value
        if isinstance(key_node, yaml.ScalarNode)
    }
    if not all(isinstance(key, str) for key in data):
        return None, (Problem(path, first_line, "every key must be text"),)
    return YamlMapping(data, key_lines, first_line), problems


def _duplicate_keys(node: yaml.MappingNode, path: str, first_line: int) -> tuple[Problem, ...]:
    """PyYAML keeps the last of two equal keys silently; an editor wants to know."""
    seen: dict[str, int] = {}
    problems = []
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        line = first_line + key_node.start_mark.line
        if key_node.value in seen:
            problems.append(Problem(path, line, f"duplicate key `{key_node.value}` "
                                                f"(first set on line {seen[key_node.value]}); keep one"))
        else:
            seen[key_node.value] = line
    return tuple(problems)

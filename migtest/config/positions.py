"""Where each key of a YAML document is written, so that an error names its line and column."""

from __future__ import annotations

import yaml

Path = tuple[str | int, ...]  # keys (as written) and list indexes from the document's root
Positions = dict[Path, tuple[int, int]]  # 1-based line and column


def positions(root: yaml.Node) -> Positions:
    """The position of every key (and list item) of the document; a merge (`<<: *name`) puts the
    merged keys where the alias is written. Aliases are expanded, as bounded by the loader."""
    found: Positions = {(): _mark(root)}
    stack: list[tuple[Path, yaml.Node]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                found.setdefault((*path, index), _mark(item))
                stack.append(((*path, index), item))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.tag == "tag:yaml.org,2002:merge":
                    stack.append((path, value))
                    continue
                found.setdefault((*path, str(key.value)), _mark(key))
                stack.append(((*path, str(key.value)), value))
    return found


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def locate(found: Positions, path: Path) -> tuple[int, int] | None:
    """The position of `path`, or of the closest section holding it (a missing key's, say)."""
    for end in range(len(path), -1, -1):
        key = tuple(part if isinstance(part, int) else str(part) for part in path[:end])
        if key in found:
            return found[key]
    return None

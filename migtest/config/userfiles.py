"""Reading the files users write (migtest.yml, step tests, seed and migration SQL), so that a
file migtest cannot read is bad input naming the file, never a traceback.

Text must be UTF-8: the error says at which byte (and line) it is not. YAML is read with the
safe loader, and its aliases may expand to a bounded number of values: a few hundred bytes of
nested aliases (a "billion laughs") stand for hundreds of millions of values, which would make
whatever walks or prints them run for minutes and take gigabytes. Anchors and aliases themselves
stay allowed (examples/contextforge shares entries with `<<: *name`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from migtest.config.positions import Positions, positions
from migtest.errors import ConfigError

MAX_ALIAS_EXPANSION = 100_000  # values that aliases may add to what the file writes out


def found(path: Path, *, directory: bool | None) -> bool:
    """Whether `path` is a folder (True), a file (False) or either (None). A path the system
    cannot look up (a name too long, a folder that is a file) is not there: an OSError would
    escape as a traceback, since Python 3.11's pathlib passes some of them on."""
    try:
        return path.exists() if directory is None else path.is_dir() if directory else path.is_file()
    except OSError:
        return False


def read_text(path: Path) -> str:
    """The file's text; ConfigError when it cannot be read or is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}); save the file as UTF-8",
            file=str(path),
        ) from exc


def load_yaml(path: Path, marks: Positions | None = None) -> Any:
    """The YAML document of the file (None when empty), its aliases' expansion bounded; `marks`
    receives where each key is written."""
    text = read_text(path)
    try:
        return _construct(yaml.SafeLoader(text), path, marks)  # the loader refuses control characters already
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=str(path)) from exc
    except RecursionError as exc:
        raise ConfigError("not read: its YAML is nested too deeply", file=str(path)) from exc


def _construct(loader: yaml.SafeLoader, path: Path, marks: Positions | None) -> Any:
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        expanded, written = _sizes(node, path)
        if expanded - written > MAX_ALIAS_EXPANSION:
            raise ConfigError(
                f"its aliases (*name) expand to {expanded:,} values from {written:,} written; at most "
                f"{MAX_ALIAS_EXPANSION:,} more than written are read (a YAML 'billion laughs'?)",
                file=str(path),
            )
        if marks is not None:
            marks.update(positions(node))
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _sizes(root: yaml.Node, path: Path) -> tuple[int, int]:
    """How many values the document stands for with every alias expanded, and how many nodes it
    writes. Each node is sized once (an alias is the node it names), so this is quick whatever
    the expansion; an alias inside the node it names would expand forever."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:  # every child is sized now
            visiting.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in visiting:
            line = node.start_mark.line + 1
            raise ConfigError(f"the anchor at line {line} holds an alias to itself: it never ends", file=str(path))
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)], len(sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []

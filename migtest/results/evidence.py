"""Long output shortened to what a reader needs: the end, and in a Python traceback the frames in
the project's own files and the final error, whatever comes between; over-long lines (one JSON
log record of 17 KB) keep their two ends. What is left out is counted where it was."""

from __future__ import annotations

import re
from pathlib import Path

from migtest.masking import mask

TAIL_LINES = 40
MAX_LINE = 1000  # characters; a longer line keeps LINE_END of each end
LINE_END = 400
MAX_ERROR_LINES = 200  # at most, of a traceback's final error
FRAME_LINES = 4  # a frame's `File ...` line and the source and caret lines under it
FRAME = re.compile(r'^(?P<indent>\s*)File "(?P<file>[^"]+)", line (?P<line>\d+)')
TRACEBACK = "Traceback (most recent call last):"


def cap_line(line: str) -> str:
    if len(line) <= MAX_LINE:
        return line
    return f"{line[:LINE_END]} ... ({len(line) - 2 * LINE_END} characters left out) ... {line[-LINE_END:]}"


def shorten(text: str, root: Path | None = None, lines: int = TAIL_LINES) -> str:
    """The last `lines` lines, plus a traceback's own frames (files in `root`, not in an installed
    package, and migration files wherever they are) and its final error; gaps marked with how many
    lines were left out; masked."""
    all_lines = text.strip().splitlines()
    kept = set(range(max(0, len(all_lines) - lines), len(all_lines)))
    kept |= _traceback_lines(all_lines, root)
    shown: list[str] = []
    previous = -1
    for index in sorted(kept):
        if index > previous + 1:
            gap = index - previous - 1
            shown.append(f"... ({gap} line{'s' if gap > 1 else ''} left out) ...")
        shown.append(cap_line(all_lines[index]))
        previous = index
    return mask("\n".join(shown))


def own_file(file: Path, root: Path | None) -> bool:
    """A file of the project's tree, not of an installed package or a hidden folder (.venv)."""
    if root is None or not file.is_relative_to(root):
        return False
    parts = file.relative_to(root).parts
    return not any(part in ("site-packages", "dist-packages") or part.startswith(".") for part in parts)


def migration_script(file: Path) -> bool:
    """A migration file wherever it is installed (inside a package in a virtualenv, as optuna's and
    mcp-contextforge-gateway's are): an Alembic revision (in `versions/` beside the tree's
    `env.py`) or a Django migration (a numbered module of a `migrations` package)."""
    folder = file.parent
    if folder.name == "versions":
        return (folder.parent / "env.py").is_file()
    return folder.name == "migrations" and file.name[:4].isdigit() and (folder / "__init__.py").is_file()


def _traceback_lines(lines: list[str], root: Path | None) -> set[int]:
    kept = {index for index, line in enumerate(lines) if line.strip() == TRACEBACK}
    last_frame_end = None
    for index, line in enumerate(lines):
        match = FRAME.match(line)
        if not match:
            continue
        end = _frame_end(lines, index, len(match["indent"]))
        file = Path(match["file"])
        if own_file(file, root) or migration_script(file):
            kept |= set(range(index, end))
        last_frame_end = end
    if last_frame_end is not None:
        kept |= set(_final_error(lines, last_frame_end))
    return kept


def _final_error(lines: list[str], start: int) -> range:
    """The exception after the last frame, up to a blank line (what a program printed after it)."""
    end = start
    while end < min(len(lines), start + MAX_ERROR_LINES) and lines[end].strip():
        end += 1
    return range(start, end)


def _frame_end(lines: list[str], index: int, indent: int) -> int:
    """The line after a frame: its source and caret lines are indented deeper than `File`."""
    end = index + 1
    while end < min(len(lines), index + FRAME_LINES) and _indent(lines[end]) > indent and not FRAME.match(lines[end]):
        end += 1
    return end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip()) if line.strip() else -1

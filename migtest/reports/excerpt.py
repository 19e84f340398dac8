"""Long evidence shortened for a reader: the first lines and the last, the rest counted."""

from __future__ import annotations

from migtest.results.evidence import cap_line


def excerpt(evidence: list[str], head: int, tail: int, where: str) -> list[str]:
    """A check's evidence as lines. A list of differences starts with the first ones, and a failed
    command's output ends with its error (a traceback's last line), so both ends stay; `where` says
    where the whole of it is. Over-long lines keep their two ends."""
    lines = [cap_line(line) for line in "\n".join(evidence).strip().splitlines()]
    if len(lines) <= head + tail + 1:
        return lines
    hidden = len(lines) - head - tail
    return [*lines[:head], f"... {hidden} more lines in {where} ...", *lines[len(lines) - tail :]]

"""Where a statement is in its file, and the `-- migtest: ignore <rule-id>` comments that suppress
a finding on it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from migtest.migrators.sql import LEADING_COMMENTS

IGNORE = re.compile(r"migtest:\s*ignore\b(?P<ids>[^\n]*)", re.IGNORECASE)
RULE_ID = re.compile(r"[a-z][a-z0-9-]+")
COMMENT_LINE = re.compile(r"\s*(--|#|/\*|\*)")


@dataclass
class SqlText:
    """A migration's SQL with its line starts, to turn a character offset into a line."""

    text: str
    starts: list[int] = field(init=False)
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()
        self.starts = [0, *(match.end() for match in re.finditer(r"\n", self.text))]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def statement_start(self, offset: int) -> int:
        """The offset of the statement's first token: a parser's location may include the
        whitespace and comments before it."""
        return LEADING_COMMENTS.match(self.text, offset).end()

    def ignored(self, first: int, last: int) -> set[str]:
        """Rule ids a `migtest: ignore` comment names on the statement's lines (`first`..`last`)
        or in the comment lines right above it."""
        lines = self.lines
        above = first - 1
        while above >= 1 and COMMENT_LINE.match(lines[above - 1]):
            above -= 1
        found: set[str] = set()
        for text in lines[above:last]:
            for match in IGNORE.finditer(text):
                found.update(RULE_ID.findall(match["ids"].lower()))
        return found

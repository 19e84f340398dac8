"""Where a failed check points in the project, for annotations and code-quality reports.

A migration that failed points at its file and line: the SQL statement that failed, or the
innermost traceback frame in the version's own tree. Any other finding (drift, lost rows) cannot
be pinned on one migration by looking at the end state; it points at the likeliest line of the
files the scenario ran (one naming the table, the column and the deed its evidence tells of);
a `history` finding at the released file edited since (as the migrating version has it); else
at the newest file run; or, when migtest cannot see the files (migrations inside an image), at
the target version's entry in migtest.yml.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from migtest.config import Config
from migtest.errors import StepFailed
from migtest.migrators import MigrationRun
from migtest.results import ERROR, FAILED, WARNED, CheckResult, Location

SUBJECT = re.compile(r"(table|column) '([^']+)'")
# A changed value: "table 't': id=1: name 'Ada' -> 'x'" (or "name (now full_name) ..."), naming its column.
CHANGED = re.compile(r"^table '[^']+': [^:]*: (\w+) .* -> ", re.MULTILINE)
# What a finding's evidence says was done, and the words of a migration that do it.
DEEDS = (
    (re.compile(r"\bdropped\b"), re.compile(r"\bdrop", re.IGNORECASE)),
    (re.compile(r"\blost\b"), re.compile(r"\b(delete|drop|truncate)", re.IGNORECASE)),
    (CHANGED, re.compile(r"\b(update|alter|set|rename|modify)\b", re.IGNORECASE)),
)
PINNED = (FAILED, ERROR, WARNED)
MIGRATING_CHECKS = ("migration", "install")  # the checks that report a failed migration


def subject_line(files: tuple[Path, ...], evidence: list[str]) -> tuple[Path, int] | None:
    """The line most likely to have done what the evidence says: naming its table, its column and
    the deed (DROP for "dropped", UPDATE or ALTER for a changed value), else the deed and one of
    them, else the table and column; in the newest file that has such a line."""
    text = "\n".join(evidence)
    found = SUBJECT.findall(text)
    table = next((name.split(".")[-1] for kind, name in found if kind == "table"), None)
    changed = CHANGED.search(text)
    column = next((name for kind, name in found if kind == "column"), changed[1] if changed else None)
    deed = next((verbs for told, verbs in DEEDS if told.search(text)), None)
    table_word, column_word = _word(table), _word(column)
    preferences = [  # a deed first: a statement spanning lines (UPDATE users / SET name = ...) has it on one
        [table_word, column_word, deed],
        [column_word, deed],
        [table_word, deed],
        [table_word, column_word],
    ]
    texts = [(file, file.read_text(errors="replace").splitlines()) for file in reversed(files)]
    for patterns in (patterns for patterns in preferences if None not in patterns):
        for file, lines in texts:
            line = next((n for n, row in enumerate(lines, 1) if all(p.search(row) for p in patterns)), None)
            if line is not None:
                return file, line
    return None


def _word(name: str | None) -> re.Pattern[str] | None:
    return re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE) if name else None


class Locator:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._version_lines = version_lines(config.path)

    def version(self, name: str) -> Location:
        """The version's entry in migtest.yml."""
        return Location(self.config.path.relative_to(self.config.root).as_posix(), self._version_lines.get(name))

    def pin(
        self,
        checks: list[CheckResult],
        *,
        version: str,
        tree: Path,
        error: StepFailed | None,
        run: MigrationRun | None,
    ) -> None:
        """Give each failed or warned check a location; `tree` is the root of the version whose
        migrations ran (the project itself, or the version's checkout)."""
        fallback = self.version(version)
        files = run.files if run is not None else ()
        if files:
            fallback = self._in_tree(files[-1], None, tree) or fallback
        failure = self._failure(error, tree) if error is not None else None
        for check in checks:
            if check.status not in PINNED or check.location is not None:
                continue
            if check.name in MIGRATING_CHECKS and failure:
                check.location = failure
                continue
            mention = subject_line(files, check.evidence) if check.name != "history" else None
            found = self._in_tree(*mention, tree) if mention else self._edited_file(check, tree, version)
            check.location = found or fallback

    def _failure(self, error: StepFailed, tree: Path) -> Location | None:
        return self._in_tree(error.file, error.line, tree) if error.file is not None else None

    def _edited_file(self, check: CheckResult, tree: Path, version: str) -> Location | None:
        """`history` names the released file edited since: sql's first line `<file>: checksum ...`,
        Alembic's `  <version>: <file in its tree>` for the migrating version. Point at it."""
        directory = self.config.migrations.dir
        if check.name != "history" or not check.evidence:
            return None
        if directory is not None:
            file = tree / directory.relative_to(self.config.root) / check.evidence[0].split(":", 1)[0]
        else:
            prefix = f"  {version}: "
            shown = next((line.removeprefix(prefix) for line in check.evidence if line.startswith(prefix)), None)
            if shown is None:
                return None
            file = tree / shown
        return self._in_tree(file, None, tree) if file.is_file() else None

    @staticmethod
    def _in_tree(file: Path, line: int | None, tree: Path) -> Location | None:
        """A file of a version's tree as the same path in the project (None: outside the tree)."""
        if not file.is_relative_to(tree):
            return None
        return Location(file.relative_to(tree).as_posix(), line)


def version_lines(path: Path) -> dict[str, int]:
    """The line of each `versions` entry of migtest.yml, by name."""
    try:
        document = yaml.compose(path.read_text())
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(document, yaml.MappingNode):
        return {}
    lines: dict[str, int] = {}
    for key, value in document.value:
        if key.value != "versions" or not isinstance(value, yaml.SequenceNode):
            continue
        for entry in value.value:
            name = _name(entry)
            if name is not None:
                lines[name] = entry.start_mark.line + 1
    return lines


def _name(entry: yaml.Node) -> str | None:
    if isinstance(entry, yaml.ScalarNode):
        return entry.value
    if isinstance(entry, yaml.MappingNode):
        return next((str(value.value) for key, value in entry.value if key.value == "name"), None)
    return None

"""Exceptions that carry a message a user can act on; the CLI maps them to exit codes."""

from __future__ import annotations

from pathlib import Path


class MigtestError(Exception):
    """Base of every error migtest reports to the user."""


class ConfigError(MigtestError):
    """Bad input: the configuration, a missing file, an unreachable dependency (exit code 2)."""

    def __init__(
        self, message: str, *, file: str | None = None, key: str | None = None, line: tuple[int, int] | None = None
    ) -> None:
        """`line`: the line and column of the key in `file`, where known."""
        self.file = file
        self.key = key
        self.message = message
        at = f"{file}:{line[0]}:{line[1]}" if file and line else file
        where = (": " if line else ", ").join(part for part in (at, f"key '{key}'" if key else None) if part)
        super().__init__(f"{where}: {message}" if where else message)


class StepFailed(MigtestError):
    """A phase of a scenario failed; `output` holds the evidence (log tail, error), `file` and
    `line` the migration file (in the version's tree) and line that failed, where known."""

    def __init__(self, message: str, output: str = "", *, file: Path | None = None, line: int | None = None) -> None:
        self.output = output
        self.file = file
        self.line = line
        super().__init__(message)

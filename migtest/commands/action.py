"""The GitHub Action: the action's inputs (INPUT_* variables) turned into a migtest command line.

Annotations, the step summary and the outputs are written by the commands themselves whenever
GITHUB_ACTIONS is true (reports/github.py); this adds what only the action has: the inputs,
`fail_on_failure`, and the plan's matrix as an output.
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from migtest import cli
from migtest.errors import ConfigError
from migtest.masking import mask, register_url_password
from migtest.reports.comment import check_name
from migtest.reports.github import in_actions, write_outputs

COMMANDS = ("run", "plan", "merge")
SEPARATORS = re.compile(r"[\s,]+")
TOKEN_INPUT = "INPUT_TOKEN"


@dataclass(frozen=True)
class Inputs:
    command: str
    config: str
    working_directory: str
    database_url: str
    report_dir: str
    jobs: str
    scenarios: list[str]
    merge_dirs: list[str]
    fail_on_failure: bool
    comment: bool
    comment_name: str

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> Inputs:
        """The inputs as GitHub passes them (INPUT_ and the name in capitals), checked."""

        def value(name: str, default: str = "") -> str:
            return environ.get(f"INPUT_{name.upper()}", "").strip() or default

        command = value("command", "run")
        if command not in COMMANDS:
            raise ConfigError(f"must be one of {', '.join(COMMANDS)}, got '{command}'", key="command")
        jobs = value("jobs")
        if jobs and (not jobs.isdigit() or int(jobs) < 1):
            raise ConfigError(f"must be a whole number of at least 1, got '{jobs}'", key="jobs")
        comment_name = value("comment_name")
        if comment_name:
            try:
                check_name(comment_name)
            except ValueError as error:
                raise ConfigError(str(error), key="comment_name") from None
        merge_dirs = SEPARATORS.split(value("merge_dirs"))
        if command == "merge" and not any(merge_dirs):
            raise ConfigError("command 'merge' needs the report directories to combine", key="merge_dirs")
        return cls(
            command=command,
            config=value("config", "migtest.yml"),
            working_directory=value("working_directory", "."),
            database_url=value("database_url"),
            report_dir=value("report_dir"),
            jobs=jobs,
            scenarios=[s for s in SEPARATORS.split(value("scenarios")) if s],
            merge_dirs=[d for d in merge_dirs if d],
            fail_on_failure=_boolean(value("fail_on_failure", "true"), "fail_on_failure"),
            comment=_boolean(value("comment", "false"), "comment"),
            comment_name=comment_name,
        )

    def arguments(self) -> list[str]:
        """The migtest command line the inputs stand for (no shell expands merge_dirs' globs: this does)."""
        if self.command == "merge":
            found = [path for pattern in self.merge_dirs for path in sorted(glob.glob(pattern)) or [pattern]]
            return ["merge", *found, *_option("--report-dir", self.report_dir), *self._comment()]
        selection = ["-c", self.config, *(arg for pattern in self.scenarios for arg in ("--only", pattern))]
        if self.command == "plan":
            return ["plan", *selection, "--format", "github-matrix"]
        options = _option("--report-dir", self.report_dir) + _option("--jobs", self.jobs)
        return ["run", *selection, *options, *_option("--database-url", self.database_url), *self._comment()]

    def _comment(self) -> list[str]:
        """The PR comment's options; the token stays in INPUT_TOKEN, named rather than put on the command line."""
        if not self.comment:
            return []
        return ["--comment", *_option("--comment-name", self.comment_name), "--comment-token-variable", TOKEN_INPUT]


def _boolean(text: str, name: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ConfigError(f"must be true or false, got '{text}'", key=name)
    return text.lower() == "true"


def _option(name: str, value: str) -> list[str]:
    return [name, value] if value else []


def main(argv: list[str], environ: Mapping[str, str] = os.environ) -> int:
    if argv or not in_actions(environ):
        return cli.main(argv or ["run"])
    try:
        inputs = Inputs.read(environ)
    except ConfigError as exc:
        print(f"::error title=migtest: bad input::{exc}", flush=True)
        return cli.EXIT_USAGE
    register_url_password(inputs.database_url)  # announced with ::add-mask:: before anything prints it
    directory = Path(inputs.working_directory)
    if not directory.is_dir():
        print(f"::error title=migtest: bad input::key 'working_directory': no folder {directory}", flush=True)
        return cli.EXIT_USAGE
    os.chdir(directory)
    arguments = inputs.arguments()
    print(mask(f"migtest {' '.join(arguments)}  (in {directory})"), flush=True)
    code = _plan(arguments, environ) if inputs.command == "plan" else cli.main(arguments)
    if code == cli.EXIT_FAILED and not inputs.fail_on_failure:
        print("::notice title=migtest::checks failed; the step passes since fail_on_failure is false", flush=True)
        return cli.EXIT_OK
    return code


def _plan(arguments: list[str], environ: Mapping[str, str]) -> int:
    """`migtest plan`, its matrix also set as the `matrix` output."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli.main(arguments)
    print(printed.getvalue(), end="", flush=True)
    if code == cli.EXIT_OK and environ.get("GITHUB_OUTPUT"):
        write_outputs(environ["GITHUB_OUTPUT"], {"matrix": printed.getvalue().strip()})
    return code

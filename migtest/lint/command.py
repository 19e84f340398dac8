"""`migtest lint`: the files given, or the configured version's history; exit 1 on findings."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from migtest.config import load_config
from migtest.errors import ConfigError
from migtest.lint import DIALECTS, FORMATS, NOWHERE, RULES


def add_arguments(parser: argparse.ArgumentParser, default_config: str) -> None:
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="lint these SQL files (pre-commit)")
    parser.add_argument("-c", "--config", help=f"configuration file (default: {default_config})")
    parser.add_argument("--version", metavar="NAME", help="whose migrations to lint (default: the newest version)")
    parser.add_argument(
        "--dialect",
        choices=sorted(DIALECTS),
        help="the SQL's database (default: database.engine of the configuration)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="github: workflow annotations")
    parser.add_argument(
        "--measured", type=Path, metavar="REPORT", help="a results.json: say which findings its measurements confirm"
    )
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="RULE", help="a rule not to report (as lint.ignore)"
    )


def run(args: argparse.Namespace) -> int:
    from migtest.lint import sources
    from migtest.lint.render import write
    from migtest.lint.run import lint_history

    unknown = sorted(set(args.ignore) - set(RULES))
    if unknown:
        raise ConfigError(f"no rule {unknown[0]}; the rules are {', '.join(RULES)}", key="--ignore")
    config = None
    if args.config or not args.files:  # with --dialect, as if the database were of that dialect: `{dialect}` in paths
        config = load_config(args.config, database_url=NOWHERE[DIALECTS[args.dialect]] if args.dialect else None)
    dialect = sources.dialect_of(config, args.dialect)
    with tempfile.TemporaryDirectory(prefix="migtest-lint-") as workdir:
        if args.files:
            migrations, unlinted = sources.given_files(args.files), []
        else:
            assert config is not None
            migrations, unlinted = sources.configured(config, args.version, dialect, Path(workdir))
        ignored = frozenset(args.ignore) | frozenset(config.lint.ignore if config else ())
        outcome = lint_history(migrations, dialect, ignored)
    outcome.unlinted[:0] = unlinted
    if args.measured:
        from migtest.lint.measured import annotate

        annotate(outcome.findings, args.measured)
    write(outcome.findings, outcome.unlinted, outcome.linted + len(unlinted), args.format, sys.stdout)
    return 1 if outcome.findings else 0

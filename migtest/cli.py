"""Command line: parse arguments, call into the package, turn outcomes into exit codes.

Exit codes: 0 every check held, 1 a check failed, 2 usage or configuration error, 130
interrupted, 141 (as a process ended by SIGPIPE) its output's reader went away (`| head`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from migtest import __version__
from migtest.commands.init import write_starter
from migtest.config import DEFAULT_CONFIG, Config, load_config
from migtest.config.generated import schema_text
from migtest.docker import RUN_LABEL
from migtest.errors import ConfigError, MigtestError
from migtest.lint import command as lint_command
from migtest.masking import mask
from migtest.plan import plan, select
from migtest.reports import comment, live
from migtest.reports.console import READER_GONE, reader_gone
from migtest.results import RunResult
from migtest.run import interrupts
from migtest.sources import check_refs

if TYPE_CHECKING:
    from migtest.run.session import Progress

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # by Ctrl-C or SIGTERM alike
EXIT_CLOSED_PIPE = 141  # what a shell reports for `yes | head`'s yes: 128 + SIGPIPE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 as well; keep our wording
        self.print_usage(sys.stderr)
        print(mask(f"migtest: error: {message}"), file=sys.stderr)  # it may quote a URL given
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="migtest", description="Test database migrations with real data, release to release.")
    parser.add_argument("--version", action="version", version=f"migtest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_config(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("-c", "--config", help=f"configuration file (default: {DEFAULT_CONFIG})")
        sub.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="PATTERN",
            help="run only scenarios whose id or kind matches (glob; repeatable)",
        )
        sub.add_argument(
            "--scenario",
            action="append",
            default=[],
            metavar="ID",
            help="run only the scenario with this id, as `plan` lists them (repeatable; for CI fan-out)",
        )
        return sub

    def with_progress(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--progress",
            choices=live.MODES,
            default="auto",
            help="live: a status line kept up to date in place; plain: lines only, as in CI logs and pipes; "
            "auto (default): live in a terminal unless CI, GITHUB_ACTIONS or GITLAB_CI is set or TERM=dumb",
        )
        return sub

    def with_comment(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--comment",
            action="store_true",
            help="post the summary on the pull request (GitHub) or merge request (GitLab), updating the earlier one",
        )
        sub.add_argument(
            "--comment-name",
            type=_checked(comment.check_name),
            metavar="NAME",
            help="keep a comment of its own per NAME, for several migtest jobs in one pull request",
        )
        sub.add_argument(
            "--comment-token-variable",
            type=_checked(comment.check_variable),
            metavar="VAR",
            help="the variable holding the API token (default: GITHUB_TOKEN, or MIGTEST_GITLAB_TOKEN on GitLab)",
        )
        return sub

    run = commands.add_parser("run", help="run the scenario matrix and write the reports")
    run = with_progress(with_comment(with_config(run)))
    run.add_argument("--report-dir", help="where to write the reports (default: report.dir)")
    run.add_argument(
        "--database-url",
        metavar="URL",
        help="test on this PostgreSQL or MySQL/MariaDB server instead of database.url or .image",
    )
    run.add_argument(
        "--jobs",
        type=_positive,
        default=os.cpu_count() or 1,
        metavar="N",
        help="run up to N scenarios at once (default: the number of CPUs)",
    )
    run.add_argument(
        "--no-reuse",
        action="store_true",
        help="install each scenario's from-release by running its migrations instead of copying one fresh install",
    )
    run.add_argument(
        "--keep",
        action="store_true",
        help="leave the run's containers, volumes and network for inspection (then: migtest cleanup)",
    )
    steps = with_progress(
        with_comment(
            commands.add_parser("steps", help="test each migration on its own: upgrade, downgrade, upgrade again")
        )
    )
    steps.add_argument("-c", "--config", help=f"configuration file (default: {DEFAULT_CONFIG})")
    steps.add_argument("--version", metavar="NAME", help="whose migrations to walk (default: the newest version)")
    steps.add_argument("--from", dest="start", metavar="REV", help="start at this revision (default: base)")
    steps.add_argument("--to", dest="end", metavar="REV", help="stop after this migration (default: the newest)")
    steps.add_argument("--report-dir", help="where to write the reports (default: report.dir)")
    steps.add_argument("--database-url", metavar="URL", help="walk on this PostgreSQL or MySQL/MariaDB server")
    show = with_config(commands.add_parser("plan", help="print the scenarios without running them"))
    show.add_argument(
        "--format",
        choices=("text", "json", "github-matrix"),
        default="text",
        help='github-matrix: {"scenario": [ids]} on one line, for a workflow\'s strategy.matrix',
    )
    merge = with_comment(commands.add_parser("merge", help="combine the results of runs fanned out across CI runners"))
    merge.add_argument("results", nargs="+", type=Path, metavar="DIR", help="report directories or results.json")
    merge.add_argument("--report-dir", default="migtest-results", help="where to write (default: migtest-results)")
    cleanup = commands.add_parser(
        "cleanup", help="remove the containers, networks, volumes, databases and temporary folders runs left"
    )
    cleanup.add_argument(
        "--run", metavar="ID", help="only this run's (default: every run's containers, ended runs' databases, folders)"
    )
    cleanup.add_argument("-c", "--config", help=f"whose database.url to clean (default: {DEFAULT_CONFIG} if here)")
    cleanup.add_argument("--database-url", metavar="URL", help="clean this PostgreSQL or MySQL/MariaDB server")
    lint = commands.add_parser("lint", help="report migration statements known to block reads or writes, with the fix")
    lint_command.add_arguments(lint, DEFAULT_CONFIG)
    commands.add_parser("schema", help="print the JSON Schema of migtest.yml (for editors and validators)")
    init = commands.add_parser("init", help="write a starter migtest.yml for the project here")
    init.add_argument("--dir", default=".", help="project folder (default: .)")
    init.add_argument("--force", action="store_true", help="overwrite an existing migtest.yml")
    return parser


def _checked(check: Callable[[str], str]) -> Callable[[str], str]:
    """An argparse type from a check that raises ValueError with the reason."""

    def parse(text: str) -> str:
        try:
            return check(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got '{text}'")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    READER_GONE.clear()
    interrupts.install()  # SIGTERM unwinds as Ctrl-C does; a second signal cannot cut the cleanup short
    try:
        commands = {
            **{"run": _run, "steps": _steps, "plan": _plan, "merge": _merge},
            **{"init": _init, "cleanup": _cleanup, "schema": _schema, "lint": lint_command.run},
        }
        code = commands[args.command](args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
        return EXIT_CLOSED_PIPE if READER_GONE.is_set() else code
    except BrokenPipeError:
        reader_gone()
        return EXIT_CLOSED_PIPE
    except MigtestError as exc:
        print(mask(f"migtest: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if READER_GONE.is_set():  # the console ended the run: stdout's reader is gone, not the user
            return EXIT_CLOSED_PIPE
        print("migtest: interrupted; everything it created was removed", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        interrupts.uninstall()


def _scenarios(args: argparse.Namespace):
    config = load_config(args.config, database_url=getattr(args, "database_url", None))
    check_refs(config)
    planned = plan(config.versions, config.matrix)
    unknown = sorted(set(args.scenario) - {s.id for s in planned})
    if unknown:
        known = ", ".join(s.id for s in planned)
        raise ConfigError(f"no scenario {unknown[0]} in the plan; it has: {known}", file=str(config.path))
    scenarios = select(planned, args.only)
    if args.scenario:
        scenarios = [s for s in scenarios if s.id in args.scenario]
    if not scenarios:
        raise ConfigError(f"no scenario matches --only {' '.join(args.only)}", file=str(config.path))
    return config, scenarios


def _plan(args: argparse.Namespace) -> int:
    config, scenarios = _scenarios(args)
    if args.format == "github-matrix":
        print(json.dumps({"scenario": [s.id for s in scenarios]}))
    elif args.format == "json":
        print(json.dumps({"config": str(config.path), "scenarios": [s.to_dict() for s in scenarios]}, indent=2))
    else:
        print(f"{len(scenarios)} scenarios from {config.path}:")
        for scenario in scenarios:
            print(f"  {scenario.id:<32} {scenario.title}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from migtest.reports.console import Console
    from migtest.reports.ordered import InPlanOrder
    from migtest.run.matrix import Matrix
    from migtest.run.session import Session

    config, scenarios = _scenarios(args)
    directory = _report_dir(args, config)
    line = _status_line(args)
    console = Console(line=line)
    progress = _tracked(console if args.jobs == 1 else InPlanOrder(console), line)
    session = Session(config, progress, reuse=not args.no_reuse, keep=args.keep)
    _announce(session.run_id, args)
    with live.showing(line):
        result = Matrix(session, jobs=args.jobs).run(scenarios)
    code = _report(result, directory, args)
    if session.docker is not None and args.keep:
        run_id = session.docker.run_id
        print(f"Kept for inspection: docker ps -a --filter label={RUN_LABEL}={run_id} (and docker volume ls, docker")
        print(f"network ls with the same filter); remove them with: migtest cleanup --run {run_id}")
    return code


def _steps(args: argparse.Namespace) -> int:
    from migtest.reports.console import Console
    from migtest.run.session import Session
    from migtest.run.steps import StepWalk

    config = load_config(args.config, database_url=args.database_url)
    check_refs(config)
    directory = _report_dir(args, config)
    line = _status_line(args)
    session = Session(config, _tracked(Console(line=line), line))
    _announce(session.run_id, args)
    with live.showing(line):
        result = StepWalk(session).walk(args.version, args.start, args.end)
    return _report(result, directory, args)


def _status_line(args: argparse.Namespace) -> live.StatusLine | None:
    return live.StatusLine(sys.stdout) if live.wanted(args.progress, sys.stdout) else None


def _tracked(progress: Progress, line: live.StatusLine | None) -> Progress:
    return progress if line is None else live.Tracked(progress, line)


def _merge(args: argparse.Namespace) -> int:
    from migtest.commands.merge import merge

    directory = _report_dir(args, None)
    result = merge(args.results)
    print(f"merged {len(args.results)} result(s)")
    return _report(result, directory, args)


def _report_dir(args: argparse.Namespace, config: Config | None) -> Path:
    """The report folder, made and tried now: found unwritable after the run, its results would be lost."""
    from migtest.reports import writable

    if config is None or args.report_dir:
        directory, where = Path(args.report_dir), {"key": "--report-dir"}
    else:
        directory, where = config.report.dir, {"file": str(config.path), "key": "report.dir"}
    problem = writable(directory)
    if problem:
        raise ConfigError(problem, **where)
    return directory


def _report(result: RunResult, directory: Path, args: argparse.Namespace) -> int:
    """Write the reports (and, in GitHub Actions, annotations, summary and outputs), post the
    comment if asked; the exit code, whatever became of the comment."""
    from migtest.reports import github, save_elsewhere, write_reports

    failed = len(result.failed)
    total = len(result.scenarios)
    summary = f"\n{total} scenarios, {failed} failed, {result.count('skipped')} skipped in {result.seconds:.1f}s"
    try:
        paths = write_reports(result, directory)
    except OSError as exc:
        print(summary)
        saved = save_elsewhere(result)
        raise ConfigError(
            f"cannot write reports to {directory}: {exc.strerror or exc}; the results are saved in {saved} "
            f"(migtest merge {saved.parent} --report-dir DIR writes the reports from them)"
        ) from exc
    print(summary)
    print("Reports: " + ", ".join(str(p) for p in paths.values()))
    if github.in_actions():
        github.publish(result, paths)
    if args.comment:
        comment.publish(result, comment.Options(args.comment_name or "", args.comment_token_variable or ""))
    return EXIT_FAILED if failed else EXIT_OK


def _announce(run_id: str, args: argparse.Namespace) -> None:
    """Before anything is made, so that a user whose run was killed knows what to clean."""
    where = (f" -c {args.config}" if args.config else "") + (" --database-url URL" if args.database_url else "")
    print(f"run id {run_id}: `migtest cleanup --run {run_id}{where}` removes what a killed run leaves", flush=True)


def _cleanup(args: argparse.Namespace) -> int:
    from migtest.commands.cleanup import clean

    removed = clean(args.run, args.config, args.database_url)
    for thing in removed:
        print(f"removed {thing}")
    print(f"{len(removed)} object(s) removed" if removed else "nothing to remove")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    print(schema_text(), end="")
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    path = write_starter(Path(args.dir), force=args.force)
    print(f"wrote {path}; edit its versions, then run: migtest plan -c {path}")
    return EXIT_OK

"""Whatever a user gives it, migtest exits 0, 1 or 2 and prints no Python traceback.

Hypothesis mutates valid inputs: the configuration of every fixture and example (values
replaced by odd ones, keys removed or added, bytes inserted into the text), flyway-base's seed
file and a step test, and command lines. It runs derandomized (the same examples on every
machine, no example database kept) with a bounded number of examples: most run `plan`, which
needs no database; the few that run scenarios use flyway-base on SQLite, and mutate only what
cannot reach out of the machine (no image, URL or command is ever made up).
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import traceback
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from migtest.cli import main

TESTS = Path(__file__).parent.parent
PROJECTS = {
    path.parent.name: path.parent
    for root in (TESTS / "fixtures", TESTS.parent / "examples")
    for path in sorted(root.glob("*/migtest.yml"))
}
COPY_IGNORE = shutil.ignore_patterns("migtest-results", ".migtest-cache", "*.db", "__pycache__")
ODD_VALUES = [
    None, True, False, 0, -1, 1, 2, 65535, 99999999, 10**30, 1.5, -0.5, float("nan"), float("inf"),
    "", " ", "x", "sqllite", "postgresql", "chain", "1.0", "head", "{version}", "{database_url:nope}",
    "${MIGTEST_FUZZ_UNSET}", "sh -c 'unclosed", "a && b", "postgresql://u:pw@db:abc/x", "../nowhere", "α", "\t",
    "x" * 300,
    [], {}, ["1.0", "9.9"], [[]], {"a": None}, {"": 1}, [{"name": "x"}],
]  # fmt: skip
ODD_KEYS = ["schemma", "extra", "engine", "name", "rows", "1", ""]
ODD_BYTES = [b"\xff", b"\xe9", b"\x00", b"\t", b"'", b'"', b"{", b"[", b": ", b"\n  - ", b"*x", b"&a [*a]", b"%", b";"]
BROKEN_URLS = ["postgresql://u:pw@db:abc/x", "postgresql://u:pw@db:0/x", "mysql://u:pw@h:99999/d", "oracle://x", ""]
BOUNDED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def migtest(argv: list[str]) -> tuple[int, str]:
    """Run the CLI in-process: its exit code (argparse's too) and everything it printed."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        except Exception:
            pytest.fail(f"migtest {argv} raised:\n{traceback.format_exc()}")
    output = out.getvalue() + err.getvalue()
    assert code in (0, 1, 2), f"migtest {argv} exited {code}:\n{output}"
    assert "Traceback (most recent call last)" not in output, f"migtest {argv}:\n{output}"
    event(f"exit {code}")  # --hypothesis-show-statistics shows how often each
    return code, output


def _places(tree: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) of a YAML tree, the root's children first."""
    found: list[tuple[Any, Any]] = []
    pending = [tree]
    while pending:
        node = pending.pop(0)
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for key in keys:
            found.append((node, key))
            pending.append(node[key])
    return found


@st.composite
def mutated_tree(draw: st.DrawFn, tree: Any, inside: Callable[[Any], Any] = lambda tree: tree) -> Any:
    """`tree` (a parsed YAML document) with one to three values replaced, keys removed or added,
    in the part `inside` picks."""
    tree = yaml.safe_load(yaml.safe_dump(tree))  # a copy
    for _ in range(draw(st.integers(1, 3))):
        places = _places(inside(tree))
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            container[key] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))  # later mutations change it
        elif action == "remove":
            del container[key]
        elif isinstance(container[key], dict):
            container[key][draw(st.sampled_from(ODD_KEYS))] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
    return tree


@st.composite
def mutated_bytes(draw: st.DrawFn, text: bytes) -> bytes:
    """`text` with a few bytes inserted, or a slice of it removed."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(ODD_BYTES)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
    return text


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A copy of every fixture and example project, whose migtest.yml the examples overwrite."""
    root = tmp_path_factory.mktemp("fuzz")
    return {name: shutil.copytree(path, root / name, ignore=COPY_IGNORE) for name, path in PROJECTS.items()}


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`init` and relative paths land in a temporary folder, not the repository."""
    monkeypatch.chdir(tmp_path)


@settings(BOUNDED, max_examples=150)
@given(data=st.data())
def test_plan_with_a_mutated_configuration(projects, data):
    name = data.draw(st.sampled_from(sorted(projects)))
    config = projects[name] / "migtest.yml"
    original = PROJECTS[name] / "migtest.yml"
    tree = yaml.safe_load(original.read_text())
    if data.draw(st.booleans()):
        config.write_text(yaml.safe_dump(data.draw(mutated_tree(tree)), sort_keys=False))
    else:
        config.write_bytes(data.draw(mutated_bytes(original.read_bytes())))
    migtest(["plan", "-c", str(config)])


SAFE_SECTIONS = {  # what a `run` example may change: nothing in it reaches out of the machine
    "checks": {"float_tolerance": 0, "renamed": {"users": {"nickname": "nick"}}, "allow_lost_rows": ["users"]},
    "matrix": {"upgrade": "chain", "downgrade": "chain", "skip": []},
    "seed": {"sql": "seeds/{version}.sql", "generate": {"rows": 3, "seed": 1, "exclude": ["users.email"]}},
}
STEP_TEST = {
    "before": "1",
    "target": "2",
    "insert": {"users": [{"id": 10, "name": "Ada", "email": "ada@example.com"}]},
    "assert": [{"query": "SELECT name FROM users WHERE id = 10", "expect": [["Ada"]]}],
    "engines": ["sqlite"],
}


def run_flyway(project: Path, *options: str) -> tuple[int, str]:
    report = project.parent / "report"
    return migtest(["run", "-c", str(project / "migtest.yml"), "--jobs", "1", "--report-dir", str(report), *options])


@settings(BOUNDED, max_examples=15)
@given(data=st.data())
def test_run_with_mutated_checks_matrix_and_seed(projects, data):
    project = projects["flyway-base"]
    settings_ = {**yaml.safe_load((PROJECTS["flyway-base"] / "migtest.yml").read_text()), **SAFE_SECTIONS}
    section = data.draw(st.sampled_from(sorted(SAFE_SECTIONS)))
    mutated = data.draw(mutated_tree(settings_, inside=lambda tree: tree[section]))
    (project / "migtest.yml").write_text(yaml.safe_dump(mutated, sort_keys=False))
    run_flyway(project)


@settings(BOUNDED, max_examples=10)
@given(data=st.data())
def test_run_with_a_mutated_seed_file(projects, data):
    project = projects["flyway-base"]
    shutil.copy(PROJECTS["flyway-base"] / "migtest.yml", project / "migtest.yml")
    original = (PROJECTS["flyway-base"] / "seeds/1.1.sql").read_bytes()
    (project / "seeds/1.1.sql").write_bytes(data.draw(mutated_bytes(original)))
    try:
        run_flyway(project, "--only", "fresh-1.1")
    finally:
        (project / "seeds/1.1.sql").write_bytes(original)


@settings(BOUNDED, max_examples=10)
@given(data=st.data())
def test_steps_with_a_mutated_step_test(projects, data):
    project = projects["flyway-base"]
    shutil.copy(PROJECTS["flyway-base"] / "migtest.yml", project / "migtest.yml")
    step = project / "migtest/steps/V2.yml"
    step.parent.mkdir(parents=True, exist_ok=True)
    if data.draw(st.booleans()):
        step.write_text(yaml.safe_dump(data.draw(mutated_tree(STEP_TEST)), sort_keys=False))
    else:
        step.write_bytes(data.draw(mutated_bytes(yaml.safe_dump(STEP_TEST, sort_keys=False).encode())))
    try:
        migtest(["steps", "-c", str(project / "migtest.yml"), "--from", "1", "--report-dir", str(project.parent / "r")])
    finally:
        step.unlink()


OPTIONS = {  # option -> values it is given (besides made-up text)
    "-c": ["{config}", "nowhere.yml", "{project}", "{project}/seeds/1.0.sql"],
    "--only": ["fresh-*", "upgrade", "nothing-*", "[", ""],
    "--scenario": ["fresh-1.0", "fresh-9.9", ""],
    "--format": ["json", "github-matrix", "yaml"],
    "--jobs": ["1", "0", "-1", "x", "99999999999999999999"],
    "--report-dir": ["{project}/r", "{project}/seeds/1.0.sql", ""],
    "--database-url": BROKEN_URLS,
    "--from": ["1", "2", "9", "base"],
    "--to": ["1", "2", "head"],
    "--version": ["1.0", "9.9"],
    "--run": ["abc"],
    "--dir": ["{tmp}"],
}


@settings(BOUNDED, max_examples=60)
@given(data=st.data())
def test_command_lines(projects, tmp_path, data):
    """`cleanup` is left out: it removes the Docker objects of every run on the machine."""
    project = projects["flyway-base"]
    shutil.copy(PROJECTS["flyway-base"] / "migtest.yml", project / "migtest.yml")
    places = {"config": str(project / "migtest.yml"), "project": str(project), "tmp": str(tmp_path)}
    argv = [data.draw(st.sampled_from(["plan", "run", "steps", "merge", "init", "help", "--version", "-h"]))]
    for _ in range(data.draw(st.integers(0, 4))):
        option = data.draw(st.sampled_from([*OPTIONS, "--no-reuse", "--force", "--", "-x"]))
        argv.append(option)
        if option in OPTIONS:
            value = data.draw(st.one_of(st.sampled_from(OPTIONS[option]), st.text(max_size=6)))
            argv.append(value.format(**places) if "{" in value and "}" in value else value)
    if argv[0] in ("run", "steps") and "-c" not in argv:
        argv += ["-c", places["config"], "--report-dir", str(tmp_path / "r")]
    migtest(argv)


@pytest.fixture(scope="module")
def results_json(projects: dict[str, Path]) -> bytes:
    """The results.json of a flyway-base run, as `merge` reads it."""
    report = projects["flyway-base"].parent / "merge-source"
    config = PROJECTS["flyway-base"] / "migtest.yml"
    main(["run", "-c", str(config), "--jobs", "1", "--report-dir", str(report)])
    return (report / "results.json").read_bytes()


@settings(BOUNDED, max_examples=40)
@given(data=st.data())
def test_merge_of_a_mutated_results_file(results_json, tmp_path, data):
    results = tmp_path / "results.json"
    if data.draw(st.booleans()):
        results.write_text(json.dumps(data.draw(mutated_tree(json.loads(results_json))), default=str))
    else:
        results.write_bytes(data.draw(mutated_bytes(results_json)))
    migtest(["merge", str(results), "--report-dir", str(tmp_path / "merged")])

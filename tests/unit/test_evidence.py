"""Long command output keeps what names the cause: the project's frames and the final error of a
traceback whatever its length, the end of the output, and both ends of an over-long line."""

from __future__ import annotations

from pathlib import Path

from migtest.results.evidence import MAX_LINE, migration_script, shorten

ROOT = Path("/project")


def frame(file: str, line: int, code: str = "call()") -> list[str]:
    return [f'  File "{file}", line {line}, in f', f"    {code}", "    ^^^^^^"]


def deep_traceback(library_frames: int) -> list[str]:
    lines = ["INFO  [alembic] Running upgrade 0002 -> 0003", "Traceback (most recent call last):"]
    lines += frame("/project/.venv/lib/python3.11/site-packages/alembic/command.py", 10)
    lines += frame("/project/migrations/versions/0003_emails.py", 12, "copy.deepcopy(settings)")
    for number in range(library_frames):
        lines += frame("/usr/lib/python3.11/copy.py", number)
    return [*lines, "TypeError: cannot pickle '_thread.lock' object"]


def test_short_output_is_kept_whole():
    assert shorten("a\nb\n") == "a\nb"


def test_a_deep_traceback_keeps_the_own_frame_and_the_final_error():
    lines = deep_traceback(70)  # 218 lines
    shown = shorten("\n".join(lines), ROOT).splitlines()

    assert shown[:2] == ["... (1 line left out) ...", "Traceback (most recent call last):"]
    assert shown[2] == "... (3 lines left out) ..."
    assert shown[3:6] == frame("/project/migrations/versions/0003_emails.py", 12, "copy.deepcopy(settings)")
    assert shown[6] == f"... ({len(lines) - 8 - 40} lines left out) ..."
    assert shown[7:] == lines[-40:]
    assert shown[-1] == "TypeError: cannot pickle '_thread.lock' object"


def test_frames_of_installed_packages_and_other_trees_are_not_kept():
    lines = deep_traceback(70)
    shown = shorten("\n".join(lines), Path("/elsewhere"))
    assert "0003_emails.py" not in shown and "site-packages/alembic" not in shown


def test_a_long_final_error_is_kept_whole_before_what_came_after_it():
    error = ["sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedTable) no such table", *["[SQL: x]"] * 60]
    lines = [*deep_traceback(5), *error[1:], "", *[f"log {n}" for n in range(50)]]
    shown = shorten("\n".join(lines), ROOT).splitlines()
    assert shown.count("[SQL: x]") == 60 and "log 49" in shown and "log 0" not in shown


def test_an_over_long_line_keeps_both_ends():
    record = '{"level": "info", "payload": "' + "x" * 17_000 + '", "end": true}'
    shown = shorten(f"starting\n{record}")
    line = shown.splitlines()[1]
    assert len(line) < MAX_LINE + 50
    assert line.startswith('{"level": "info"') and line.endswith('"end": true}')
    assert f"... ({len(record) - 800} characters left out) ..." in line


def test_migration_frames_inside_an_installed_package_are_kept(tmp_path):
    """optuna and mcp-contextforge-gateway ship their Alembic trees inside the package, so the
    failing revision is in site-packages, never in the project's tree."""
    scripts = tmp_path / "env/lib/python3.11/site-packages/optuna/storages/_rdb/alembic"
    (scripts / "versions").mkdir(parents=True)
    (scripts / "env.py").write_text("")
    revision = scripts / "versions/v3.0.0.c.py"
    revision.write_text("")
    lines = ["Traceback (most recent call last):"]
    lines += frame(str(tmp_path / "env/lib/python3.11/site-packages/alembic/command.py"), 10)
    lines += frame(str(revision), 77, "IntermediateValueModel.FloatTypeEnum")
    for number in range(60):
        lines += frame("/usr/lib/python3.11/copy.py", number)
    lines.append("AttributeError: type object 'IntermediateValueModel' has no attribute 'FloatTypeEnum'")

    shown = shorten("\n".join(lines), tmp_path / "project").splitlines()

    assert frame(str(revision), 77, "IntermediateValueModel.FloatTypeEnum")[0] in shown
    assert shown[-1].startswith("AttributeError")


def test_what_counts_as_a_migration_script(tmp_path):
    (tmp_path / "alembic/versions").mkdir(parents=True)
    (tmp_path / "alembic/env.py").write_text("")
    (tmp_path / "app/migrations").mkdir(parents=True)
    (tmp_path / "app/migrations/__init__.py").write_text("")
    (tmp_path / "lib/versions").mkdir(parents=True)
    assert migration_script(tmp_path / "alembic/versions/0003_emails.py")
    assert migration_script(tmp_path / "app/migrations/0002_auto.py")
    assert not migration_script(tmp_path / "app/migrations/helpers.py")
    assert not migration_script(tmp_path / "lib/versions/compat.py")  # no env.py beside it

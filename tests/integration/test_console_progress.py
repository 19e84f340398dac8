"""The console as a user sees it: a live status line in a real pseudo-terminal, plain lines in CI
and pipes, and a reader that goes away early (`| head`) ending migtest quietly."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from integration_support import FixtureProject

from migtest.cli import EXIT_CLOSED_PIPE, EXIT_INTERRUPTED

READ_SECONDS = 120
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI")
STATUS = re.compile(r"\d+/\d+ done|starting \| ")


def terminal_env(**extra: str) -> dict[str, str]:
    """The test's own CI (CI=true) must not decide the mode: a developer's terminal, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in CI_VARIABLES}
    return {**env, "TERM": "xterm", **extra}


def migtest(*args: str) -> list[str]:
    return [sys.executable, "-m", "migtest", *args]


def in_terminal(command: list[str], cwd: Path, env: dict[str, str], *, interrupt_at: bytes | None = None):
    """Run `command` with stdout and stderr on a pseudo-terminal 200 columns wide; the bytes it
    wrote (output post-processing off, so `\\n` is not turned into `\\r\\n`) and its exit code.
    `interrupt_at`: send SIGINT once this has been written."""
    master, slave = pty.openpty()
    attributes = termios.tcgetattr(slave)
    attributes[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attributes)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + READ_SECONDS
    try:
        while True:
            ready, _, _ = select.select([master], [], [], max(deadline - time.monotonic(), 0))
            assert ready, f"no output for {READ_SECONDS}s; so far: {output.decode()}"
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if interrupt_at is not None and interrupt_at in output:
                process.send_signal(signal.SIGINT)
                interrupt_at = None
        return output.decode(), process.wait(timeout=READ_SECONDS)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()


def screen(raw: str) -> list[str]:
    """The lines a terminal shows after `raw`: `\\r` returns to the line's start, ESC[K clears
    to its end, other text overwrites."""
    lines, column = [""], 0
    for token in re.split(r"(\r|\n|\x1b\[K)", raw):
        if token == "\r":
            column = 0
        elif token == "\n":
            lines.append("")
            column = 0
        elif token == "\x1b[K":
            lines[-1] = lines[-1][:column]
        elif token:
            line = lines[-1].ljust(column)
            lines[-1] = line[:column] + token + line[column + len(token) :]
            column += len(token)
    return lines


def comparable(lines: list[str]) -> list[str]:
    """Without what differs between two runs: the run id and the timings."""
    text = "\n".join(lines)
    text = re.sub(r"run id \w+|--run \w+", "RUN", text)
    return re.sub(r" *\d+\.\d+s", " Ns", text).splitlines()


def plain_run(project: FixtureProject, *args: str) -> list[str]:
    done = subprocess.run(migtest(*args), cwd=project.root, env=terminal_env(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert b"\r" not in done.stdout and b"\x1b" not in done.stdout
    return done.stdout.decode().splitlines()


def test_a_terminal_gets_a_status_line_redrawn_in_place_and_cleared_leaving_the_plain_lines(fixture_project):
    project = fixture_project("alembic-base")
    raw, code = in_terminal(migtest("run", "--jobs", "2"), project.root, terminal_env())
    assert code == 0, raw

    assert "\r\x1b[K" in raw, "the status line is erased before each plain line"
    drawn = [STATUS.search(part) for part in raw.split("\r")]
    assert sum(bool(found) for found in drawn) >= 3, raw
    assert "running fresh-1.0 (" in raw and "4/4 done" in raw
    shown = screen(raw)
    assert shown[-1] == "", f"the status line is left on screen: {shown[-1]!r}"
    assert not [line for line in shown if STATUS.search(line)]
    assert comparable(shown[:-1]) == comparable(plain_run(project, "run", "--jobs", "2"))


def test_steps_show_the_status_line_too(fixture_project):
    project = fixture_project("alembic-base")
    raw, code = in_terminal(migtest("steps"), project.root, terminal_env())
    assert code == 0, raw
    assert re.search(r"\r\d+/2 done", raw), raw
    assert screen(raw)[-1] == ""
    assert comparable(screen(raw)[:-1]) == comparable(plain_run(project, "steps"))


def test_in_ci_a_terminal_gets_plain_lines_only(fixture_project):
    project = fixture_project("alembic-base")
    raw, code = in_terminal(migtest("run"), project.root, terminal_env(CI="true"))
    assert code == 0, raw
    assert "\r" not in raw and "\x1b" not in raw
    assert comparable(raw.splitlines()) == comparable(plain_run(project, "run"))


def test_progress_plain_in_a_terminal_and_live_in_a_pipe_as_asked(fixture_project):
    project = fixture_project("alembic-base")
    raw, code = in_terminal(migtest("run", "--progress", "plain"), project.root, terminal_env())
    assert code == 0 and "\r" not in raw, raw
    forced = subprocess.run(migtest("run", "--progress", "live"), cwd=project.root, capture_output=True, timeout=60)
    assert forced.returncode == 0 and b"\r\x1b[K" in forced.stdout, forced.stdout + forced.stderr


def blocking_setup(project: FixtureProject, fifo: Path) -> None:
    """Version 1.0's setup waits until the test writes to `fifo`: the test then knows the run
    has not gone further, without sleeping."""
    os.mkfifo(fifo)
    versions = project.settings()["versions"]
    setup = f"sh -c 'echo waiting; cat {fifo}'"
    project.configure(versions=[{**versions[0], "setup": setup}, *versions[1:]])


def test_an_interrupt_clears_the_status_line_before_the_message(fixture_project, tmp_path):
    project = fixture_project("alembic-base")
    blocking_setup(project, tmp_path / "go")
    raw, code = in_terminal(migtest("run"), project.root, terminal_env(), interrupt_at=b"| setup 1.0")
    assert code == EXIT_INTERRUPTED, raw
    shown = [line for line in screen(raw) if line]
    assert shown[-1] == "migtest: interrupted; everything it created was removed", shown
    assert not [line for line in shown if STATUS.search(line)], shown


def big_plan(project: FixtureProject) -> None:
    """A plan far longer than a pipe holds (64 KiB), so migtest is still writing when the reader
    closes: about 360 KB of JSON."""
    names = [f"1.{n}" for n in range(80)]
    project.configure(
        versions=[{"name": name, "revision": "0001"} for name in names],
        matrix={"skip": [[older, newer] for i, older in enumerate(names) for newer in names[i + 2 :]]},
        seed={},
    )


def close_after(command: list[str], cwd: Path, last: str, env: dict[str, str] | None = None, then=None):
    """Read `command`'s stdout up to the line starting with `last`, close the pipe, call `then`;
    the lines read, its exit code and its stderr."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lines = [process.stdout.readline().decode()]
        while lines[-1] and not lines[-1].startswith(last):
            lines.append(process.stdout.readline().decode())
        process.stdout.close()
        if then is not None:
            then()
        _, error = process.communicate(timeout=READ_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
    return lines, process.returncode, error.decode()


def test_plan_ends_quietly_when_its_reader_closes_the_pipe(fixture_project):
    project = fixture_project("alembic-base")
    big_plan(project)
    lines, code, error = close_after(migtest("plan", "--format", "json"), project.root, "{")
    assert lines == ["{\n"]
    assert (code, error) == (EXIT_CLOSED_PIPE, "")


def test_run_ends_quietly_and_cleans_up_when_its_reader_closes_the_pipe(fixture_project, tmp_path):
    project = fixture_project("alembic-base")
    fifo = tmp_path / "go"
    blocking_setup(project, fifo)
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    def release_the_setup() -> None:  # after the close: what the run prints next has no reader
        with fifo.open("w") as writer:  # waits for the setup's cat, started after `waiting`
            writer.write("go\n")

    env = {**terminal_env(), "TMPDIR": str(scratch)}
    lines, code, error = close_after(migtest("run"), project.root, "  | waiting", env, release_the_setup)
    assert lines[0].startswith("run id ") and lines[-1] == "  | waiting\n"
    assert (code, error) == (EXIT_CLOSED_PIPE, "")
    assert not list(scratch.iterdir()), "the run's folder is removed as on an interrupt"

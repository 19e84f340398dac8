"""Run the user's commands as argument lists, capturing output as evidence."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from migtest.config.urls import choose_drivers
from migtest.errors import StepFailed
from migtest.results.evidence import FRAME, own_file, shorten
from migtest.run import interrupts
from migtest.threads import BackgroundThread

FRAMES = re.compile(FRAME.pattern, re.MULTILINE)
LIMIT_KEY = "migrations.timeout"  # the limit of the user's commands that `run` runs
GRACE_SECONDS = 5.0  # a command's group gets this long to exit on SIGTERM (or the run's signal) before SIGKILL
GROUP_POLL_SECONDS = 0.05
KILLED_WAIT_SECONDS = 5.0  # SIGKILL cannot be ignored; only a process stuck in the kernel outlasts this


def failed(message: str, output: str, root: Path) -> StepFailed:
    """A failed command's error: its output shortened (the end, the traceback's frames in `root`
    and its final error), and where in `root` the traceback points."""
    frame = traceback_frame(output, root)
    return StepFailed(
        message, shorten(output, root), file=frame[0] if frame else None, line=frame[1] if frame else None
    )


def traceback_frame(output: str, root: Path) -> tuple[Path, int] | None:
    """The innermost frame of a Python traceback that is in `root` and not in an installed package."""
    frames = [(Path(m["file"]), int(m["line"])) for m in FRAMES.finditer(output)]
    inside = [(file, line) for file, line in frames if own_file(file, root)]
    return inside[-1] if inside else None


def split_command(command: str, placeholders: dict[str, str]) -> list[str]:
    """Split first, then fill placeholders, so a value with spaces stays one argument."""
    return [fill(part, placeholders) for part in shlex.split(command)]


def fill(text: str, placeholders: dict[str, str]) -> str:
    text = choose_drivers(text, placeholders)
    for key, value in placeholders.items():
        text = text.replace("{" + key + "}", value)
    return text


def run(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    what: str,
    timeout: float,
    stdin: Path | None = None,
) -> str:
    """Run to completion (reading `stdin`, a file, as its input); return combined output, or raise
    StepFailed with its output shortened."""
    return stream(
        argv, cwd=cwd, env=env, what=what, timeout=timeout, limit=LIMIT_KEY, on_line=lambda _line: None, stdin=stdin
    )


def stream(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    what: str,
    timeout: float,
    limit: str | None = None,
    on_line: Callable[[str], None],
    stdin: Path | None = None,
) -> str:
    """Run to completion, handing each output line to `on_line` as it comes (for commands that
    take minutes, such as a `setup:`); return the whole output, or raise StepFailed with its tail.
    Its own process group, so that a timeout or an interrupt stops what it started too; `limit`
    names the setting that set `timeout`."""
    lines: list[str] = []
    process: subprocess.Popen[str] | None = None

    def read() -> None:
        assert process is not None and process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            on_line(line.rstrip("\n"))

    reader = BackgroundThread(read, "migtest-stream")
    source = stdin.open("rb") if stdin is not None else None
    try:  # from the moment the command exists: an interrupt may come before the wait begins
        with interrupts.deferred():  # a signal inside Popen would leave the command running, unknown
            process = _started(
                argv,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdin=source,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        reader.start()
        code = process.wait(timeout=timeout)
    except FileNotFoundError as exc:
        raise StepFailed(f"{what}: command not found: {argv[0]}") from exc
    except subprocess.TimeoutExpired as exc:
        end_process_group(process)
        reader.join()
        named = f" ({limit})" if limit else ""
        raise StepFailed(f"{what}: still running after {timeout:g}s{named}", shorten("".join(lines), cwd)) from exc
    except BaseException:  # Ctrl-C, SIGTERM: nothing it started may outlive the run
        if process is not None:
            end_process_group(process)
        raise
    finally:
        if process is not None:
            _forget(process)
        if source is not None:
            source.close()
    end_process_group(process)  # what it left running in the background would hold the output open
    reader.join()
    output = "".join(lines)
    if code != 0:
        raise failed(f"{what}: exited with code {code}", output, cwd)
    return output


# The commands running now, in any thread: an interrupted run ends them (`end_running`).
_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()


def _started(argv: list[str], **options: object) -> subprocess.Popen[str]:
    """A command in its own process group (a terminal's Ctrl-C does not reach it: migtest forwards
    it), known to `end_running` until it is forgotten."""
    process = subprocess.Popen(argv, start_new_session=True, **options)  # type: ignore[call-overload]
    with _RUNNING_LOCK:
        _RUNNING.add(process)
    return process


def _forget(process: subprocess.Popen[str]) -> None:
    with _RUNNING_LOCK:
        _RUNNING.discard(process)


def end_running(grace: float = GRACE_SECONDS) -> None:
    """End every command running now, in parallel (the threads that wait on them then see them exit)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    end_process_groups(running, grace)


def end_process_group(process: subprocess.Popen[str], grace: float = GRACE_SECONDS) -> None:
    """End a command started in its own session and everything it started."""
    end_process_groups([process], grace)


def end_process_groups(processes: list[subprocess.Popen[str]], grace: float) -> None:
    """The run's interrupt signal (SIGTERM if none) to each group, `grace` seconds for all of them
    to exit, then SIGKILL to whatever is left; returns once every process of every group has ended
    (SIGKILL is delivered asynchronously: on a busy machine a member may run on for a moment)."""
    signum = interrupts.received() or signal.SIGTERM
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
    if _ended_within(processes, grace):
        return
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    _ended_within(processes, KILLED_WAIT_SECONDS)


def _ended_within(processes: list[subprocess.Popen[str]], seconds: float) -> bool:
    """Wait at most `seconds` until no process of the groups runs."""
    deadline = time.monotonic() + seconds
    groups = {process.pid for process in processes}
    while True:
        for process in processes:
            process.poll()  # reaped, the command no longer counts as a member of its group
        if not _groups_running(groups):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(GROUP_POLL_SECONDS)


def _groups_running(groups: set[int]) -> bool:
    """Whether a process of one of the groups still runs, from one read of /proc for them all. A
    zombie has ended: its new parent (often a container's PID 1) may take its time to reap it, so
    only /proc can tell it from a running one."""
    try:
        entries = os.listdir("/proc")
    except FileNotFoundError:  # no procfs (macOS): zombies count as running
        return any(_signalable(group) for group in groups)
    return any(entry.isdigit() and _running_member(Path("/proc", entry, "stat"), groups) for entry in entries)


def _signalable(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _running_member(stat_file: Path, groups: set[int]) -> bool:
    try:
        state, _parent, process_group = stat_file.read_bytes().rsplit(b")", 1)[1].split()[:3]
    except (OSError, IndexError, ValueError):  # ended meanwhile
        return False
    return int(process_group) in groups and state != b"Z"

"""An interrupted run leaves nothing behind: no temporary databases, no Alembic workers, no user
commands, with scenarios run one at a time or several at once (the default: one per CPU), and in
a step walk; a burst of signals (an impatient user, a CI cancel) cannot cut its cleanup short."""

import signal
import subprocess
import time
from pathlib import Path

import pytest
from held import start_held_shop
from integration_support import run_databases, scratch_folder
from started import Started

from migtest.migrators.alembic import DRIVER

DRIVER_PATH = str(DRIVER)  # on the command line of every worker
BURST = (signal.SIGINT, signal.SIGINT, signal.SIGINT, signal.SIGTERM)


@pytest.mark.parametrize(
    "command",
    [["run"], ["run", "--jobs", "1"], ["run", "--jobs", "4"], ["steps"]],
    ids=["default", "jobs1", "jobs4", "steps"],
)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_run_cleans_up(project, tmp_path, signum, command):
    scratch = scratch_folder(tmp_path)
    code, output = interrupt_shop(project, scratch, command, (signum,))
    assert code == 130, output
    assert "interrupted; everything it created was removed" in output
    assert list(scratch.iterdir()) == []
    assert workers_started_with(scratch) == [], "Alembic workers left running"


def test_sigint_reaches_migtest_when_the_test_runner_ignores_it(project, tmp_path):
    """A runner started as a shell's background job (or by some CI runners) ignores SIGINT, and
    its children inherit that: the shared helper resets it, or migtest would run to its end."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code, output = interrupt_shop(project, scratch_folder(tmp_path), ["run", "--jobs", "1"], (signal.SIGINT,))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130, output


@pytest.mark.parametrize("command", [["run"], ["steps"]])
def test_a_burst_of_signals_cleans_up_whole(project, tmp_path, postgres_host, command):
    """Three SIGINTs and a SIGTERM at once, mid-run on PostgreSQL: everything removed, exit 130."""
    scratch = scratch_folder(tmp_path)
    code, output = interrupt_shop(project, scratch, [*command, "--database-url", postgres_host.url], BURST)
    assert code == 130, output
    assert "Traceback" not in output
    assert run_databases(postgres_host.url, output.split("run id ", 1)[1].split(":", 1)[0]) == []
    assert list(scratch.iterdir()) == []
    assert workers_started_with(scratch) == [], "Alembic workers left running"


def test_signals_while_cleaning_up_are_absorbed(fixture_project, tmp_path, postgres_host):
    """More signals while migtest waits for an interrupted command to exit (its grace) are
    absorbed: said once, and the cleanup still removes everything."""
    scratch = scratch_folder(tmp_path)
    marker = tmp_path / "marker"
    # Ignores the forwarded SIGINT (so migtest waits its grace), after saying it got it.
    command = f"sh -c 'trap \"echo got >> {marker}.got\" INT; echo > {marker}.started; sleep 600 & wait; wait'"
    project = with_install(fixture_project, command)
    run = Started("run", "-c", project.config, "--database-url", postgres_host.url, env={"TMPDIR": str(scratch)})
    run.wait_until(Path(f"{marker}.started").exists, "the install command starting")
    run.send(signal.SIGINT)
    run.wait_until(Path(f"{marker}.got").exists, "the install command getting the forwarded SIGINT")
    run.send(*BURST)
    code, output = run.finish()

    assert code == 130, output
    assert output.count("still cleaning up, please wait") == 1, output
    assert "Traceback" not in output
    assert run_databases(postgres_host.url, run.run_id) == []
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_is_forwarded_to_the_running_command(fixture_project, tmp_path, signum):
    """The command gets the signal (and may exit cleanly on it) rather than running to its
    time limit (600 s) while migtest waits."""
    marker = tmp_path / "marker"
    command = f"sh -c 'trap \"echo got > {marker}.got; exit 0\" INT TERM; echo > {marker}.started; sleep 600 & wait'"
    project = with_install(fixture_project, command)
    run = Started("run", "-c", project.config)
    run.wait_until(Path(f"{marker}.started").exists, "the install command starting")
    run.send(signum)
    code, output = run.finish(timeout=60)

    assert code == 130, output
    assert Path(f"{marker}.got").exists(), "the command never got the signal"
    assert "Traceback" not in output


def test_a_command_that_ignores_the_signal_is_killed_after_a_grace(fixture_project, tmp_path):
    marker = f"600.{time.monotonic_ns()}"  # names its sleep, which inherits the ignored signals
    command = f"sh -c 'trap \"\" INT TERM; echo > {tmp_path}/started; sleep {marker}'"
    project = with_install(fixture_project, command)
    run = Started("run", "-c", project.config)
    run.wait_until((tmp_path / "started").exists, "the install command starting")
    started = time.monotonic()
    run.send(signal.SIGTERM)
    code, output = run.finish(timeout=60)

    assert code == 130, output
    assert time.monotonic() - started < 120, "waited for the command (600 s) rather than a grace"
    assert not subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True).stdout, "its sleep still runs"


def with_install(fixture_project, command: str):
    """alembic-base whose fresh installs run `command` (a user's command) instead of Alembic."""
    project = fixture_project("alembic-base")
    project.configure(migrations={**project.settings()["migrations"], "install": command})
    return project


def interrupt_shop(project, scratch: Path, command: list[str], signums: tuple[int, ...]) -> tuple[int, str]:
    """Run the alembic-shop example, send the signals while a scenario runs release 1.3's migration
    (held there, mid-run); its exit."""
    shop = project("alembic-shop")
    run, _ = start_held_shop(
        shop, shop.parent / "hold", command[0], "-c", shop / "migtest.yml", *command[1:], env={"TMPDIR": str(scratch)}
    )
    run.send(*signums)
    return run.finish()


def workers_started_with(tmpdir: Path) -> list[str]:
    """The Alembic workers of the run whose TMPDIR this is, not those of other runs on the machine."""
    found = subprocess.run(["pgrep", "-f", DRIVER_PATH], capture_output=True, text=True).stdout.split()
    return [pid for pid in found if f"TMPDIR={tmpdir}".encode() in _environment(pid).split(b"\0")]


def _environment(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # it ended meanwhile
        return b""

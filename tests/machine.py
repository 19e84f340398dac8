"""The test machine's real servers: PostgreSQL and MariaDB started on the host for url mode, and
the Docker engine with the images the tests need, built locally since no registry is reachable.

Everything here waits on real readiness (pg_ctl -w, a login, `docker info`) with a timeout. When
`CI` is set a missing piece is an error, never a skip.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

IMAGES = Path(__file__).parent / "images"
BASE_IMAGE = "migtest-test/debian:bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
INPUTS_LABEL = "migtest.test.inputs"
PASSWORD = "s3cret-Pw_42"
READY_TIMEOUT = 120.0
START_ATTEMPTS = 3  # ports tried for a server started here
T = TypeVar("T")


def unavailable(reason: str) -> None:
    """Skip on a developer's machine that lacks the piece; fail in CI, where nothing may skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _on_a_free_port(start: Callable[[int], T], log: Path) -> T:
    """`start(port)` on a port free when chosen, and again on another if the server found it taken:
    until it binds, the port may become the local end of a connection that another process (the
    other xdist worker) opens, which the kernel picks from the same range."""
    for _ in range(START_ATTEMPTS - 1):
        seen = log.stat().st_size if log.exists() else 0
        try:
            return start(free_port())
        except (subprocess.CalledProcessError, RuntimeError):
            if not (log.exists() and b"Address already in use" in log.read_bytes()[seen:]):
                raise
    return start(free_port())


def wait_for(ready, what: str, process: subprocess.Popen | None = None, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout:.0f}s")
        time.sleep(0.1)


def _find(program: str) -> str | None:
    for directory in ("", "/usr/lib/postgresql/15/bin/", "/usr/sbin/"):
        found = shutil.which(directory + program) if directory else shutil.which(program)
        if found:
            return found
    return None


def _as_unprivileged(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root."""
    return ["runuser", "-u", "nobody", "--", *argv] if os.geteuid() == 0 else argv


@dataclass(frozen=True)
class HostServer:
    url: str
    engine: str


@contextlib.contextmanager
def host_postgres() -> Iterator[HostServer]:
    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    if not (initdb and pg_ctl):
        unavailable("PostgreSQL (initdb, pg_ctl) is not installed")
    with tempfile.TemporaryDirectory(prefix="migtest-pg-") as root:
        data, pwfile = Path(root) / "data", Path(root) / "pw"
        pwfile.write_text(PASSWORD)
        os.chmod(root, 0o777)
        if os.geteuid() == 0:
            shutil.chown(root, "nobody")
            shutil.chown(pwfile, "nobody")
        quiet = {"check": True, "capture_output": True}
        subprocess.run(
            _as_unprivileged([initdb, "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}", "-A", "scram-sha-256"]),
            **quiet,
        )

        def start(port: int) -> int:
            options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
            argv = [pg_ctl, "-D", str(data), "-o", options, "-l", f"{root}/log", "-w", "-t", "60", "start"]
            subprocess.run(_as_unprivileged(argv), **quiet)
            return port

        port = _on_a_free_port(start, Path(root) / "log")
        try:
            yield HostServer(f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres", "postgres")
        finally:
            subprocess.run(_as_unprivileged([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)


@contextlib.contextmanager
def host_mariadb(*options: str) -> Iterator[HostServer]:
    """`options`: more of mariadbd's, for a test module that starts a server of its own."""
    install_db, server = _find("mariadb-install-db"), _find("mariadbd")
    if not (install_db and server):
        unavailable("MariaDB (mariadb-install-db, mariadbd) is not installed")
    with tempfile.TemporaryDirectory(prefix="migtest-mariadb-") as root:
        data, init = Path(root) / "data", Path(root) / "init.sql"
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(
            [install_db, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal", *user],
            check=True,
            capture_output=True,
        )
        init.write_text(
            "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';\n"
            f"ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';\n"
            f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{PASSWORD}';\n"
            "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n"
        )

        def start(port: int) -> tuple[subprocess.Popen, str]:
            argv = [server, "--no-defaults", f"--datadir={data}", f"--socket={root}/sock", f"--port={port}"]
            argv += ["--bind-address=127.0.0.1", "--skip-name-resolve", f"--init-file={init}", *user]
            argv += ["--innodb-flush-log-at-trx-commit=0", "--max-connections=300", f"--log-error={root}/log"]
            process = subprocess.Popen([*argv, *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            url = f"mysql://root:{PASSWORD}@127.0.0.1:{port}/"
            try:
                wait_for(lambda: _accepts_login(url), "mariadbd", process)
            except BaseException:
                stop(process)
                raise
            return process, url

        process, url = _on_a_free_port(start, Path(root) / "log.err")  # mariadbd adds .err
        try:
            yield HostServer(url, "mariadb")
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _accepts_login(url: str) -> bool:
    import sqlalchemy

    engine = sqlalchemy.create_engine(url.replace("mysql://", "mysql+pymysql://"), poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect():
            return True
    except sqlalchemy.exc.DBAPIError:
        return False
    finally:
        engine.dispose()


# -- Docker -------------------------------------------------------------------------------------


def _engine_answers() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@contextlib.contextmanager
def docker_engine() -> Iterator[None]:
    """The engine this machine has, or one started here (as root) for the session and stopped after."""
    if _engine_answers():
        yield
        return
    dockerd = _find("dockerd")
    if dockerd is None or os.geteuid() != 0 or shutil.which("docker") is None:
        unavailable("no Docker engine answers and none can be started here (needs root and docker.io)")
    with tempfile.NamedTemporaryFile(prefix="migtest-dockerd-", suffix=".log") as log:
        process = subprocess.Popen([dockerd], stdout=log, stderr=log, start_new_session=True)
        try:
            wait_for(_engine_answers, "dockerd", process, timeout=60)
            yield
        finally:
            stop(process)


def ensure_base_image() -> None:
    """A Debian base image made with debootstrap: `docker pull` cannot reach a registry here."""
    if subprocess.run(["docker", "image", "inspect", BASE_IMAGE], capture_output=True).returncode == 0:
        return
    if shutil.which("debootstrap") is None:
        unavailable("debootstrap is not installed, so no base image can be made")
    with tempfile.TemporaryDirectory(prefix="migtest-debian-") as root:
        subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=python3", "bookworm", root, DEBIAN_MIRROR],
            check=True,
            capture_output=True,
        )
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout, check=True, capture_output=True)
        tar.wait()


def ensure_image(tag: str, context: Path, args: dict[str, str] | None = None, dockerfile: str | None = None) -> str:
    """Build the image in `context` once; rebuilt only when its files (or build args) change."""
    digest = hashlib.sha256()
    for path in sorted(context.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(context).as_posix().encode() + path.read_bytes())
    options = [f"--build-arg={name}={value}" for name, value in sorted((args or {}).items())]
    if options or dockerfile:
        digest.update("\0".join([*options, dockerfile or ""]).encode())
    options += ["--file", str(context / dockerfile)] if dockerfile else []
    inputs = digest.hexdigest()[:16]
    inspect = subprocess.run(
        ["docker", "image", "inspect", "--format", f'{{{{ index .Config.Labels "{INPUTS_LABEL}" }}}}', tag],
        capture_output=True,
        text=True,
    )
    if inspect.returncode == 0 and inspect.stdout.strip() == inputs:
        return tag
    ensure_base_image()
    build = subprocess.run(
        ["docker", "build", "-q", "-t", tag, "--label", f"{INPUTS_LABEL}={inputs}", *options, str(context)],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        raise RuntimeError(f"docker build of {tag} failed:\n{build.stdout}\n{build.stderr}")
    return tag


# Debian bookworm's python3, on which the test's migtest image runs (tests/images/migtest-base).
IMAGE_PYTHON = (3, 11)


def migtest_image_context(project: Path) -> Path:
    """A build context for the project's Dockerfile: a copy of it and `wheels/` holding migtest's
    wheel and its dependencies' (at the versions installed here), built on this machine since the
    builds cannot reach PyPI. The wheels are cached by a hash of pyproject.toml and migtest/, so
    the image (ensure_image) is rebuilt only when those, the Dockerfile or entrypoint.py change."""
    import importlib.metadata
    import sys

    if sys.version_info[:2] != IMAGE_PYTHON:  # binary wheels (psycopg-binary...) must match the image's
        unavailable(f"the migtest image's wheels need Python {'.'.join(map(str, IMAGE_PYTHON))} on the host")
    versions = {dist.metadata["Name"]: dist.version for dist in importlib.metadata.distributions()}
    installed = sorted(f"{name}=={version}" for name, version in versions.items() if name and name != "migtest")
    sources = [project / "pyproject.toml", *sorted((project / "migtest").rglob("*.py"))]
    digest = hashlib.sha256("\n".join(installed).encode())
    for path in sources:
        digest.update(path.relative_to(project).as_posix().encode() + path.read_bytes())
    context = Path(tempfile.gettempdir()) / "migtest-test-image" / digest.hexdigest()[:16]
    if not (context / "wheels").is_dir():
        context.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=context.parent) as work:
            source, wheels = Path(work) / "source", Path(work) / "wheels"
            for path in sources:  # build from a copy: no build/ or egg-info left in the project
                (source / path.relative_to(project)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, source / path.relative_to(project))
            shutil.copyfile(project / "README.md", source / "README.md")
            (Path(work) / "constraints.txt").write_text("\n".join(installed) + "\n")
            pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"]
            build = subprocess.run(
                [*pip, "--wheel-dir", str(wheels), "--constraint", f"{work}/constraints.txt", str(source)],
                capture_output=True,
                text=True,
            )
            if build.returncode != 0:
                raise RuntimeError(f"pip wheel of migtest failed:\n{build.stdout}\n{build.stderr}")
            with contextlib.suppress(OSError):  # another session may have made them meanwhile
                wheels.rename(context / "wheels")
    for name in ("Dockerfile", ".dockerignore", "entrypoint.py"):
        if not (context / name).is_file() or (context / name).read_bytes() != (project / name).read_bytes():
            shutil.copyfile(project / name, context / name)
    return context

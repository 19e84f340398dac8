"""Talk to one release of mcp-contextforge-gateway the way a user does, for migtest's commands.

Run by the release's own Python (migtest puts the version's virtualenv first on PATH), against the
database in DATABASE_URL:

    python scripts/gateway.py seed      start the gateway on a free port, write objects through its
                                        REST API (JWT bearer auth), read them back, stop it
    python scripts/gateway.py verify    start the gateway on the database and list what it holds
                                        (fails when it cannot start or a listing fails)
    python scripts/gateway.py current   print the Alembic revision the database is at

Only the standard library and the installed gateway are used, so it runs in every release's
environment. Every wait is bounded and says what it waited for.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SECRET = "migtest-example-jwt-secret-0123456789abcdef"  # throw-away: the app only lives for the seed
ADMIN = "admin@example.com"
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0


def release() -> tuple[int, ...]:
    from importlib.metadata import version

    return tuple(int(part) for part in version("mcp-contextforge-gateway").split(".")[:3])


def app_environment(database_url: str, port: int) -> dict[str, str]:
    """The settings every release understands; the rest stays at the release's defaults."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "AUTH_REQUIRED": "true",
            "JWT_SECRET_KEY": SECRET,
            "BASIC_AUTH_USER": "admin",
            "BASIC_AUTH_PASSWORD": "migtest-example-password",
            "PLATFORM_ADMIN_EMAIL": ADMIN,
            "PLATFORM_ADMIN_PASSWORD": "migtest-example-password",
            # 1.1.0's settings refuse to load (so nothing starts or migrates) with the default
            # encryption secret ("__REPLACE_ME__") or a user password shorter than 12 characters
            # ("changeme"): config.py, validate_security_combinations. No seeded object holds
            # credentials, so no older release stores anything this secret encrypts.
            "AUTH_ENCRYPTION_SECRET": "migtest-example-encryption-secret-0123456789abcdef",
            "DEFAULT_USER_PASSWORD": "migtest-example-password",
            "CACHE_TYPE": "memory",  # "database" (the default) writes sessions into the database
            "MCPGATEWAY_UI_ENABLED": "false",
            "MCPGATEWAY_ADMIN_API_ENABLED": "false",
            "FEDERATION_DISCOVERY": "false",
            "PLUGINS_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            # the seeded tools point at .invalid hosts (RFC 2606: never resolve); from 1.0.0 a URL
            # that does not resolve is refused (SSRF protection) unless this is false
            "SSRF_DNS_FAIL_CLOSED": "false",
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gateway:
    """One gateway process on a free port, in a scratch folder (no stray .env is read)."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.env = app_environment(database_url, self.port)
        self.workdir = tempfile.TemporaryDirectory(prefix="contextforge-")
        self.log = Path(self.workdir.name, "gateway.log").open("w+")  # noqa: SIM115 - closed by stop()
        argv = [sys.executable, "-m", "uvicorn", "mcpgateway.main:app", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            argv, cwd=self.workdir.name, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.token = ""

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        self.log.seek(0)
        return "\n".join(self.log.read().splitlines()[-lines:])

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"the gateway exited with {self.process.returncode} before answering /health:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise SystemExit(f"the gateway did not answer /health within {READY_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def login(self) -> None:
        """A JWT minted by the release's own tool, as its docs tell users to do."""
        argv = [sys.executable, "-m", "mcpgateway.utils.create_jwt_token", "-u", ADMIN, "-e", "60", "-s", SECRET]
        done = subprocess.run(argv, env=self.env, cwd=self.workdir.name, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise SystemExit(f"create_jwt_token failed ({done.returncode}):\n{done.stderr[-2000:]}")
        self.token = done.stdout.strip().splitlines()[-1]

    def request(self, method: str, path: str, body: object = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise SystemExit(
                f"{method} {path} answered {exc.code}: {exc.read()[:2000].decode(errors='replace')}"
            ) from exc

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"the gateway did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM; killed", file=sys.stderr)
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        self.log.close()
        self.workdir.cleanup()


def objects(version: tuple[int, ...]) -> list[tuple[str, dict]]:
    """What a user of this release would create, oldest features first. Names carry the release
    so the objects of an upgraded database can be told apart."""
    tag = "v" + "-".join(str(part) for part in version)
    tools = [
        {
            "name": f"weather_{tag}",
            "url": "http://weather.invalid/api",
            "description": "Weather by city",
            "integration_type": "REST",
            "request_type": "GET",
            "tags": ["weather", "demo"],
        },
        {
            "name": f"stock_quote_{tag}",
            "url": "http://stocks.invalid/quote",
            "description": "Stock quote",
            "integration_type": "REST",
            "request_type": "POST",
            "tags": ["finance"],
        },
    ]
    resources = [
        {
            "uri": f"docs/{tag}/readme",
            "name": f"readme_{tag}",
            "description": "Read me",
            "content": "Hello from the seed",
            "tags": ["docs"],
        },
        {
            "uri": f"config/{tag}/settings.json",
            "name": f"settings_{tag}",
            "mime_type": "application/json",
            "content": '{"theme": "dark"}',
        },
    ]
    prompts = [
        {
            "name": f"greet_{tag}",
            "description": "Greets",
            "template": "Hello {{ name }}!",
            "arguments": [{"name": "name", "description": "who", "required": True}],
            "tags": ["demo"],
        },
        {
            "name": f"summarise_{tag}",
            "template": "Summarise: {{ text }}",
            "arguments": [{"name": "text", "required": True}],
        },
    ]
    return (
        [("/tools", body) for body in tools]
        + [("/resources", body) for body in resources]
        + [("/prompts", body) for body in prompts]
    )


def wrapped(version: tuple[int, ...], path: str, body: dict) -> dict:
    """From 0.7.0 (teams and RBAC) a create request names the object and its visibility apart:
    {"tool": {...}, "visibility": "public"}."""
    if version < (0, 7, 0):
        return body
    return {path.strip("/").removesuffix("s"): body, "visibility": "public"}


def seed(database_url: str) -> None:
    version = release()
    gateway = Gateway(database_url)
    try:
        gateway.wait_ready()
        gateway.login()
        created: dict[str, list[str]] = {}
        for path, body in objects(version):
            answer = gateway.request("POST", path, wrapped(version, path, body))
            created.setdefault(path, []).append(str(answer.get("id")) if isinstance(answer, dict) else "?")
        tool_ids = created["/tools"]
        server = {
            "name": f"server_v{'-'.join(map(str, version))}",
            "description": "A virtual server",
            "associated_tools": tool_ids,
            "tags": ["demo"],
        }
        gateway.request("POST", "/servers", wrapped(version, "/servers", server))
        list_all(gateway)
    finally:
        gateway.stop()


def list_all(gateway: Gateway) -> None:
    """Read every listing back: a failed read fails the command, never counts as empty."""
    for path in ("/tools", "/resources", "/prompts", "/servers"):
        listed = gateway.request("GET", path)
        count = len(listed) if isinstance(listed, list) else len(listed.get("items", listed.get("data", [])))
        print(f"{path}: {count} listed")


def verify(database_url: str) -> None:
    gateway = Gateway(database_url)
    try:
        gateway.wait_ready()
        gateway.login()
        list_all(gateway)
    finally:
        gateway.stop()


def current(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    finally:
        engine.dispose()
    print(",".join(sorted(row[0] for row in rows)) or "base")


def main() -> None:
    commands = {"seed": seed, "verify": verify, "current": current}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} {{{'|'.join(commands)}}}")
    commands[sys.argv[1]](os.environ["DATABASE_URL"])


if __name__ == "__main__":
    main()

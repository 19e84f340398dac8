"""A database server migtest starts for the run (`database.image`), on the run's Docker network.

The image is configured the way the official postgres / mariadb / mysql images are, with a
password made for this run; the server counts as ready once it accepts a login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy

from migtest.config import DatabaseConfig
from migtest.databases.server import ServerDatabases
from migtest.docker import DockerEngine
from migtest.errors import ConfigError, StepFailed
from migtest.masking import register_secret


@dataclass(frozen=True)
class ServerImage:
    scheme: str
    port: int
    user: str
    password_variables: tuple[str, ...]


IMAGES = {
    "postgres": ServerImage("postgresql", 5432, "postgres", ("POSTGRES_PASSWORD",)),
    "mysql": ServerImage("mysql", 3306, "root", ("MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD")),
    "mariadb": ServerImage("mysql", 3306, "root", ("MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD")),
}


def start_server(config: DatabaseConfig, server_class: type[ServerDatabases], docker: DockerEngine) -> ServerDatabases:
    """On the run's engine (the app's containers then reach the server by name)."""
    assert config.image is not None
    kind = IMAGES[config.engine]
    try:
        docker.require_image(config.image, "database.image")
        password = secrets.token_hex(16)
        register_secret(password)
        container = docker.start(
            config.image,
            "database",
            environment=dict.fromkeys(kind.password_variables, password),
            port=kind.port,
        )

        what = f"database {config.image}"

        def url() -> str:
            address = docker.address(container, kind.port, what)
            return f"{kind.scheme}://{kind.user}:{password}@{address.host}:{address.port}/"

        docker.wait_until_ready(
            container,
            lambda: _accepts_login(server_class.driver_url(url()), server_class, kind),
            timeout=config.ready_timeout,
            what=what,
        )
        return server_class(
            url(),
            run_id=docker.run_id,
            connect_timeout=config.connect_timeout,
            on_close=docker.remove_run,
            network_address=(container.name, kind.port),
            disposable=True,
        )
    except StepFailed as exc:
        docker.remove_run()
        raise ConfigError(f"{exc}\n{exc.output}".rstrip(), key="database.image") from exc
    except BaseException:
        docker.remove_run()
        raise


def _accepts_login(url: sqlalchemy.URL, server_class: type[ServerDatabases], kind: ServerImage) -> bool:
    """Not answering yet means wait; a refused login will not get better, so it ends the wait."""
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return True
    except sqlalchemy.exc.DBAPIError as exc:
        if server_class.login_refused(exc):
            expected = " or ".join(kind.password_variables)
            raise StepFailed(
                f"the server refused the login of user {kind.user} ({exc.orig}); "
                f"the image must set that user's password from {expected}, as the official images do"
            ) from exc
        return False
    finally:
        engine.dispose()

"""MariaDB and MySQL connections share one TLS context where they name no TLS settings (PyMySQL
would build one per connection, loading the system's CA certificates each time), and keep their
own where the URL names some, on a real MariaDB 10.11."""

from __future__ import annotations

import ssl

from integration_support import made_database

from migtest.databases.mysql import MysqlServer, SharedContextConnection


def test_connections_of_a_server_share_one_context_and_still_log_in(mariadb_host):
    server = MysqlServer(mariadb_host.url)
    contexts = []
    with made_database(server, "tls") as database:
        engine = database.connect()
        for made in (engine, engine, server.admin):
            with made.connect() as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
                driver = connection.connection.dbapi_connection
                assert isinstance(driver, SharedContextConnection)
                contexts.append(driver.ctx)
        engine.dispose()
    assert contexts[0] is contexts[1] is contexts[2]
    assert contexts[0].verify_mode == ssl.CERT_NONE and not contexts[0].check_hostname  # PyMySQL's own


def test_tls_settings_build_a_context_of_their_own():
    preferred = SharedContextConnection(host="127.0.0.1", defer_connect=True)
    verified = SharedContextConnection(host="127.0.0.1", ssl_verify_cert=True, defer_connect=True)
    assert verified.ctx is not preferred.ctx and verified.ctx.verify_mode == ssl.CERT_REQUIRED
    assert verified._ssl_required and not preferred._ssl_required

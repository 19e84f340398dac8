"""A copy of a MariaDB/MySQL database keeps a 0 in an AUTO_INCREMENT column (found on MLflow's real
tracking store: its Default experiment is experiment_id 0, written with NO_AUTO_VALUE_ON_ZERO).
Copied by `INSERT ... SELECT` in the server's default sql_mode, the 0 became the next counter
value, so every scenario started from a reused fresh install lacked experiment 0."""

from __future__ import annotations

from integration_support import made_database

from migtest.databases.mysql import MysqlServer


def test_a_clone_keeps_a_zero_in_an_auto_increment_key(mariadb_host):
    server = MysqlServer(mariadb_host.url)
    with made_database(server, "zero") as template:
        engine = template.connect()
        with engine.begin() as connection:
            connection.exec_driver_sql("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')")
            connection.exec_driver_sql(
                "CREATE TABLE experiments (experiment_id INTEGER AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50))"
            )
            connection.exec_driver_sql("INSERT INTO experiments VALUES (0, 'Default'), (1, 'churn')")
        engine.dispose()

        clone = server.clone(template, "zero-copy")
        copied = clone.connect()
        try:
            with copied.begin() as connection:
                rows = connection.exec_driver_sql("SELECT * FROM experiments ORDER BY experiment_id").fetchall()
                connection.exec_driver_sql("INSERT INTO experiments (name) VALUES ('next')")
                added = connection.exec_driver_sql("SELECT max(experiment_id) FROM experiments").scalar()
        finally:
            copied.dispose()
            server.drop(clone)

    assert [tuple(row) for row in rows] == [(0, "Default"), (1, "churn")]
    assert added == 2  # the counter carried over too

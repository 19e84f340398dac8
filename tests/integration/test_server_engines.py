"""What only a database server catches, and what a SQL file failing halfway leaves on each engine.

SQLite accepts what a server refuses: it compares text case-sensitively where MariaDB's default
collation does not, stores any length in a VARCHAR(n), and has no enum types. Each fixture here
(tests/fixtures/flyway-base plus one release) passes on SQLite and fails on a server for the
server's real reason; each test says per engine what it expects, and why.

The `sql` migrator runs each file in one transaction. PostgreSQL and SQLite roll a failing file
back whole; MySQL and MariaDB commit DDL implicitly, so there the statements before the failure
stay, and migtest says which.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy
from integration_support import FixtureProject, engine_of, failed, statuses

from migtest.capture.state import capture
from migtest.checks.schema import diff_schemas
from migtest.cli import EXIT_OK
from migtest.config import DatabaseConfig, load_config
from migtest.databases import Database, open_server
from migtest.errors import StepFailed
from migtest.migrators import UPGRADE
from migtest.migrators.sql import SqlMigrator
from migtest.sources import Workspace

UPGRADE_1_1 = "upgrade-1.1-to-2.0"
CHECKED_AFTER_MIGRATING = ("schema", "rows", "content", "idempotent")
# The enum and schema tests are about PostgreSQL features (enum types, search_path): they run there only.
POSTGRES_ONLY = pytest.mark.parametrize("database_config", ["postgres"], indirect=True)


def release_2_0(fixture_project, v3: str, seed_1_1: str) -> FixtureProject:
    """flyway-base plus V3 (released as 2.0), with the given 1.1 data to upgrade."""
    project = fixture_project("flyway-base")
    project.write("migrations/V3__release_2_0.sql", v3)
    project.add_version("2.0", "3")
    project.write("seeds/1.1.sql", seed_1_1)
    return project


@pytest.fixture
def server_database(tmp_path, database_config) -> Iterator[Database]:
    """An empty database on the engine under test, for driving a migrator without the runner."""
    server = open_server(DatabaseConfig(**(database_config or {})), tmp_path)
    try:
        yield server.create("direct")
    finally:
        server.close()


# -- what only a server refuses ------------------------------------------------------------------


@pytest.mark.engines
def test_unique_index_on_case_variants_fails_only_under_a_case_insensitive_collation(
    fixture_project, run_migtest, database_config
):
    # The same person signed up twice, once with a capitalised address. MariaDB's default collation
    # (utf8mb4_general_ci) compares 'Ada@Example.com' and 'ada@example.com' as equal, so the unique
    # index cannot be built there; SQLite and PostgreSQL compare text case-sensitively and build it.
    v3 = "CREATE UNIQUE INDEX ix_users_email ON users (email);"
    seed = "INSERT INTO users (id, name, email) VALUES (1, 'Ada', 'Ada@Example.com'), (2, 'Ada L.', 'ada@example.com');"
    outcome = run_migtest(release_2_0(fixture_project, v3, seed).config, "--only", UPGRADE_1_1)

    if engine_of(database_config) != "mariadb":
        assert outcome.exit_code == EXIT_OK, outcome.output
        return
    migration = failed(outcome, UPGRADE_1_1, "migration")["migration"]
    assert migration["summary"].startswith('V3__release_2_0.sql: statement 1 of 1 failed: (1062, "Duplicate entry')
    assert "for key 'ix_users_email'" in migration["summary"]
    assert {statuses(outcome, UPGRADE_1_1)[name] for name in CHECKED_AFTER_MIGRATING} == {"skipped"}


# SQLite stores a 24-character nickname in a VARCHAR(16); both servers refuse to, each in its words.
TOO_LONG = {
    "postgres": "value too long for type character varying(16)",
    "mariadb": "Data too long for column 'handle' at row 1",
}


@pytest.mark.engines
def test_copying_data_into_a_narrower_column_fails_only_on_servers(fixture_project, run_migtest, database_config):
    v3 = """
    CREATE TABLE handles (user_id INTEGER PRIMARY KEY REFERENCES users (id), handle VARCHAR(16) NOT NULL);
    INSERT INTO handles (user_id, handle) SELECT id, nickname FROM users WHERE nickname IS NOT NULL;
    """
    seed = "INSERT INTO users (id, name, nickname) VALUES (1, 'Ada', 'The Countess of Lovelace');"
    outcome = run_migtest(release_2_0(fixture_project, v3, seed).config, "--only", UPGRADE_1_1)

    engine = engine_of(database_config)
    if engine == "sqlite":
        assert outcome.exit_code == EXIT_OK, outcome.output
        return
    migration = failed(outcome, UPGRADE_1_1, "migration")["migration"]
    assert migration["summary"].startswith("V3__release_2_0.sql: statement 2 of 2 failed: ")
    assert TOO_LONG[engine] in migration["summary"]


ENUM_V3 = """
CREATE TYPE account_status AS ENUM ('active', 'closed');
ALTER TABLE users ADD COLUMN status account_status NOT NULL DEFAULT 'active';
"""
# A new value used in the same file: PostgreSQL refuses the use until the ALTER TYPE is committed.
ENUM_V4 = """
ALTER TYPE account_status ADD VALUE 'dormant';
UPDATE users SET status = 'dormant' WHERE email IS NULL;
"""


@POSTGRES_ONLY
@pytest.mark.parametrize("in_transaction", [True, False], ids=["one-transaction", "executeInTransaction-false"])
def test_enum_value_added_and_used_in_one_file_needs_execute_in_transaction_false(
    fixture_project, run_migtest, in_transaction
):
    project = fixture_project("flyway-base")
    project.write("migrations/V3__account_status.sql", ENUM_V3)
    project.write("migrations/V4__dormant_accounts.sql", ENUM_V4)
    if not in_transaction:
        project.write("migrations/V4__dormant_accounts.sql.conf", "# Flyway script config\nexecuteInTransaction=false")
    project.add_version("2.0", "3", "INSERT INTO users (id, name, email) VALUES (1, 'Ada', 'a@x'), (2, 'Bob', NULL);")
    project.add_version("2.1", "4")
    no_active_without_email = "SELECT count(*) FROM users WHERE status = 'active' AND email IS NULL"
    project.configure(
        checks={
            "allow_changes": {"users": ["status"]},
            "sql": [{"name": "accounts without e-mail are dormant", "query": no_active_without_email, "expect": [[0]]}],
        }
    )
    scenario = "upgrade-2.0-to-2.1"
    outcome = run_migtest(project.config, "--only", scenario)

    if not in_transaction:
        assert outcome.exit_code == EXIT_OK, outcome.output
        assert set(statuses(outcome, scenario).values()) == {"passed"}
        return
    migration = failed(outcome, scenario, "migration")["migration"]
    assert migration["summary"].startswith(
        'V4__dormant_accounts.sql: statement 2 of 2 failed: unsafe use of new value "dormant" of enum type'
    )
    assert migration["evidence"] == [
        "upgrade 4: V4__dormant_accounts.sql\n-- statement 2 of 2: failed\n"
        "UPDATE users SET status = 'dormant' WHERE email IS NULL;"
    ]


# -- a file failing halfway -----------------------------------------------------------------------

CREATE_TAGS = """
CREATE TABLE tags (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), label VARCHAR(50) NOT NULL);
CREATE INDEX ix_tags_label ON tags (label);
INSERT INTO tags (id, user_id, label) SELECT id, id, nickname FROM users;
"""
# 1.1 data with a user who has no nickname: V3's INSERT cannot copy that one into tags.label
SEED_WITHOUT_NICKNAME = "INSERT INTO users (id, name, nickname) VALUES (1, 'Ada', 'countess'), (3, 'Cyd', NULL);"
COMMITTED_BY_MYSQL = (
    "; statements 1-2 were already committed (MySQL commits DDL implicitly), the database is left half-migrated"
)


@pytest.mark.engines
def test_file_failing_halfway_fails_migration_saying_what_was_committed(fixture_project, run_migtest, database_config):
    project = release_2_0(fixture_project, CREATE_TAGS, SEED_WITHOUT_NICKNAME)
    outcome = run_migtest(project.config, "--only", UPGRADE_1_1)

    migration = failed(outcome, UPGRADE_1_1, "migration")["migration"]
    summary = migration["summary"]
    assert summary.startswith("V3__release_2_0.sql: statement 3 of 3 failed: ")
    assert "label" in summary  # each engine's words for the NOT NULL violation name the column
    statements = CREATE_TAGS.strip().splitlines()
    failing = f"-- statement 3 of 3: failed\n{statements[2]}"
    if engine_of(database_config) == "mariadb":
        assert summary.endswith(COMMITTED_BY_MYSQL)
        committed = f"-- statement 1 of 3: committed\n{statements[0]}\n-- statement 2 of 3: committed\n{statements[1]}"
        assert migration["evidence"] == [f"upgrade 3: V3__release_2_0.sql\n{committed}\n{failing}"]
    else:
        assert "committed" not in summary
        assert migration["evidence"] == [f"upgrade 3: V3__release_2_0.sql\n{failing}"]
    assert {statuses(outcome, UPGRADE_1_1)[name] for name in CHECKED_AFTER_MIGRATING} == {"skipped"}


# What the half-applied V3 leaves, as the schema check words a difference from 1.1's schema.
LEFT_BEHIND = {
    "sqlite": [],
    "postgres": [],
    "mariadb": ["table 'tags': present after migrating, not in a fresh install"],
}


@pytest.mark.engines
def test_what_a_file_failing_halfway_leaves_behind(fixture_project, server_database, database_config):
    """SQLite and PostgreSQL roll V3's CREATE TABLE and CREATE INDEX back with its failed INSERT;
    MariaDB has committed both, and recorded nothing in the history."""
    project = release_2_0(fixture_project, CREATE_TAGS, SEED_WITHOUT_NICKNAME)
    config = load_config(str(project.config))
    migrator = SqlMigrator(config.migrations)
    workspace = Workspace(config.versions[0], project.root, project.root)
    migrator.migrate(workspace, server_database, UPGRADE, "2")
    with server_database.connection() as connection:
        connection.exec_driver_sql(SEED_WITHOUT_NICKNAME)
        connection.commit()
        before = capture(connection, "2", {config.migrations.table})

    with pytest.raises(StepFailed, match=r"V3__release_2_0\.sql: statement 3 of 3 failed"):
        migrator.migrate(workspace, server_database, UPGRADE, "head")
    with server_database.connection() as connection:
        after = capture(connection, "2", {config.migrations.table})
    assert diff_schemas(before.schema, after.schema) == LEFT_BEHIND[engine_of(database_config)]
    assert migrator.current(workspace, server_database) == "2"


@pytest.mark.engines
def test_a_walks_commands_make_the_history_again_when_it_is_gone(fixture_project, server_database):
    """The commands of a walk read the history without making it first; one that finds it gone
    (dropped by something else meanwhile) makes it again rather than fail with the driver's error,
    and `current` reads base."""
    project = fixture_project("flyway-base")
    config = load_config(str(project.config))
    migrator = SqlMigrator(config.migrations)
    workspace = Workspace(config.versions[0], project.root, project.root)
    with migrator.kept(server_database):
        migrator.migrate(workspace, server_database, UPGRADE, "1")
        with server_database.connection() as connection:
            connection.exec_driver_sql(f"DROP TABLE {config.migrations.table}")
            connection.commit()
        assert migrator.current(workspace, server_database) == "base"
        with pytest.raises(StepFailed, match=r"V1__create_users\.sql: statement 1 of 1 failed"):
            migrator.migrate(workspace, server_database, UPGRADE, "1")  # applied again: its table is there
        assert migrator.current(workspace, server_database) == "base"
    with server_database.connection() as connection:
        assert sqlalchemy.inspect(connection).has_table(config.migrations.table)


# -- migrations.schema ----------------------------------------------------------------------------


@POSTGRES_ONLY
def test_schema_is_created_searched_first_and_holds_the_history(fixture_project, server_database):
    project = fixture_project("flyway-base")
    config = load_config(str(project.config))
    migrator = SqlMigrator(config.migrations.model_copy(update={"schema_": "app"}))
    workspace = Workspace(config.versions[0], project.root, project.root)

    migrator.migrate(workspace, server_database, UPGRADE, "head")
    migrator.migrate(workspace, server_database, UPGRADE, "head")  # the history is found there: nothing to do
    with server_database.connection() as connection:
        inspector = sqlalchemy.inspect(connection)
        assert inspector.get_table_names(schema="app") == ["migtest_schema_history", "users"]
        assert inspector.get_table_names() == []
        assert [c["name"] for c in inspector.get_columns("users", schema="app")][-1] == "nickname"
    assert migrator.current(workspace, server_database) == "2"


@POSTGRES_ONLY
def test_schema_tables_are_captured_and_checked(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    project.configure(migrations={**project.settings()["migrations"], "schema": "app"})
    for version in ("1.0", "1.1"):  # seeds run without the schema on search_path: they name it
        seed = project.root / f"seeds/{version}.sql"
        seed.write_text(seed.read_text().replace("INSERT INTO users", "INSERT INTO app.users"))
    scenario = "upgrade-1.0-to-1.1"
    outcome = run_migtest(project.config, "--only", scenario)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(scenario, "schema")["summary"] == "equals a fresh install of 1.1 (1 tables)"
    assert outcome.check(scenario, "migration")["summary"] == "ended at revision 2"

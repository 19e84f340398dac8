"""`seed.generate` on real databases: the rows keep every constraint, cover the edge cases, come out
the same for the same seed, and catch the core engine's faulty migrations without a seed file.

The direct tests fill schemas made for them (composite keys, self-references, unique and check
constraints) on SQLite files and the PostgreSQL and MariaDB servers the session starts; the CLI
tests run alembic-base (tests/fixtures) with `seed.generate` in place of its seed files.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from integration_support import failed, statuses

from migtest.capture.state import State, capture
from migtest.cli import EXIT_OK, EXIT_USAGE
from migtest.config import GenerateConfig
from migtest.databases import Database
from migtest.databases.mysql import MysqlServer
from migtest.databases.postgres import PostgresServer
from migtest.databases.sqlite import SqliteServer
from migtest.errors import StepFailed
from migtest.seeding.generate import Generated, generate

NewDatabase = Callable[..., Database]
TYPES = {
    "sqlite": {"json": "JSON", "bytes": "BLOB", "id": "INTEGER PRIMARY KEY", "time": "TIMESTAMP"},
    "postgres": {
        "json": "JSONB",
        "bytes": "BYTEA",
        "id": "INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "time": "TIMESTAMP",
    },
    "mariadb": {"json": "JSON", "bytes": "BLOB", "id": "INTEGER AUTO_INCREMENT PRIMARY KEY", "time": "DATETIME(6)"},
}


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def new_database(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewDatabase]:
    """A function making an empty database on the engine, with the given statements run in it."""
    if engine == "sqlite":
        server: Any = SqliteServer(tmp_path)
    else:
        host = request.getfixturevalue(f"{engine}_host")
        server = (PostgresServer if engine == "postgres" else MysqlServer)(host.url)
    names = iter(range(100))

    def make(*statements: str) -> Database:
        database = server.create(f"generate_{next(names)}")
        with database.connection() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement.replace("%", "%%") if engine != "sqlite" else statement)
            connection.commit()
        return database

    try:
        yield make
    finally:
        server.close()


def fill(database: Database, rows: int, **options: Any) -> Generated:
    with database.connection() as connection:
        return generate(connection, GenerateConfig(rows=rows, **options), progress=None)


def query(database: Database, sql: str) -> list[tuple[Any, ...]]:
    with database.connection() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def captured(database: Database) -> State:
    with database.connection() as connection:
        return capture(connection, None, set())


def shop(engine: str) -> list[str]:
    """Accounts with unique, check and typed columns; self-referencing categories; memberships
    keyed by both; `coded` with a check no generator reads (LIKE)."""
    types = TYPES[engine]
    return [
        f"""CREATE TABLE accounts (id {types["id"]}, email VARCHAR(40) NOT NULL UNIQUE, name VARCHAR(20),
            age SMALLINT CHECK (age >= 0 AND age <= 150),
            status VARCHAR(10) NOT NULL CHECK (status IN ('active', 'banned')),
            balance NUMERIC(8, 2) CHECK (balance > 0), born DATE, seen {types["time"]}, flag BOOLEAN,
            data {types["json"]}, picture {types["bytes"]}, big BIGINT, score INTEGER CHECK (score BETWEEN -5 AND 5),
            note VARCHAR(200) CHECK (length(note) <= 30))""",
        "CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories (id), "
        "name VARCHAR(30) NOT NULL)",
        "CREATE TABLE memberships (account_id INTEGER NOT NULL REFERENCES accounts (id), "
        "category_id INTEGER NOT NULL REFERENCES categories (id), role VARCHAR(10), "
        "PRIMARY KEY (account_id, category_id))",
        "CREATE TABLE coded (id INTEGER PRIMARY KEY, code VARCHAR(8) NOT NULL CHECK (code LIKE 'a%'))",
    ]


def test_rows_keep_every_constraint_and_cover_the_edge_cases(engine, new_database):
    database = new_database(*shop(engine))
    generated = fill(database, 60)

    inserted = {table.table: table.inserted for table in generated.tables}
    assert inserted["accounts"] == inserted["categories"] == inserted["memberships"] == 60
    coded = next(table for table in generated.tables if table.table == "coded")
    assert coded.inserted + coded.rejected["check constraints"] == 60 and coded.rejected["check constraints"] > 0
    assert f"({coded.rejected['check constraints']} rejected by check constraints)" in generated.describe()
    assert generated.describe().startswith(f"generated {generated.rows} rows in 4 tables")

    # unique and check constraints held
    assert query(database, "SELECT count(DISTINCT email), count(*) FROM accounts") == [(60, 60)]
    assert query(database, "SELECT count(*) FROM accounts WHERE age < 0 OR age > 150 OR balance <= 0") == [(0,)]
    assert query(database, "SELECT count(*) FROM accounts WHERE status NOT IN ('active', 'banned')") == [(0,)]
    assert query(database, "SELECT min(score), max(score) FROM accounts") == [(-5, 5)]
    assert query(database, "SELECT max(length(note)) FROM accounts")[0][0] <= 30
    # edge cases present: NULL, empty, longest and non-ASCII strings, boundary numbers, epoch and far-future dates
    names = [name for (name,) in query(database, "SELECT name FROM accounts")]
    assert None in names and "" in names and "x" * 20 in names
    assert any(name and not name.isascii() for name in names)
    assert len(set(names)) < len(names)  # duplicates where nothing forbids them
    assert query(database, "SELECT min(age), max(age), min(big), max(big) FROM accounts") == [
        (0, 150, -(2**63), 2**63 - 1)
    ]
    born = {value for (value,) in query(database, "SELECT born FROM accounts")}
    assert {str(datetime.date(1970, 1, 1)), str(datetime.date(9999, 12, 31))} <= {str(value) for value in born}
    assert query(database, "SELECT count(*) FROM accounts WHERE data IS NULL")[0][0] > 0
    # references: self-references point at earlier rows, the first at none; memberships are distinct pairs
    categories = dict(query(database, "SELECT id, parent_id FROM categories"))
    first = min(categories)
    assert categories[first] is None
    assert all(parent is None or parent < child for child, parent in categories.items())
    assert query(
        database,
        "SELECT count(*) FROM memberships m LEFT JOIN accounts a ON a.id = m.account_id "
        "LEFT JOIN categories c ON c.id = m.category_id WHERE a.id IS NULL OR c.id IS NULL",
    ) == [(0,)]
    pairs = query(database, "SELECT count(DISTINCT account_id), count(DISTINCT category_id) FROM memberships")
    assert pairs[0][0] > 1 and pairs[0][1] > 1


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_the_same_seed_makes_the_same_rows(engine, new_database):
    first, second, other = (new_database(*shop(engine)) for _ in range(3))
    fill(first, 30, seed=7)
    fill(second, 30, seed=7)
    fill(other, 30, seed=8)

    assert captured(first).fingerprint() == captured(second).fingerprint()
    assert captured(first).fingerprint() != captured(other).fingerprint()


def test_exclusions_and_fixed_values(engine, new_database):
    database = new_database(*shop(engine))
    generated = fill(
        database,
        20,
        exclude=("coded", "accounts.note", "memberships.role"),
        values={"accounts.status": "banned", "accounts.born": "2001-02-03", "categories.name": "same"},
    )

    assert [table.table for table in generated.tables] == ["accounts", "categories", "memberships"]
    assert query(database, "SELECT count(*) FROM coded") == [(0,)]
    assert query(database, "SELECT count(*), count(note), count(DISTINCT status) FROM accounts") == [(20, 0, 1)]
    assert {str(born) for (born,) in query(database, "SELECT DISTINCT born FROM accounts")} == {"2001-02-03"}
    assert query(database, "SELECT DISTINCT name FROM categories") == [("same",)]
    assert query(database, "SELECT count(role) FROM memberships") == [(0,)]


def test_a_column_that_cannot_be_left_out_or_made_says_what_to_do(engine, new_database):
    database = new_database(*shop(engine))
    with pytest.raises(StepFailed) as excluded:
        fill(database, 5, exclude=("accounts.email",))
    assert str(excluded.value) == (
        "seed.generate.exclude: column accounts.email is NOT NULL without a default; "
        "give it a value in seed.generate.values instead"
    )
    with pytest.raises(StepFailed) as bad_value:
        fill(database, 5, values={"accounts.born": "someday"})
    assert str(bad_value.value) == "seed.generate.values.accounts.born: 'someday' is not a valid date"


def test_rows_already_there_stay_and_keys_count_on(engine, new_database):
    database = new_database(
        *shop(engine),
        "INSERT INTO accounts (email, status) VALUES ('ada@example.com', 'active')",
        "INSERT INTO categories (id, name) VALUES (7, 'seeded')",
    )
    generated = fill(database, 10, exclude=("coded",))

    assert generated.describe() == "generated 30 rows in 3 tables"
    assert query(database, "SELECT min(id), max(id), count(*) FROM categories") == [(7, 17, 11)]
    assert query(database, "SELECT count(*) FROM accounts WHERE email = 'ada@example.com'") == [(1,)]
    # the migrations' own inserts still get free keys from the sequence or counter
    with database.connection() as connection:
        connection.exec_driver_sql("INSERT INTO accounts (email, status) VALUES ('new@example.com', 'active')")
        connection.commit()
    assert query(database, "SELECT max(id) FROM accounts") == [(12,)]


def test_generating_again_into_one_to_one_references_rejects_nothing(engine, new_database):
    """The step walk generates before every step, into tables that already hold generated rows."""
    database = new_database(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(50))",
        "CREATE TABLE addresses (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL UNIQUE "
        "REFERENCES customers (id), city VARCHAR(50))",
    )
    first, second = fill(database, 30), fill(database, 30)

    assert first.describe() == second.describe() == "generated 60 rows in 2 tables"
    assert query(database, "SELECT count(*), count(DISTINCT customer_id) FROM addresses") == [(60, 60)]


UNIQUE_REFERENCES = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, admin BOOLEAN NOT NULL)",
    "CREATE TABLE profiles (user_id INTEGER PRIMARY KEY REFERENCES users (id), bio TEXT)",
    "CREATE TABLE roles (user_id INTEGER NOT NULL REFERENCES users (id), admin BOOLEAN NOT NULL, "
    "UNIQUE (user_id, admin))",
    "CREATE TABLE chain (id INTEGER PRIMARY KEY, previous INTEGER UNIQUE REFERENCES chain (id))",
    "CREATE TABLE tree (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES tree (id))",
)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_unique_references_limit_the_rows_and_say_so(engine, new_database):
    generated = fill(new_database(*UNIQUE_REFERENCES), 30, exclude=("users",))
    assert generated.describe() == (
        "generated 60 rows in 4 tables (profiles: no rows, since users has none to refer to; "
        "roles: no rows, since users has none to refer to)"
    )

    users = [f"INSERT INTO users (id, admin) VALUES ({n}, {'TRUE' if n % 2 else 'FALSE'})" for n in range(1, 7)]
    database = new_database(*UNIQUE_REFERENCES, *users)
    generated = fill(database, 30, exclude=("users",))
    assert generated.describe() == (
        "generated 78 rows in 4 tables (profiles: 6 rows, as many as its unique keys allow; "
        "roles: 12 rows, as many as its unique keys allow)"
    )
    assert query(database, "SELECT count(DISTINCT user_id) FROM profiles") == [(6,)]
    assert query(database, "SELECT count(*) FROM (SELECT DISTINCT user_id, admin FROM roles) AS pairs") == [(12,)]
    # a unique self-reference is a linked list; under NOT NULL the first row refers to itself
    chain = query(database, "SELECT id, previous FROM chain ORDER BY id")
    assert chain[0] == (1, None) and all(previous == key - 1 for key, previous in chain[1:])
    tree = query(database, "SELECT id, parent FROM tree ORDER BY id")
    assert tree[0] == (1, 1) and all(parent < key for key, parent in tree[1:])


@pytest.mark.parametrize("engine", ["postgres"])
@pytest.mark.filterwarnings("ignore:Did not recognize type 'point'")
def test_postgres_types_and_schemas(engine, new_database):
    database = new_database(
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
        "CREATE SCHEMA billing",
        "CREATE TABLE people (id UUID PRIMARY KEY, mood mood NOT NULL, tags TEXT[], wait INTERVAL, ip INET, "
        "seen TIMESTAMPTZ, serial_no SERIAL UNIQUE, location POINT)",
        "CREATE TABLE billing.invoices (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "person UUID NOT NULL REFERENCES people (id), amount NUMERIC NOT NULL CHECK (amount > 0))",
    )
    generated = fill(database, 25)
    assert generated.describe() == "generated 25 rows in 1 table"  # billing is not captured unless asked

    with database.connection() as connection:
        generated = generate(connection, GenerateConfig(rows=25), schemas=(None, "billing"), progress=None)
    assert generated.describe() == "generated 50 rows in 2 tables"  # 25 more people, their ids new
    assert query(database, "SELECT count(DISTINCT id), count(DISTINCT mood), count(location) FROM people") == [
        (50, 3, 0)
    ]
    assert query(database, "SELECT count(*) FROM billing.invoices i JOIN people p ON p.id = i.person") == [(25,)]
    assert query(database, "SELECT count(*) FROM people WHERE tags = '{}' OR wait = '0' OR seen = 'epoch'") != [(0,)]
    # sequences move past the keys given, so the database's own numbering goes on
    with database.connection() as connection:
        connection.exec_driver_sql("INSERT INTO billing.invoices (person, amount) SELECT id, 1 FROM people LIMIT 1")
        connection.commit()
    assert query(database, "SELECT max(id) FROM billing.invoices") == [(26,)]


@pytest.mark.parametrize("engine", ["postgres"])
@pytest.mark.filterwarnings("ignore:Did not recognize type 'point'")
def test_a_type_without_values_needs_one_given(engine, new_database):
    database = new_database("CREATE TABLE places (id INTEGER PRIMARY KEY, spot POINT NOT NULL)")
    with pytest.raises(StepFailed) as unknown:
        fill(database, 5)
    assert str(unknown.value) == (
        "seed.generate: no values can be made for places.spot (a type SQLAlchemy does not recognize): give it one with "
        "seed.generate.values ('places.spot: ...') or exclude the table"
    )

    assert fill(database, 5, values={"places.spot": "(1,2)"}).describe() == "generated 5 rows in 1 table"
    assert query(database, "SELECT count(*) FROM places WHERE spot ~= point '(1,2)'") == [(5,)]


def test_large_tables_report_progress(capsys, tmp_path):
    database = SqliteServer(tmp_path).create("progress")
    with database.connection() as connection:
        connection.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, kind VARCHAR(5))")
        connection.commit()
        generated = generate(connection, GenerateConfig(rows=10_000, batch=2500))

    assert generated.describe() == "generated 10000 rows in 1 table"
    assert capsys.readouterr().err.splitlines() == [
        f"seed.generate: events: {done} of 10000 rows" for done in (2500, 5000, 7500, 10000)
    ]


# -- the CLI: alembic-base with generated rows only ---------------------------------------------------

UPGRADE = "upgrade-1.1-to-2.0"


@pytest.fixture
def generated_project(fixture_project) -> Callable[..., Any]:
    """alembic-base with `seed.generate` and no seed files, plus revision 0003 released as 2.0 when given."""

    def build(upgrade: str | None = None, **generate_options: Any):
        project = fixture_project("alembic-base")
        for seed in (project.root / "seeds").iterdir():
            seed.unlink()
        versions = project.settings()["versions"]
        if upgrade is not None:
            project.revision("0003", "0002", upgrade)
            versions = [*versions, {"name": "2.0", "revision": "0003"}]
        # the fixture's assertion is about its hand-written names; generated ones include ''
        project.configure(
            versions=versions, seed={"generate": {"rows": 40, **generate_options}}, checks={"idempotent": False}
        )
        return project

    return build


@pytest.mark.engines
def test_generated_rows_pass_a_correct_project(generated_project, run_migtest):
    outcome = run_migtest(generated_project().config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert statuses(outcome, "upgrade-1.0-to-1.1") == dict.fromkeys(
        ["migration", "schema", "rows", "content"], "passed"
    )
    assert statuses(outcome, "downgrade-1.1-to-1.0") == dict.fromkeys(
        ["migration", "downgrade", "rows", "content"], "passed"
    )
    assert outcome.check("upgrade-1.0-to-1.1", "rows")["summary"] == "all 40 row(s) kept"
    seeds = [p for s in outcome.results["scenarios"] for p in s["phases"] if p["name"] == "seed"]
    assert seeds and all(p["detail"] == "generated 40 rows in 1 table" for p in seeds)


@pytest.mark.engines
def test_dropping_a_column_that_holds_generated_data_fails_content(generated_project, run_migtest):
    project = generated_project('with op.batch_alter_table("users") as batch:\n    batch.drop_column("nickname")')
    outcome = run_migtest(project.config, "--only", UPGRADE)

    content = failed(outcome, UPGRADE, "content")["content"]
    assert content["summary"] == "1 change(s) to existing data"
    [evidence] = content["evidence"]
    held = re.fullmatch(r"table 'users': column 'nickname' dropped while (\d+) row\(s\) held a value in it", evidence)
    assert held is not None, evidence
    assert 0 < int(held[1]) < 40  # NULL in some rows: an edge case


@pytest.mark.engines
def test_deduplication_that_deletes_distinct_generated_rows_fails_rows(generated_project, run_migtest):
    # "Merge duplicate accounts": GROUP BY email puts every user without an e-mail address in one group.
    dedup = 'op.execute("DELETE FROM users WHERE id NOT IN (SELECT min(id) FROM users GROUP BY email)")'
    outcome = run_migtest(generated_project(dedup).config, "--only", UPGRADE)

    rows = failed(outcome, UPGRADE, "rows")["rows"]
    assert rows["summary"] == "rows lost in 1 table(s)"
    [evidence] = rows["evidence"]
    assert re.fullmatch(r"table 'users': \d+ of 40 row\(s\) lost: id=\d+(, id=\d+)*", evidence), evidence


@pytest.mark.parametrize(
    ("generate_section", "expected"),
    [
        ({"rows": 0}, "key 'seed.generate.rows': must be a whole number >= 1, got 0"),
        ({"rows": 10, "seed": "abc"}, "key 'seed.generate.seed': must be a whole number, got 'abc'"),
        ({"rows": 10, "rowz": 5}, "key 'seed.generate.rowz': unknown key (did you mean 'rows'?)"),
    ],
)
def test_configuration_mistake_exits_2_naming_the_key(generated_project, run_migtest, generate_section, expected):
    project = generated_project()
    project.configure(seed={"generate": generate_section})
    outcome = run_migtest(project.config)

    assert outcome.exit_code == EXIT_USAGE, outcome.output
    assert expected in outcome.output


@pytest.mark.engines
def test_step_walk_with_only_generated_data_finds_the_dropped_column(generated_project, run_migtest):
    """`migtest steps` generates rows before every step, into the schema as it is then."""
    project = generated_project('with op.batch_alter_table("users") as batch:\n    batch.drop_column("nickname")')
    outcome = run_migtest(project.config, command="steps")

    assert [s["status"] for s in outcome.results["scenarios"]] == ["passed", "passed", "failed"]
    # 0003's downgrade() is `pass`: the round trip fails too
    checks = failed(outcome, "step-0002-to-0003", "content", "downgrade", "upgrade again")
    assert checks["content"]["evidence"][0].startswith("table 'users': column 'nickname' dropped while")
    assert checks["rows"]["summary"] == "all 80 row(s) kept"  # 40 generated before each of the two steps
    details = [p["detail"] for s in outcome.results["scenarios"] for p in s["phases"] if p["name"] == "seed"]
    assert details == ["generated 0 rows in 0 tables", *["generated 40 rows in 1 table"] * 2]

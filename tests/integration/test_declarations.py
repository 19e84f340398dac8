"""Declarations of what a release does to data (`checks.moves`, row-scoped `allow_changes` and
`allow_lost_rows`, `checks.volatile`), each verified and counted, with real migrations.

The SQL tests copy tests/fixtures/flyway-base, release its V3 as 1.2 (the tables of the case, seeded)
and the V4 under test as 2.0, and upgrade 1.2 to 2.0 on every engine. The volatile test runs the
command-steps script as an app that records each start.
"""

from __future__ import annotations

import pytest
from integration_support import failed

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.usefixtures("row_stores")  # each test with captures in memory and on disk

UPGRADE = "upgrade-1.2-to-2.0"


def released(fixture_project, tables: str, seed: str, migration: str, **checks):
    """flyway-base plus 1.2 (V3: `tables`, seeded with `seed`) and 2.0 (V4: `migration`)."""
    project = fixture_project("flyway-base")
    project.write("migrations/V3__tables.sql", tables)
    project.add_version("1.2", "3", seed)
    project.write("migrations/V4__release_2_0.sql", migration)
    project.add_version("2.0", "4")
    project.configure(matrix={"fresh": False, "downgrade": "none"}, checks=checks or None)
    return project


TAGS = """
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);
CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, kind VARCHAR(20) NOT NULL,
                   value VARCHAR(50) NOT NULL);
"""
TAGGED = """
INSERT INTO items (id, name) VALUES (1, 'Mug'), (2, 'Lamp'), (3, 'Desk');
INSERT INTO tags (id, item_id, kind, value) VALUES
    (1, 1, 'color', 'red'), (2, 2, 'color', 'blue'), (3, 1, 'size', 'L'), (4, 3, 'label', 'sale');
"""
# 2.0 keeps an item's colour in items.color instead of a tag
COLORS_TO_COLUMN = """
ALTER TABLE items ADD COLUMN color VARCHAR(20);
UPDATE items SET color = (SELECT min(t.value) FROM tags t WHERE t.item_id = items.id AND t.kind = 'color');
DELETE FROM tags WHERE kind = 'color';
"""
COLOR_MOVE = {
    "from": "tags.value",
    "where": "kind = 'color'",
    "to": "items.color",
    "key": {"item_id": "id"},
    "when": {"crosses": "2.0"},
}


@pytest.mark.engines
def test_moved_tags_fail_rows_without_a_declaration(fixture_project, run_migtest):
    project = released(fixture_project, TAGS, TAGGED, COLORS_TO_COLUMN)
    outcome = run_migtest(project.config, "--only", UPGRADE)

    rows = failed(outcome, UPGRADE, "rows")["rows"]
    assert rows["evidence"] == ["table 'tags': 2 of 4 row(s) lost: id=1, id=2"]


@pytest.mark.engines
def test_declared_move_passes_and_is_counted(fixture_project, run_migtest):
    project = released(fixture_project, TAGS, TAGGED, COLORS_TO_COLUMN, moves=[COLOR_MOVE])
    outcome = run_migtest(project.config, "--only", "upgrade-*")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(UPGRADE, "rows")["summary"] == "5 kept, 2 moved as declared (tags.value -> items.color)"
    moves = outcome.check(UPGRADE, "moves")
    assert moves["summary"] == "all 2 value(s) moved as declared arrived"
    assert moves["evidence"] == ["tags.value -> items.color: 2 of 2 arrived"]
    # 1.1 -> 1.2 does not cross 2.0: the move is not about it
    assert "moves" not in {check["name"] for check in outcome.scenario("upgrade-1.1-to-1.2")["checks"]}


@pytest.mark.engines
def test_declared_move_fails_when_a_value_does_not_arrive(fixture_project, run_migtest):
    # a colour tag of an item deleted long ago: the migration drops it with the others, moved nowhere
    orphan = TAGGED + "INSERT INTO tags (id, item_id, kind, value) VALUES (5, 9, 'color', 'green');\n"
    project = released(fixture_project, TAGS, orphan, COLORS_TO_COLUMN, moves=[COLOR_MOVE])
    outcome = run_migtest(project.config, "--only", UPGRADE)

    checks = failed(outcome, UPGRADE, "moves")
    assert checks["moves"]["summary"] == "1 of 3 moved value(s) did not arrive"
    assert checks["moves"]["evidence"] == [
        "tags id=5: 'green' not in items.color where id=9 (no such row)",
        "tags.value -> items.color: 2 of 3 arrived",
    ]
    assert checks["rows"]["summary"] == "5 kept, 3 moved as declared (tags.value -> items.color)"


SETTINGS = """
CREATE TABLE settings (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, kind VARCHAR(20) NOT NULL,
                       value VARCHAR(100));
"""
SETTINGS_SEED = """
INSERT INTO settings (id, name, kind, value) VALUES
    (1, 'site_name', 'text', 'Shop'), (2, 'smtp_password', 'secret', 'hunter2'),
    (3, 'password_hint', 'text', 'ask Ada'), (4, 'api_token', 'secret', 't0k3n');
"""
# 2.0 no longer stores secrets: their values become NULL, flagged as secret
SECRETS_FLAGGED = """
ALTER TABLE settings ADD COLUMN is_secret INTEGER DEFAULT 0 NOT NULL;
UPDATE settings SET is_secret = 1, value = NULL WHERE kind = 'secret';
"""
SECRETS_CLEARED = {
    "settings": [{"column": "value", "where": "kind = 'secret'", "becomes": None, "when": {"to": "2.0"}}]
}


@pytest.mark.engines
def test_value_kind_cleared_passes_only_for_the_declared_rows(fixture_project, run_migtest):
    undeclared = run_migtest(released(fixture_project, SETTINGS, SETTINGS_SEED, SECRETS_FLAGGED).config)
    assert failed(undeclared, UPGRADE, "content")["content"]["evidence"] == [
        "table 'settings': id=2: value 'hunter2' -> None",
        "table 'settings': id=4: value 't0k3n' -> None",
    ]

    project = released(fixture_project, SETTINGS, SETTINGS_SEED, SECRETS_FLAGGED, allow_changes=SECRETS_CLEARED)
    outcome = run_migtest(project.config)
    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(UPGRADE, "content")["summary"] == (
        "values unchanged in 4 column(s) present before and after; "
        "2 changed as declared (settings.value where kind = 'secret')"
    )


@pytest.mark.engines
def test_value_kind_migration_changing_another_row_fails(fixture_project, run_migtest):
    # the migration's condition also catches a plain text setting whose name mentions a password
    greedy = SECRETS_FLAGGED.replace("kind = 'secret'", "kind = 'secret' OR name LIKE '%password%'")
    project = released(fixture_project, SETTINGS, SETTINGS_SEED, greedy, allow_changes=SECRETS_CLEARED)
    outcome = run_migtest(project.config, "--only", UPGRADE)

    content = failed(outcome, UPGRADE, "content")["content"]
    assert content["summary"] == "1 change(s) to existing data"
    assert content["evidence"] == [
        "table 'settings': id=3: value 'ask Ada' -> None",
        "2 changed as declared: settings.value where kind = 'secret'",
    ]


EVENTS = "CREATE TABLE events (id INTEGER PRIMARY KEY, kind VARCHAR(20) NOT NULL, note VARCHAR(50));\n"
EVENTS_SEED = """
INSERT INTO events (id, kind, note) VALUES (1, 'login', 'a'), (2, 'debug', 'b'), (3, 'debug', 'c'), (4, 'audit', 'd');
"""
DEBUG_MAY_GO = [{"table": "events", "where": "kind = 'debug'", "when": {"crosses": "2.0"}}]


@pytest.mark.engines
def test_row_scoped_loss_passes_for_the_declared_rows_only(fixture_project, run_migtest):
    purge = "DELETE FROM events WHERE kind = 'debug';\n"
    project = released(fixture_project, EVENTS, EVENTS_SEED, purge, allow_lost_rows=DEBUG_MAY_GO)
    outcome = run_migtest(project.config, "--only", UPGRADE)
    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(UPGRADE, "rows")["summary"] == "2 kept, 2 lost as declared (events where kind = 'debug')"

    too_much = "DELETE FROM events WHERE kind IN ('debug', 'audit');\n"
    project = released(fixture_project, EVENTS, EVENTS_SEED, too_much, allow_lost_rows=DEBUG_MAY_GO)
    rows = failed(run_migtest(project.config, "--only", UPGRADE), UPGRADE, "rows")["rows"]
    assert rows["evidence"] == [
        "table 'events': 1 of 4 row(s) lost: id=4",
        "2 lost as declared: events where kind = 'debug'",
    ]


@pytest.mark.engines
def test_declaration_that_matches_nothing_fails(fixture_project, run_migtest):
    index = "CREATE INDEX ix_events_kind ON events (kind);\n"
    stale = [{"table": "events", "where": "kind LIKE 'trace%'"}, {"table": "events", "where": "knd = 'debug'"}]
    project = released(fixture_project, EVENTS, EVENTS_SEED, index, allow_lost_rows=stale)
    outcome = run_migtest(project.config, "--only", UPGRADE)

    rows = failed(outcome, UPGRADE, "rows")["rows"]
    assert rows["summary"] == "2 declaration(s) could not be verified"
    assert rows["evidence"][0] == (
        "checks.allow_lost_rows[0]: matched no row of events where kind LIKE 'trace%' before migrating "
        "(narrow its 'when' to the scenarios it is about, or remove it)"
    )
    # the database's own words follow, as each engine says them
    assert rows["evidence"][1].startswith(
        "checks.allow_lost_rows[1]: condition \"knd = 'debug'\" could not be evaluated: "
    )
    assert "knd" in rows["evidence"][1].split("evaluated: ", 1)[1]


def test_volatile_columns_written_on_every_start(fixture_project, run_migtest):
    project = fixture_project("command-steps")
    settings = project.settings()
    migrations = {**settings["migrations"], "upgrade": "python3 migrate.py upgrade {target} --heartbeat"}
    project.configure(migrations=migrations)
    scenario = "upgrade-1.0-to-1.1"
    undeclared = run_migtest(project.config, "--only", scenario)
    checks = failed(undeclared, scenario, "content", "idempotent")
    assert checks["content"]["evidence"] == ["table 'servers': id=1: last_seen 1 -> 2"]
    assert checks["idempotent"]["evidence"] == ["table 'servers': rows changed (1 before, 1 after the second run)"]

    project.configure(checks={**settings["checks"], "volatile": {"servers": ["last_seen"]}})
    outcome = run_migtest(project.config, "--only", scenario)
    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(scenario, "content")["summary"] == (
        "values unchanged in 5 column(s) present before and after; 1 volatile value(s) not compared: servers.last_seen"
    )
    assert outcome.check(scenario, "idempotent")["summary"] == (
        "running the upgrade again changed nothing but 1 volatile value(s) not compared: servers.last_seen"
    )


@pytest.mark.engines
def test_percent_signs_in_user_sql_reach_the_database_as_written(fixture_project, run_migtest):
    project = fixture_project("flyway-base")
    project.write("seeds/1.1.sql", "INSERT INTO users (id, name, nickname) VALUES (1, 'Ada', '50% off');\n")
    sale = "SELECT count(*) FROM users WHERE nickname LIKE '50%'"
    project.configure(checks={"sql": [{"name": "on sale", "query": sale, "expect": [[1]]}]})
    outcome = run_migtest(project.config, "--only", "fresh-1.1")

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check("fresh-1.1", "sql: on sale")["summary"] == "returned [[1]]"

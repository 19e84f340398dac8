"""Checks on hand-made captures: pure logic, so every rule is pinned down precisely."""

from dataclasses import replace

from migtest.capture.state import State, TableData, TableSchema
from migtest.checks import CheckContext, run_checks
from migtest.config import ChecksConfig
from migtest.errors import StepFailed
from migtest.plan import Scenario

UPGRADE = Scenario("upgrade", "1", "2")
DOWNGRADE = Scenario("downgrade", "2", "1")


def table(*columns: str, pk: tuple[str, ...] = ("id",), types: dict | None = None) -> TableSchema:
    types = types or {}
    specs = {c: {"type": types.get(c, "INTEGER"), "nullable": c not in pk, "default": None} for c in columns}
    return TableSchema(specs, pk, [], [], [])


def state(schema: dict[str, TableSchema], rows: dict[str, list[dict]], revision: str = "2") -> State:
    data = {}
    for name, tschema in schema.items():
        captured = TableData(tschema.primary_key, tuple(tschema.columns))
        for row in rows.get(name, []):
            captured.add(row)
        data[name] = captured
    return State(revision, schema, data)


def results(scenario=UPGRADE, options=None, **context) -> dict:
    context.setdefault("expected_revision", "2")
    context.setdefault("engine", "sqlite")
    checked = run_checks(CheckContext(scenario, options or ChecksConfig(idempotent=False), **context))
    return {c.name: c for c in checked}


def test_everything_kept_passes():
    schema = {"users": table("id", "age")}
    before = state(schema, {"users": [{"id": 1, "age": 30}]}, revision="1")
    after = state(schema, {"users": [{"id": 1, "age": 30.0}]})
    checked = results(before=before, after=after, reference=after)
    assert {name: c.status for name, c in checked.items()} == dict.fromkeys(
        ["migration", "schema", "rows", "content"], "passed"
    )


def test_lost_rows_are_listed_by_key():
    schema = {"users": table("id")}
    before = state(schema, {"users": [{"id": i} for i in range(1, 6)]})
    after = state(schema, {"users": [{"id": 1}, {"id": 2}]})
    check = results(before=before, after=after, reference=after)["rows"]
    assert check.status == "failed"
    assert check.evidence == ["table 'users': 3 of 5 row(s) lost: id=3, id=4, id=5"]


def test_dropped_table_with_rows_fails_on_upgrade_but_not_on_downgrade():
    before = state({"users": table("id"), "notes": table("id")}, {"users": [{"id": 1}], "notes": [{"id": 7}]})
    after = state({"users": table("id")}, {"users": [{"id": 1}]})
    assert results(before=before, after=after, reference=after)["rows"].evidence == [
        "table 'notes': dropped with 1 row(s)"
    ]
    assert results(DOWNGRADE, before=before, after=after, reference=after, expected_revision=None)["rows"].status == (
        "passed"
    )


def test_changed_value_and_allowed_change():
    schema = {"users": table("id", "email")}
    before = state(schema, {"users": [{"id": 1, "email": "A@X"}]})
    after = state(schema, {"users": [{"id": 1, "email": "a@x"}]})
    check = results(before=before, after=after, reference=after)["content"]
    assert check.status == "failed" and check.evidence == ["table 'users': id=1: email 'A@X' -> 'a@x'"]
    allowed = ChecksConfig(idempotent=False, allow_changes={"users": ("email",)})
    assert results(options=allowed, before=before, after=after, reference=after)["content"].status == "passed"


def test_float_tolerance():
    schema = {"prices": table("id", "amount")}
    before = state(schema, {"prices": [{"id": 1, "amount": 0.1}]})
    after = state(schema, {"prices": [{"id": 1, "amount": 0.1000001}]})
    assert results(before=before, after=after, reference=after)["content"].status == "failed"
    tolerant = ChecksConfig(idempotent=False, float_tolerance=1e-6)
    assert results(options=tolerant, before=before, after=after, reference=after)["content"].status == "passed"


def test_rerun_changing_only_a_value_type_is_not_idempotent():
    """1, 1.0 and True are one value to Python's `==`, not one stored value: a second run that
    writes another of them changed the database (keyed and unkeyed rows alike)."""
    schema = {"counters": table("id", "value"), "log": table("value", pk=())}
    after = state(schema, {"counters": [{"id": 1, "value": 1}], "log": [{"value": 1}]})
    options = ChecksConfig(idempotent=True)
    assert results(options=options, before=after, after=after, rerun=after)["idempotent"].status == "passed"
    for other in (1.0, True):
        rerun = state(schema, {"counters": [{"id": 1, "value": other}], "log": [{"value": 1}]})
        idempotent = results(options=options, before=after, after=after, rerun=rerun)["idempotent"]
        assert idempotent.evidence == ["table 'counters': rows changed (1 before, 1 after the second run)"]
        rerun = state(schema, {"counters": [{"id": 1, "value": 1}], "log": [{"value": other}]})
        idempotent = results(options=options, before=after, after=after, rerun=rerun)["idempotent"]
        assert idempotent.evidence == ["table 'log': rows changed (1 before, 1 after the second run)"]


def test_dropped_column_holding_data():
    before = state({"users": table("id", "phone")}, {"users": [{"id": 1, "phone": "1"}, {"id": 2, "phone": None}]})
    after = state({"users": table("id")}, {"users": [{"id": 1}, {"id": 2}]})
    check = results(before=before, after=after, reference=after)["content"]
    assert check.evidence == ["table 'users': column 'phone' dropped while 1 row(s) held a value in it"]


def test_table_without_primary_key_compared_as_multiset():
    schema = {"log": table("line", pk=())}
    before = state(schema, {"log": [{"line": "a"}, {"line": "a"}, {"line": "b"}]})
    after = state(schema, {"log": [{"line": "a"}, {"line": "b"}]})
    checked = results(before=before, after=after, reference=after)
    assert checked["rows"].evidence == ["table 'log': 3 row(s) before, 2 after"]
    assert checked["content"].evidence == ["table 'log': row {'line': 'a'} no longer present as it was"]


def test_schema_diff_is_readable():
    fresh = state({"users": table("id", "name", types={"name": "VARCHAR(80)"})}, {})
    migrated = state({"users": table("id", "name", "extra", types={"name": "VARCHAR(50)"})}, {})
    check = results(before=migrated, after=migrated, reference=fresh)["schema"]
    assert check.status == "failed"
    assert check.evidence == [
        "table 'users': column 'extra' present after migrating, not in a fresh install",
        "table 'users': column 'name' type: 'VARCHAR(50)' after migrating, 'VARCHAR(80)' fresh",
    ]


def test_wrong_revision_and_failed_migration():
    schema = {"users": table("id")}
    before, after = state(schema, {}), state(schema, {}, revision="1")
    assert results(before=before, after=after, reference=after)["migration"].summary == (
        "ended at revision 1, expected 2"
    )
    failed = results(before=before, migration_error=StepFailed("alembic upgrade 2: exited with code 1", "boom"))
    assert failed["migration"].evidence == ["boom"]
    assert {failed[name].status for name in ("schema", "rows", "content")} == {"skipped"}


def test_renamed_column_is_followed():
    before = state({"users": table("id", "name")}, {"users": [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Bob"}]})
    after = state(
        {"users": table("id", "full_name")}, {"users": [{"id": 1, "full_name": "Ada"}, {"id": 2, "full_name": "B"}]}
    )
    unfollowed = results(before=before, after=after, reference=after)["content"]
    assert unfollowed.evidence == ["table 'users': column 'name' dropped while 2 row(s) held a value in it"]
    options = ChecksConfig(idempotent=False, renamed={"users": {"name": "full_name"}})
    followed = results(options=options, before=before, after=after, reference=after)["content"]
    assert followed.evidence == ["table 'users': id=2: name (now full_name) 'Bob' -> 'B'"]


def test_history_reports_edited_migrations_only_where_the_migrator_can_tell():
    from migtest.migrators import Edited, MigrationRun

    schema = {"users": table("id")}
    before, after = state(schema, {}), state(schema, {})
    line = "V1__init.sql: checksum aaa when applied, bbb now"
    edited = MigrationRun("", "2", (Edited("V1__init.sql", (line,)),))
    check = results(before=before, after=after, reference=after, migration_run=edited)["history"]
    assert check.status == "failed" and check.evidence == [line]
    assert results(before=before, after=after, reference=after, migration_run=MigrationRun("", "2", ()))[
        "history"
    ].status == ("passed")
    assert "history" not in results(before=before, after=after, reference=after, migration_run=MigrationRun(""))


def test_enum_sequence_and_table_option_differences_are_readable():
    def users(engine: str) -> dict[str, TableSchema]:
        return {"users": replace(table("id"), options={"engine": engine})}

    fresh = State("2", users("InnoDB"), {}, enums={"mood": ["sad", "ok"]}, sequences={"n": {"increment": 10}})
    migrated = State("2", users("MyISAM"), {}, enums={"mood": ["sad"], "old": ["a"]}, sequences={"n": {"increment": 1}})
    check = results(before=migrated, after=migrated, reference=fresh)["schema"]
    assert check.evidence == [
        "table 'users': engine: 'MyISAM' after migrating, 'InnoDB' fresh",
        "enum 'mood': values: ['sad'] after migrating, ['sad', 'ok'] fresh",
        "enum 'old': present after migrating, not in a fresh install",
        "sequence 'n': increment: 1 after migrating, 10 fresh",
    ]
    assert check.summary == "4 difference(s) in 1 table(s), 2 enum(s), 1 sequence(s) from a fresh install of 2"

"""Declarations (moves, row-scoped changes and losses, volatile columns) on hand-made captures, and
the scopes that narrow them: the rules the integration tests cannot all reach cheaply."""

from __future__ import annotations

import pytest
from test_checks import DOWNGRADE, UPGRADE, results, state, table
from test_config import BASE, error_for, write

from migtest.capture.state import Selection
from migtest.config import ChecksConfig, RowCondition, load_config
from migtest.config.scope import MIGRATING, MIGRATION_KINDS, Scope
from migtest.plan import Scenario


def options(**declared) -> ChecksConfig:
    return ChecksConfig(idempotent=False, **declared)


def test_volatile_column_dropped_while_holding_data_is_still_a_loss():
    before = state({"servers": table("id", "last_seen")}, {"servers": [{"id": 1, "last_seen": 5}]})
    after = state({"servers": table("id")}, {"servers": [{"id": 1}]})
    volatile = options(volatile={"servers": ("last_seen",)})
    content = results(options=volatile, before=before, after=after, reference=after)["content"]
    assert content.evidence == ["table 'servers': column 'last_seen' dropped while 1 row(s) held a value in it"]


def test_value_declared_to_become_null_that_became_something_else():
    schema = {"settings": table("id", "value")}
    before = state(schema, {"settings": [{"id": 1, "value": 7}, {"id": 2, "value": 8}]})
    after = state(schema, {"settings": [{"id": 1, "value": 0}, {"id": 2, "value": 8}]})
    cleared = options(allow_changes={"settings": [{"column": "value", "becomes": None}]})
    content = results(options=cleared, before=before, after=after, reference=after)["content"]
    assert content.evidence == [
        "table 'settings': id=1: value 7 -> 0, declared to become None (checks.allow_changes.settings[0])",
        "table 'settings': id=2: value 8 kept, declared to become None (checks.allow_changes.settings[0])",
    ]


def test_row_scoped_change_covers_the_selected_rows_only():
    schema = {"settings": table("id", "value")}
    before = state(schema, {"settings": [{"id": 1, "value": 7}, {"id": 2, "value": 8}]})
    before.selections["checks.allow_changes.settings[0]"] = Selection([{"id": 1, "value": 7}])
    after = state(schema, {"settings": [{"id": 1, "value": 0}, {"id": 2, "value": 0}]})
    change = options(allow_changes={"settings": [{"column": "value", "where": "value = 7"}]})
    content = results(options=change, before=before, after=after, reference=after)["content"]
    assert content.evidence == [
        "table 'settings': id=2: value 8 -> 0",
        "1 changed as declared: settings.value where value = 7",
    ]


def test_loss_declared_on_a_table_without_primary_key():
    schema = {"log": table("line", pk=())}
    before = state(schema, {"log": [{"line": 1}, {"line": 2}, {"line": 3}]})
    before.selections["checks.allow_lost_rows[0]"] = Selection([{"line": 2}, {"line": 3}])
    after = state(schema, {"log": [{"line": 1}]})
    loss = options(allow_lost_rows=[{"table": "log", "where": "line > 1"}])
    checked = results(options=loss, before=before, after=after, reference=after)
    assert checked["rows"].summary == "1 kept, 2 lost as declared (log where line > 1)"
    assert checked["content"].status == "passed"


def test_move_into_a_column_that_existed_counts_its_arrivals():
    schema = {"items": table("id", "color"), "tags": table("id", "item_id", "value")}
    before = state(schema, {"items": [{"id": 1, "color": None}], "tags": [{"id": 5, "item_id": 1, "value": 2}]})
    after = state(schema, {"items": [{"id": 1, "color": 2}], "tags": []})
    move = {"from": "tags.value", "to": "items.color", "key": {"item_id": "id"}}
    checked = results(options=options(moves=[move]), before=before, after=after, reference=after)
    assert checked["content"].summary == (
        "values unchanged in 5 column(s) present before and after; 1 moved as declared (tags.value -> items.color)"
    )
    assert checked["rows"].summary == "1 kept, 1 moved as declared (tags.value -> items.color)"
    assert checked["moves"].status == "passed"


def test_move_to_a_column_that_is_not_there_fails_and_a_stale_move_too():
    schema = {"items": table("id"), "tags": table("id", "value")}
    before = state(schema, {"items": [{"id": 1}], "tags": [{"id": 5, "value": 2}]})
    after = state(schema, {"items": [{"id": 1}], "tags": []})
    lost, stale = {"from": "tags.value", "to": "items.color"}, {"from": "notes.body", "to": "items.id"}
    checked = results(options=options(moves=[lost, stale]), before=before, after=after, reference=after)
    assert checked["moves"].status == "failed"
    assert checked["moves"].evidence == [
        "checks.moves[0]: column 'items.color' is not there after migrating: none of the 1 value(s) can have arrived",
        "checks.moves[1]: table 'notes' is not there before migrating",
        "tags.value -> items.color: 0 of 1 arrived",
    ]


def test_whole_table_allowed_to_change_is_said_to_be_left_out():
    schema = {"users": table("id", "email")}
    before = state(schema, {"users": [{"id": 1, "email": 1}]})
    after = state(schema, {"users": [{"id": 1, "email": 2}]})
    everything = options(allow_changes={"users": ("*",)})
    content = results(options=everything, before=before, after=after, reference=after)["content"]
    assert content.summary == (
        "values unchanged in 0 column(s) present before and after; 1 table(s) not compared, allow_changes '*': users"
    )


def test_idempotent_ignores_volatile_columns_and_counts_them():
    schema = {"servers": table("id", "last_seen", "name")}
    first = state(schema, {"servers": [{"id": 1, "last_seen": 1, "name": 1}]})
    again = state(schema, {"servers": [{"id": 1, "last_seen": 2, "name": 1}]})
    volatile = ChecksConfig(volatile={"servers": ("last_seen",)})
    check = results(options=volatile, before=first, after=first, reference=first, rerun=again)["idempotent"]
    assert (
        check.summary
        == "running the upgrade again changed nothing but 1 volatile value(s) not compared: servers.last_seen"
    )
    renamed = state(schema, {"servers": [{"id": 1, "last_seen": 2, "name": 2}]})
    check = results(options=volatile, before=first, after=first, reference=first, rerun=renamed)["idempotent"]
    assert check.status == "failed"
    assert check.evidence == ["table 'servers': rows changed (1 before, 1 after the second run)"]


def test_declarations_out_of_scope_are_not_applied():
    schema = {"events": table("id")}
    before = state(schema, {"events": [{"id": 1}]})
    after = state(schema, {"events": []})
    loss = options(allow_lost_rows=[{"table": "events", "when": {"kinds": "downgrade"}}])
    assert loss.row_losses[0].scope == Scope(kinds=("downgrade",))
    upgrade = results(options=loss, before=before, after=after, reference=after)
    assert upgrade["rows"].evidence == ["table 'events': 1 of 1 row(s) lost: id=1"]
    downgrade = results(DOWNGRADE, options=loss, before=before, after=after, reference=after)
    assert downgrade["rows"].summary == "0 kept, 1 lost as declared (events)"


ORDER = ["1.0", "1.1", "2.0", "3.0"]


@pytest.mark.parametrize(
    ("scenario", "crosses"),
    [
        (Scenario("upgrade", "1.1", "2.0"), True),
        (Scenario("skip", "1.0", "3.0"), True),
        (Scenario("upgrade", "2.0", "3.0"), False),
        (Scenario("upgrade", "1.0", "1.1"), False),
        (Scenario("downgrade", "2.0", "1.1"), False),
    ],
)
def test_scope_crossing_a_release(scenario, crosses):
    assert Scope().crossing("2.0", ORDER).matches(scenario, "sqlite") is crosses


def test_scope_parts_all_have_to_match():
    scope = Scope(sources=("1.0",), scenarios=("skip-*",))
    assert scope.matches(Scenario("skip", "1.0", "3.0"), "sqlite")
    assert not scope.matches(Scenario("upgrade", "1.0", "1.1"), "sqlite")
    assert not MIGRATING.matches(Scenario("fresh", None, "1.0"), "sqlite")
    assert Scope(sources=("3.0",)).crossing("2.0", ORDER) is None
    assert UPGRADE.kind in MIGRATING.kinds


def test_declarations_are_read_with_their_scope(tmp_path):
    checks = {
        "volatile": {"servers": ["last_seen"]},
        "moves": [{"from": "tags.value", "where": "kind = 'color'", "to": "items.color", "key": {"item_id": "id"}}],
        "allow_changes": {"settings": ["note", {"column": "value", "becomes": None, "when": {"to": "2.0"}}]},
        "allow_lost_rows": ["audit", {"table": "events", "where": "kind = 'debug'", "when": {"crosses": "2.0"}}],
    }
    config = load_config(str(write(tmp_path, {**BASE, "checks": checks})))
    declared = config.checks
    assert declared.volatile == {"servers": ("last_seen",)}
    assert [(m.rows, m.column, m.to_table, m.to_column, m.key) for m in declared.moves] == [
        (RowCondition("checks.moves[0]", "tags", "kind = 'color'"), "value", "items", "color", (("item_id", "id"),))
    ]
    assert declared.allow_changes == {"settings": ("note",)}
    assert [(change.rows, change.column, change.becomes) for change in declared.row_changes] == [
        (
            RowCondition(
                "checks.allow_changes.settings[1]", "settings", None, Scope(targets=("2.0",), kinds=MIGRATION_KINDS)
            ),
            "value",
            (None,),
        )
    ]
    assert declared.allow_lost_rows == ("audit",)
    crossing = Scope(("1.0",), ("2.0",), ("upgrade", "skip"))
    assert declared.row_losses == (RowCondition("checks.allow_lost_rows[1]", "events", "kind = 'debug'", crossing),)
    upgrade = Scenario("upgrade", "1.0", "2.0")
    assert [c.label for c in declared.declared_conditions(upgrade, "sqlite")] == [
        "checks.moves[0]",
        "checks.allow_lost_rows[1]",
    ]
    assert declared.declared_conditions(Scenario("downgrade", "2.0", "1.0"), "sqlite") == [declared.moves[0].rows]


MOVE = {"from": "t.a", "to": "u.b"}


def moves(**entry) -> dict:
    return {"moves": [{**MOVE, **entry}]}


@pytest.mark.parametrize(
    ("checks", "key", "message"),
    [
        ({"moves": [{"from": "tags", "to": "i.c"}]}, "moves[0].from", "must name a column as table.column, got 'tags'"),
        ({"moves": [{"from": "tags.value"}]}, "moves[0]", "missing key 'to'"),
        (moves(wher="x"), "moves[0].wher", "unknown key (did you mean 'where'?)"),
        (moves(key={}), "moves[0].key", "must pair at least one column"),
        (moves(when={"to": "9.9"}), "moves[0].when.to", "unknown version '9.9'"),
        (
            moves(when={"kinds": ["fresh"]}),
            "moves[0].when.kinds",
            "unknown kind 'fresh' (kinds: upgrade, skip, downgrade)",
        ),
        (moves(when={"crosses": "1.0"}), "moves[0].when.crosses", "must name one version after the first (1.0)"),
        (moves(when={"crosses": "2.0", "kinds": "downgrade"}), "moves[0].when", "matches no scenario"),
        ({"allow_changes": {"users": [{"where": "x"}]}}, "allow_changes.users[0]", "missing key 'column'"),
        ({"allow_changes": {"users": [3]}}, "allow_changes.users[0]", "must be a column name or a mapping, got 3"),
        ({"allow_lost_rows": [{"where": "x"}]}, "allow_lost_rows[0]", "missing key 'table'"),
        ({"allow_lost_rows": [{"table": "t", "where": ""}]}, "allow_lost_rows[0].where", "must be a non-empty string"),
        ({"volatile": {"servers": "last_seen"}}, "volatile.servers", "must be a list"),
    ],
)
def test_declaration_mistakes_name_their_key(tmp_path, checks, key, message):
    assert f"key 'checks.{key}': {message}" in error_for(tmp_path, checks=checks)


def test_the_most_precise_declaration_is_the_one_counted():
    before = state({"customers": table("id", "city")}, {"customers": [{"id": 1, "city": 3}]})
    before.schema["addresses"] = table("customer_id", "city", pk=())
    after = state({"customers": table("id"), "addresses": before.schema["addresses"]}, {})
    after.data["customers"].add({"id": 1})
    after.data["addresses"].add({"customer_id": 1, "city": 3})
    move = {"from": "customers.city", "to": "addresses.city", "key": {"id": "customer_id"}}
    both = options(moves=[move], allow_changes={"customers": ("city",)})
    content = results(options=both, before=before, after=after, reference=after)["content"]
    assert content.summary.endswith("; 1 moved as declared (customers.city -> addresses.city)")

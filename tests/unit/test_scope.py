"""Scopes, accepted schema differences and CHECK expressions: the pure logic behind them."""

from pathlib import Path

import pytest
import yaml

from migtest.capture.expressions import normalize_check
from migtest.checks.schema import _diff_checks, judged
from migtest.config import AcceptedDifference, ChecksConfig, load_config
from migtest.config.scope import Scope
from migtest.errors import ConfigError
from migtest.plan import Scenario

BASE = {
    "migrations": {"tool": "sql", "dir": "migrations"},
    "versions": [{"name": "1.0"}, {"name": "1.1"}, {"name": "2.0"}],
}
INDEX = "table 'users': index 'ix_users_name' (name) present after migrating, not in a fresh install"


def load(tmp_path: Path, checks: dict):
    (tmp_path / "migrations").mkdir(exist_ok=True)
    path = tmp_path / "migtest.yml"
    path.write_text(yaml.safe_dump({**BASE, "checks": checks}))
    return load_config(str(path))


def error_for(tmp_path: Path, checks: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, checks)
    return str(caught.value)


def test_scope_matches_every_condition_given():
    upgrade, fresh = Scenario("upgrade", "1.0", "1.1"), Scenario("fresh", None, "1.1")
    assert Scope().matches(upgrade, "sqlite") and Scope().matches(fresh, "sqlite")
    assert Scope(sources=("1.0",)).matches(upgrade, "sqlite") and not Scope(sources=("1.0",)).matches(fresh, "sqlite")
    assert not Scope(sources=("1.0",), kinds=("skip",)).matches(upgrade, "sqlite")
    assert Scope(targets=("1.1",), scenarios=("upgrade-*",)).matches(upgrade, "sqlite")
    assert not Scope(scenarios=("upgrade-*-to-2.0",)).matches(upgrade, "sqlite")


def test_scope_with_engines_matches_only_runs_on_those_engines():
    upgrade = Scenario("upgrade", "1.0", "1.1")
    sqlite_only = Scope(engines=("sqlite",), kinds=("upgrade",))
    assert sqlite_only.matches(upgrade, "sqlite")
    assert not sqlite_only.matches(upgrade, "postgres")
    assert Scope(engines=("postgres", "mariadb")).matches(upgrade, "mariadb")


def test_engines_key_is_read_for_accepted_differences_and_when(tmp_path):
    config = load(
        tmp_path,
        {
            "accept_schema": [{"table": "t", "difference": "x", "engines": "sqlite"}],
            "allow_lost_rows": [{"table": "t", "when": {"crosses": "2.0", "engines": ["postgres", "mysql"]}}],
        },
    )
    assert config.checks.accept_schema[0].scope == Scope(engines=("sqlite",))
    assert config.checks.row_losses[0].scope.engines == ("postgres", "mysql")


def test_sql_assertion_scope_is_read_with_versions_kept_as_the_target_key(tmp_path):
    config = load(
        tmp_path,
        {
            "sql": [
                {"name": "a", "query": "SELECT 1", "expect": [[1]], "versions": ["1.1"]},
                {"name": "b", "query": "SELECT 1", "expect": [[1]], "from": ["1.0"], "kinds": ["upgrade", "skip"]},
            ]
        },
    )
    assert [assertion.scope for assertion in config.checks.sql] == [
        Scope(targets=("1.1",)),
        Scope(sources=("1.0",), kinds=("upgrade", "skip")),
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"from": ["0.9"]}, "key 'checks.sql[0].from': unknown version '0.9' (versions: 1.0, 1.1, 2.0)"),
        ({"to": ["3.0"]}, "key 'checks.sql[0].to': unknown version '3.0'"),
        ({"kinds": ["upgrades"]}, "key 'checks.sql[0].kinds': unknown kind 'upgrades' (kinds: fresh, upgrade, skip,"),
        ({"scenarios": ["upgrade-1.0-to-3.0"]}, "key 'checks.sql[0].scenarios': 'upgrade-1.0-to-3.0' matches no"),
        ({"versions": ["1.1"], "to": ["1.1"]}, "key 'checks.sql[0].to': give one of versions or to, not both"),
        ({"from": ["1.0"], "kinds": ["fresh"]}, "key 'checks.sql[0].from': a fresh install comes from no version"),
        ({"form": ["1.0"]}, "key 'checks.sql[0].form': unknown key (did you mean 'from'?)"),
    ],
)
def test_sql_assertion_scope_mistakes_name_the_key(tmp_path, entry, expected):
    sql = [{"name": "a", "query": "SELECT 1", "expect": [[1]], **entry}]
    assert expected in error_for(tmp_path, {"sql": sql})


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"difference": "x"}, "key 'checks.accept_schema[0]': needs exactly one of table, enum, sequence"),
        ({"table": "t", "enum": "e", "difference": "x"}, "needs exactly one of table, enum, sequence"),
        ({"table": "t"}, "key 'checks.accept_schema[0]': missing key 'difference'"),
        ({"table": "t", "difference": "*"}, "key 'checks.accept_schema[0].difference': would accept every"),
        (
            {"table": "t", "difference": "x", "kinds": ["fresh"]},
            "unknown kind 'fresh' (kinds: upgrade, skip, downgrade)",
        ),
        ({"table": "t", "difference": "x", "scenarios": ["fresh-*"]}, "'fresh-*' matches no scenario id"),
        (
            {"table": "t", "difference": "x", "engines": ["postgresql"]},
            "key 'checks.accept_schema[0].engines': unknown engine 'postgresql' (did you mean 'postgres'? engines:",
        ),
    ],
)
def test_accept_schema_mistakes_name_the_key(tmp_path, entry, expected):
    assert expected in error_for(tmp_path, {"accept_schema": [entry]})


def test_accepted_difference_matches_by_object_and_glob_with_brackets_literal():
    accepted = AcceptedDifference(table="users", difference="index 'ix_users_name' *")
    assert accepted.accepts(INDEX)
    assert not accepted.accepts(INDEX.replace("'users'", "'user'"))
    primary = AcceptedDifference(table="t", difference="primary key: ['id'] after migrating, ['id', 'k'] fresh")
    assert primary.accepts("table 't': primary key: ['id'] after migrating, ['id', 'k'] fresh")
    assert not primary.accepts("table 't': primary key: ['i'] after migrating, ['id', 'k'] fresh")


def test_judged_counts_accepted_and_fails_on_stale_entries():
    declared = [
        {"table": "users", "difference": "index 'ix_users_name'*", "reason": "why"},
        {"enum": "mood", "difference": "values: *"},
    ]
    used, stale = ChecksConfig(accept_schema=declared).accept_schema  # each knows the key that declares it
    passed = judged("schema", [INDEX], [used], "a fresh install of 2.0", "equals a fresh install of 2.0 (1 tables)")
    assert (passed.status, passed.summary) == (
        "passed",
        "equals a fresh install of 2.0 (1 tables), 1 accepted difference(s)",
    )
    assert passed.evidence == [f"accepted by checks.accept_schema[0] (why): {INDEX}"]
    other = "table 'users': column 'age' missing after migrating"
    failed = judged("schema", [INDEX, other], [used, stale], "a fresh install of 2.0", "")
    assert failed.status == "failed"
    assert failed.summary == (
        "1 difference(s) in 1 table(s) from a fresh install of 2.0; "
        "1 accepted difference(s) no longer occur: checks.accept_schema[1], 1 accepted difference(s)"
    )
    assert failed.evidence[:2] == [
        other,
        "checks.accept_schema[1] (enum 'mood': values: *) accepted, but no longer occurs",
    ]


@pytest.mark.parametrize(
    ("dialect", "first", "second"),
    [
        ("sqlite", "\"status\" IN ( 'a','b' )", "[status] in ('a', 'b')"),
        ("sqlite", "((n<100)) and (status='a' or n>5)", "N < 100 AND (n > 5 OR status = 'a')"),
        ("postgres", "status::text = ANY (ARRAY['a'::character varying]::text[])", "status = ANY (ARRAY['a'::text])"),
        ("postgres", "length(name::text) > 0", "length(name) > 0"),
        ("mysql", "(`status` in (_utf8mb4'a',_utf8mb4'b'))", "`status` in ('a','b')"),
    ],
)
def test_one_condition_written_two_ways_normalizes_to_one_text(dialect, first, second):
    assert normalize_check(first, dialect) == normalize_check(second, dialect)


@pytest.mark.parametrize(
    ("dialect", "first", "second"),
    [
        ("sqlite", "a * (b + c) > 0", "a * b + c > 0"),
        ("sqlite", "status IN ('a', 'b')", "status IN ('a', 'c')"),
        ("postgres", "x::integer > 0", "x > 0"),
    ],
)
def test_different_conditions_stay_different(dialect, first, second):
    assert normalize_check(first, dialect) != normalize_check(second, dialect)


def test_text_no_parser_reads_is_compared_by_its_words():
    assert normalize_check("this  is\nnot sql ((", "sqlite") == "this is not sql (("


def test_check_names_count_only_where_both_sides_chose_one():
    fresh = [{"name": "ck_a", "expression": "a > 0"}, {"name": None, "expression": "b > 0"}]
    assert _diff_checks(fresh, [{"name": None, "expression": "a > 0"}, {"name": "ck_b", "expression": "b > 0"}]) == []
    assert _diff_checks(fresh, [{"name": "ck_x", "expression": "a > 0"}, {"name": None, "expression": "b > 0"}]) == [
        "check (a > 0): named 'ck_x' after migrating, 'ck_a' fresh"
    ]

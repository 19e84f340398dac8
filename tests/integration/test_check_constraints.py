"""`schema` compares CHECK constraints by what they require, on every engine.

Revision 0003 (released as 2.0) takes one path on an empty database (the fresh install) and
another on 1.1's seeded one (the upgrade), the way apps that `create_all()` fresh databases and
migrate old ones do: the two paths must compare equal when they make the same checks, however
written, and differ, naming the table and the check, when they do not.
"""

from __future__ import annotations

import pytest
from integration_support import failed

from migtest.cli import EXIT_OK

pytestmark = pytest.mark.engines

UPGRADE = "upgrade-1.1-to-2.0"
WHEN_EMPTY = 'if op.get_bind().execute(sa.text("SELECT count(*) FROM users")).scalar() == 0:'


def release(fixture_project, upgrade: str):
    project = fixture_project("alembic-base")
    project.revision("0003", "0002", upgrade)
    project.add_version("2.0", "0003")
    project.configure(checks={"idempotent": False}, matrix={"fresh": False, "downgrade": "none"})
    return project


CHECK_ONLY_WHEN_FRESH = f"""
{WHEN_EMPTY}
    with op.batch_alter_table("users") as batch:
        batch.create_check_constraint("ck_users_name_not_blank", "name <> ''")
"""


def test_check_added_only_on_a_fresh_install_fails_schema(fixture_project, run_migtest):
    outcome = run_migtest(release(fixture_project, CHECK_ONLY_WHEN_FRESH).config, "--only", UPGRADE)

    schema = failed(outcome, UPGRADE, "schema")["schema"]
    assert schema["summary"] == "1 difference(s) in 1 table(s) from a fresh install of 2.0"
    assert schema["evidence"] == ["table 'users': check 'ck_users_name_not_blank' (name <> '') missing after migrating"]


SAME_CHECKS_WRITTEN_DIFFERENTLY = f"""
{WHEN_EMPTY}
    op.drop_table("users")
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("email", sa.String(100)),
        sa.Column("nickname", sa.String(50), sa.CheckConstraint("nickname <> ''")),
        sa.CheckConstraint("length( name )>0 AND (email IS NULL OR length(email) > 3)", name="ck_users_valid"),
    )
else:
    with op.batch_alter_table("users") as batch:
        batch.create_check_constraint("ck_users_valid", "((LENGTH(name) > 0)) and (length(email)>3 or email is null)")
        batch.create_check_constraint("ck_users_nickname", "(nickname != '')")
"""


def test_same_checks_written_differently_pass_schema(fixture_project, run_migtest):
    outcome = run_migtest(release(fixture_project, SAME_CHECKS_WRITTEN_DIFFERENTLY).config, "--only", UPGRADE)

    assert outcome.exit_code == EXIT_OK, outcome.output
    assert outcome.check(UPGRADE, "schema")["summary"] == "equals a fresh install of 2.0 (1 tables)"


DIFFERENT_CONDITION = f"""
with op.batch_alter_table("users") as batch:
    batch.create_check_constraint("ck_users_name", "name <> ''")
    batch.create_check_constraint("ck_users_email", "email IS NULL OR length(email) > 3")
{WHEN_EMPTY}
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("ck_users_name", type_="check")
        batch.create_check_constraint("ck_users_name", "name <> '' AND name <> '-'")
"""


def test_check_whose_condition_differs_fails_schema_naming_it(fixture_project, run_migtest):
    outcome = run_migtest(release(fixture_project, DIFFERENT_CONDITION).config, "--only", UPGRADE)

    schema = failed(outcome, UPGRADE, "schema")["schema"]
    assert schema["evidence"] == [
        "table 'users': check 'ck_users_name': (name <> '') after migrating, (name <> '' AND name <> '-') fresh"
    ]

"""Which line of the migrations ran a finding points at, when its evidence names a table."""

from __future__ import annotations

from pathlib import Path

from migtest.results.locations import subject_line
from migtest.run.process import traceback_frame

DROPPED = ["table 'users': column 'email' dropped while 2 row(s) held a value in it"]


def test_the_line_with_the_deed_wins_over_a_mere_mention(tmp_path):
    older = tmp_path / "V2__orders.sql"
    older.write_text("CREATE TABLE orders (id INTEGER, user_id INTEGER REFERENCES users (id));\n")
    newer = tmp_path / "V3__contacts.sql"
    newer.write_text(
        "-- e-mail addresses move to their own table\n"
        "CREATE TABLE contacts (user_id INTEGER REFERENCES users (id), email TEXT);\n"
        "ALTER TABLE users DROP COLUMN email;\n"
    )
    assert subject_line((older, newer), DROPPED) == (newer, 3)
    lost = ["table 'users': 2 of 2 row(s) lost: id=1, id=2"]
    assert subject_line((older,), lost) is None  # a mention without the deed is no evidence
    newer.write_text("DELETE FROM users WHERE email IS NULL;\n")
    assert subject_line((older, newer), lost) == (newer, 1)


def test_nothing_named_nothing_found(tmp_path):
    migration = tmp_path / "V1.sql"
    migration.write_text("DROP TABLE users;\n")
    assert subject_line((migration,), ["ended at revision 3, expected 4"]) is None
    assert subject_line((), DROPPED) is None


def test_traceback_frame_is_the_innermost_in_the_tree_outside_installed_packages(tmp_path):
    output = (
        "Traceback (most recent call last):\n"
        f'  File "{tmp_path}/migrations/versions/0003.py", line 21, in upgrade\n'
        f'  File "{tmp_path}/.venv/lib/python3.12/site-packages/alembic/op.py", line 9, in execute\n'
        '  File "/usr/lib/python3/dist-packages/sqlalchemy/engine.py", line 1, in run\n'
        "sqlalchemy.exc.OperationalError: no such column: birth_year\n"
    )
    assert traceback_frame(output, tmp_path) == (Path(f"{tmp_path}/migrations/versions/0003.py"), 21)
    assert traceback_frame("no traceback", tmp_path) is None


def test_a_changed_value_points_at_the_update_that_changed_it(tmp_path):
    migration = tmp_path / "V3__names.sql"
    migration.write_text(
        "-- names are capitalised\nCREATE INDEX users_name ON users (name);\n\n"
        "UPDATE users\n   SET name = upper(name);\n"
    )
    changed = ["table 'users': id=1: name 'ada' -> 'ADA'", "table 'users': id=2: name 'bo' -> 'BO'"]
    assert subject_line((migration,), changed) == (migration, 5)  # the line naming the column and the deed
    migration.write_text("UPDATE users SET name = upper(name);\n")
    renamed = ["table 'users': id=1: name (now full_name) 'ada' -> 'ADA'"]
    assert subject_line((migration,), renamed) == (migration, 1)
    migration.write_text("-- nothing here\nUPDATE users\n   SET nickname = NULL;\n")
    assert subject_line((migration,), changed) == (migration, 2)  # the table and the deed

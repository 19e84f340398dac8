"""What counts as an edit of an Alembic revision (migtest/migrators/revision_edits.py): what runs,
not the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from migtest.migrators import revision_edits
from migtest.migrators.revision_edits import MAX_DIFF_LINES, Tree

RELEASED = '''"""add nickname

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(50)))


def downgrade():
    op.drop_column("users", "nickname")
'''
SAME = {
    "reformatted": RELEASED.replace(
        'op.add_column("users", sa.Column("nickname", sa.String(50)))',
        "op.add_column(\n        'users',\n        sa.Column('nickname', sa.String(50)),\n    )",
    ),
    "commented": RELEASED.replace("def upgrade():", "# reviewed in 1.2\ndef upgrade():  # adds a column"),
    "docstrings": RELEASED.replace('"""add nickname', '"""Add the nickname column, reworded').replace(
        "def upgrade():\n", 'def upgrade():\n    """Adds it."""\n'
    ),
    "annotated": RELEASED.replace('revision = "0002"', 'revision: str = "0002"')
    .replace("def upgrade():", "def upgrade() -> None:")
    .replace('down_revision = "0001"', 'down_revision: str | None = "0001"\nbranch_labels: tuple[str, ...]'),
}
CHANGED = {
    "upgrade() changed": RELEASED.replace("String(50)", "String(80)"),
    "downgrade() changed": RELEASED.replace('op.drop_column("users", "nickname")', "pass"),
    "module level changed": RELEASED.replace('down_revision = "0001"', 'down_revision = "0000"'),
    "helper() changed": RELEASED + "\n\ndef helper():\n    pass\n",
}


def edits(tmp_path: Path, old: str, new: str) -> tuple[revision_edits.Edited, ...]:
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "b").mkdir(exist_ok=True)
    (tmp_path / "a" / "0002_nickname.py").write_text(old)
    (tmp_path / "b" / "0002_nickname.py").write_text(new)
    applied = Tree("1.1", {"0002": tmp_path / "a" / "0002_nickname.py"}, (tmp_path / "a",))
    shipped = Tree("1.2", {"0002": tmp_path / "b" / "0002_nickname.py"}, (tmp_path / "b",))
    return revision_edits.edited(applied, shipped)


@pytest.mark.parametrize("kind", SAME)
def test_what_does_not_run_differently_is_no_edit(tmp_path, kind):
    assert edits(tmp_path, RELEASED, SAME[kind]) == ()


@pytest.mark.parametrize("kind", CHANGED)
def test_what_runs_differently_is_an_edit_of_its_function(tmp_path, kind):
    (edit,) = edits(tmp_path, RELEASED, CHANGED[kind])
    assert edit.migration == "0002"
    assert edit.evidence[0] == f"0002: {kind} since 1.1 applied it"
    assert edit.evidence[1:3] == ("  1.1: 0002_nickname.py", "  1.2: 0002_nickname.py")


def test_the_diff_is_bounded(tmp_path):
    many = "\n".join(f"    op.execute('UPDATE users SET n = {n}')" for n in range(100))
    (edit,) = edits(tmp_path, RELEASED, RELEASED.replace("def downgrade():\n", f"def downgrade():\n{many}\n"))
    assert len(edit.evidence) == 3 + MAX_DIFF_LINES + 1
    assert edit.evidence[-1].endswith("more diff line(s)")


def test_a_file_that_does_not_parse_is_compared_as_text(tmp_path):
    assert edits(tmp_path, "def upgrade(:\n", "def upgrade(:\n") == ()
    (edit,) = edits(tmp_path, "def upgrade(:\n", "def upgrade(:  # x\n")
    assert edit.evidence[0] == "0002: module level changed since 1.1 applied it"

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
    .replace('down_revision = "0001"', 'down_revision: str | None = "0001"\nbranch_labels: tuple[str, ...]')
    .replace("import sqlalchemy as sa\n", "from typing import Sequence\nimport sqlalchemy as sa\n"),
    "imports sorted": RELEASED.replace(
        "import sqlalchemy as sa\nfrom alembic import op\n", "from alembic import op\nimport sqlalchemy as sa\n"
    ),
    "an unused import dropped": RELEASED.replace("import sqlalchemy as sa\n", "import sqlalchemy as sa\nimport os\n"),
}
CHANGED = {  # what differs: what the evidence says changed
    "a column's length": ("upgrade()", RELEASED.replace("String(50)", "String(80)")),
    "downgrade's body": ("downgrade()", RELEASED.replace('op.drop_column("users", "nickname")', "pass")),
    "its place in the graph": ("module level", RELEASED.replace('down_revision = "0001"', 'down_revision = "0000"')),
    "a new helper": ("helper()", RELEASED + "\n\ndef helper():\n    pass\n"),
    "op from elsewhere": ("module level", RELEASED.replace("from alembic import op", "from app.compat import op")),
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
    changed, text = CHANGED[kind]
    (edit,) = edits(tmp_path, RELEASED, text)
    assert edit.migration == "0002"
    assert edit.evidence[0] == f"0002: {changed} changed since 1.1 applied it"
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

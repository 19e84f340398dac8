"""How SQL files are cut into statements (migration and seed files alike)."""

from __future__ import annotations

from migtest.migrators.sql import commits_implicitly, statement_line, statements


def test_comment_only_fragments_are_dropped_and_leading_comments_kept(tmp_path):
    path = tmp_path / "V1.sql"
    path.write_text("-- only a comment\n;\nSELECT 1;\n/* c */ -- x\nCREATE TABLE t (a INT);\n-- trailing")
    assert statements(path) == ["SELECT 1;", "/* c */ -- x\nCREATE TABLE t (a INT);"]
    assert statement_line(path.read_text(), tuple(statements(path)), 2) == 5


def test_a_long_insert_is_one_statement(tmp_path):
    """sqlparse refuses to group more than 10 000 tokens; a seed file's INSERT has more."""
    path = tmp_path / "seed.sql"
    path.write_text("INSERT INTO t VALUES " + ", ".join(f"({n}, 'row {n}')" for n in range(5000)) + ";\n")
    assert len(statements(path)) == 1


def test_ddl_after_comments_commits_implicitly_on_mysql():
    assert commits_implicitly("-- why\n/* how */ ALTER TABLE t ADD b INT")
    assert not commits_implicitly("-- x\nINSERT INTO t VALUES (1)")
    assert not commits_implicitly("CREATE TEMPORARY TABLE t (a INT)")

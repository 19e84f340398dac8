"""How SQL files are cut into statements (migration and seed files alike): as sqlparse cuts them, which
migtest.sql.split does without sqlparse for all but the statements sqlparse nests."""

from __future__ import annotations

import hypothesis
import pytest
import seed_sql
import sqlparse
from hypothesis import strategies as st
from sqlparse.lexer import Lexer

from migtest.migrators.sql import commits_implicitly, statement_line, statements
from migtest.sql import split as sqlsplit


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


# What sqlparse nests or keeps whole: strings and names holding `;`, comments, dollar quotes,
# parentheses, a function's and a trigger's BEGIN...END, CASE...END, a transaction's BEGIN, GO.
CASES = [
    "-- only a comment\n;\nSELECT 1;\n/* c */ -- x\nCREATE TABLE t (a INT);\n-- trailing",
    "SELECT 1; -- kept with it\nSELECT 'a;b'; SELECT $$ ; $$; SELECT $t$ $$; $t$; SELECT \"a;b\", `c;d`, [e;f];",
    "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END; $$ LANGUAGE plpgsql;\nSELECT 2;",
    "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; IF NEW.b THEN SET NEW.c = 2; END IF; END;"
    "\nINSERT INTO x VALUES (1);",
    "CREATE PROCEDURE p() BEGIN DECLARE x INT; SET x = 1; WHILE x < 3 DO SET x = x + 1; END WHILE; END; SELECT 1;",
    "BEGIN; INSERT INTO t VALUES (1); COMMIT; BEGIN TRANSACTION; SELECT 1; END;",
    "UPDATE t SET a = CASE WHEN b THEN 1 ELSE 2 END; SELECT (1; SELECT 2); SELECT 3;",
    "SELECT 1+-- it's\n2; SELECT 'x\\'; y'; SELECT %(x;)s; SELECT 1; --+hint\nSELECT 2; /* c */ SELECT 3",
    "SELECT 1\nGO 2\nSELECT END# x; y\n; SELECT BEGIN$x; SELECT now() AT TIME ZONE 'a''b;c';",
]
FRAGMENTS = [
    *[";", " ", "\n", "\r\n", "(", ")", "'", "''", "\\'", '"', "`", "[", "]", "$$", "$a$", "$A$", "$1"],
    *["--", "-- c\n", "# ", "#x", "/*", "*/", "/*+", "--+", "+", "-", "/", "%(", "%s", ":", "::", "\\", "é"],
    *["BEGIN", "END", "END IF", "IF", "DECLARE", "CREATE", "GO", "GO 2", "CASE", "LOOP", "WHILE", "DO", "TRANSACTION"],
    *["AT TIME ZONE 'a''b'", "WITH'", "x", "a$b", "a#", "1", "-1", "1.5", "0x1F", "1E5", ".", ",", "NULL", "NOT NULL"],
    *["ORDER BY", "x.y", "f(", "NULLS FIRST", "UNION ALL", "LEFT JOIN", "INSERT INTO t VALUES"],
]


@pytest.mark.parametrize("text", CASES)
def test_statements_are_sqlparses(text):
    assert sqlsplit.split(text) == sqlparse.split(text)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map(" ".join))
def test_statements_of_any_mix_of_what_matters_are_sqlparses(text):
    assert sqlsplit.split(text) == sqlparse.split(text)


@pytest.mark.parametrize("sql", [seed_sql.inserts(2000), seed_sql.one_insert(2000), seed_sql.migrations(20)])
def test_generated_seeds_and_migrations_are_split_as_sqlparse_splits_them(sql):
    assert sqlsplit.split(sql) == sqlparse.split(sql)


def test_plain_statements_never_reach_sqlparse(monkeypatch):
    """The fast path: a seed of INSERTs is cut without sqlparse's lexer (whose pace is the problem)."""
    monkeypatch.setattr(Lexer, "get_tokens", None)
    assert len(sqlsplit.split(seed_sql.inserts(500))) == 500

"""SQL the way big seed files and migrations hold it, with what makes cutting it into statements
hard: strings holding `;`, doubled quotes, backslashes, comment and dollar-quote markers, block
words and line breaks; functions, triggers and CASE expressions (tests/unit/test_sql_split.py,
bench/split.py)."""

from __future__ import annotations

TRICKY = [
    "a;b",
    "it''s",
    "back\\slash",
    "-- not a comment;",
    "/* nor this; */",
    "$$ no quote; $$",
    "BEGIN; END;",
    "line\nbreak;",
    "# hash",
    "(paren;",
    "Zoë",
]


def inserts(count: int) -> str:
    """`count` one-line INSERTs, each with one of TRICKY, some with a comment after them."""
    lines = []
    for number in range(count):
        note = TRICKY[number % len(TRICKY)]
        comment = " -- row " + str(number) if number % 7 == 0 else ""
        lines.append(f"INSERT INTO users (id, name, note) VALUES ({number}, 'user {number}', '{note}');{comment}\n")
    return "".join(lines)


def one_insert(rows: int) -> str:
    """One INSERT of `rows` rows, as mysqldump writes them."""
    values = ", ".join(f"({n}, '{TRICKY[n % len(TRICKY)]}', NULL)" for n in range(rows))
    return f"INSERT INTO users (id, note, email) VALUES {values};\n"


def migrations(count: int) -> str:
    """`count` groups of DDL with what sqlparse nests: a PL/pgSQL function in dollar quotes, a
    MySQL trigger's BEGIN...END, an UPDATE with CASE...END, and a transaction's BEGIN."""
    parts = []
    for number in range(count):
        parts.append(
            f"/* migration {number} */\nCREATE TABLE t{number} (id INT PRIMARY KEY, state VARCHAR(10));\n"
            f"CREATE FUNCTION f{number}() RETURNS trigger AS $body$ BEGIN NEW.state := 'a;b'; RETURN NEW; END; "
            "$body$ LANGUAGE plpgsql;\n"
            f"CREATE TRIGGER g{number} BEFORE INSERT ON t{number} FOR EACH ROW BEGIN "
            "IF NEW.state IS NULL THEN SET NEW.state = 'new'; END IF; END;\n"
            f"UPDATE t{number} SET state = CASE WHEN id > 1 THEN 'many' ELSE 'one' END;\n"
            f"BEGIN;\nINSERT INTO t{number} VALUES (1, 'x');\nCOMMIT;\n"
        )
    return "".join(parts)

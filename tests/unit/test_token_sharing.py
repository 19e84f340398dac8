"""Tokens asked for ahead are taken by whichever connection gets to them first (the worker's, or
the capture's while it waits), each table's once: asking again, after reading the table, does not
hash it again."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from migtest.capture import row_tokens
from migtest.capture.dialects import Name
from migtest.capture.token_reader import Tokens


def test_each_table_is_hashed_once_whoever_hashes_it(monkeypatch):
    hashed: list[str] = []

    def tokens(connection: object, tables: dict[str, Name]) -> dict[str, str]:
        hashed.extend(tables)
        return {key: f"token of {key}" for key in tables}

    def export(self: Tokens) -> bool:
        self.worker = ThreadPoolExecutor(1)
        return True

    monkeypatch.setattr(row_tokens, "tokens", tokens)
    monkeypatch.setattr(Tokens, "_export", export)
    monkeypatch.setattr(Tokens, "_open", lambda self: SimpleNamespace(close=lambda: None))
    tables = {key: Name(None, key) for key in "abcdefgh"}
    with Tokens(SimpleNamespace(dialect=SimpleNamespace(name="postgresql")), True) as taken:  # type: ignore[arg-type]
        taken.start(tables)
        for _ in range(2):  # before reading a table, and after
            assert {key: taken.get(key, table) for key, table in tables.items()} == tokens(None, tables)
    assert Counter(hashed) == {key: 1 + 2 for key in tables}  # once, and twice by this test

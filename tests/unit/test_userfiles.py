"""Files users write are read as UTF-8 and as YAML whose aliases are bounded: what cannot be read
is a ConfigError naming the file (and where in it), never a traceback or minutes of expansion."""

from __future__ import annotations

import tracemalloc

import pytest

from migtest.config.userfiles import MAX_ALIAS_EXPANSION, load_yaml, read_text
from migtest.errors import ConfigError


def alias_bomb(depth: int = 9, width: int = 9) -> str:
    """About 700 bytes standing for width**depth strings (a "billion laughs")."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, depth)]
    return "\n".join(lines) + "\n"


def test_text_that_is_not_utf8_names_the_byte_its_offset_and_line(tmp_path):
    path = tmp_path / "seed.sql"
    path.write_bytes(b"SELECT 1;\n-- caf\xe9\n")

    with pytest.raises(ConfigError) as error:
        read_text(path)

    assert str(error.value) == f"{path}: not UTF-8: byte 0xe9 at offset 16 (line 2); save the file as UTF-8"


def test_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    path = tmp_path / "migtest.yml"
    path.write_text(alias_bomb())
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as error:
            load_yaml(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert f"its aliases (*name) expand to 490,329,064 values from 28 written; at most {MAX_ALIAS_EXPANSION:,}" in str(
        error.value
    )
    assert peak < 5_000_000


def test_aliases_that_expand_moderately_still_load(tmp_path):
    path = tmp_path / "migtest.yml"
    path.write_text(alias_bomb(depth=4) + "base: &base {a: 1, b: 2}\nmerged: {<<: *base, b: 3}\n")

    data = load_yaml(path)

    assert len(data["a3"]) == 9 and data["a3"][0][0][0][0] == "lol"
    assert data["merged"] == {"a": 1, "b": 3}


def test_alias_inside_the_node_it_names_is_refused(tmp_path):
    path = tmp_path / "migtest.yml"
    path.write_text("versions:\n  - &loop [1, *loop]\n")

    with pytest.raises(ConfigError, match=r"the anchor at line 2 holds an alias to itself"):
        load_yaml(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [\n", "not valid YAML"),
        ("\x00a: 1\n", "not valid YAML: unacceptable character #x0000"),
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        ("", None),
    ],
)
def test_broken_or_empty_yaml(tmp_path, text, message):
    path = tmp_path / "migtest.yml"
    path.write_text(text)
    if message is None:
        assert load_yaml(path) is None
        return
    with pytest.raises(ConfigError, match=message):
        load_yaml(path)

"""Names derived from version names: safe for their target, within its length, never shared."""

from __future__ import annotations

import re

import pytest

from migtest.databases.server import MAX_NAME
from migtest.run.naming import DATABASE, FILE, IMAGE_REPOSITORY, safe_name

TRICKY = ["α", "β", "γ", "A", "a", "1.0", "1_0", "1-0", "a/b", "a_b", "x" * 300, "x" * 301, "ü", "u", "_", "", "-a"]
DOCKER_REPOSITORY = re.compile(r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*")  # the distribution spec's component
DOCKER_OBJECT = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")  # container, network and volume names


def test_plain_names_are_kept_as_they_are():
    assert safe_name("1.0") == "1.0"
    assert safe_name("upgrade-1.0-to-2.0") == "upgrade-1.0-to-2.0"
    assert safe_name("release_12", DATABASE, 40) == "release_12"


@pytest.mark.parametrize("alphabet", [FILE, DATABASE, IMAGE_REPOSITORY])
def test_different_names_never_meet(alphabet):
    names = [safe_name(name, alphabet, 48) for name in TRICKY]
    assert len(set(names)) == len(TRICKY), names


def test_greek_versions_keep_apart_as_database_names_with_their_digest():
    alpha, beta = safe_name("template-α", DATABASE, 48), safe_name("template-β", DATABASE, 48)
    assert alpha != beta
    assert re.fullmatch(r"template_[0-9a-f]{8}", alpha)


@pytest.mark.parametrize("name", TRICKY)
def test_each_target_gets_its_grammar_and_length(name):
    prefix = "migtest_abcdef_"
    database = prefix + safe_name(name, DATABASE, MAX_NAME - len(prefix))
    assert re.fullmatch(r"[a-z0-9_]+", database) and len(database.encode()) <= MAX_NAME
    assert DOCKER_REPOSITORY.fullmatch(safe_name(name, IMAGE_REPOSITORY))
    file_name = safe_name(name)
    assert DOCKER_OBJECT.fullmatch(f"m-{file_name}") and len(file_name) <= 100 and "/" not in file_name


def test_a_cut_name_keeps_apart_from_its_longer_twin():
    long, longer = "v" * 80, "v" * 81
    assert safe_name(long, DATABASE, 40) != safe_name(longer, DATABASE, 40)
    assert len(safe_name(longer, DATABASE, 40)) == 40


def test_a_length_with_no_room_for_the_digest_is_a_programming_error():
    with pytest.raises(ValueError):
        safe_name("α", DATABASE, 8)

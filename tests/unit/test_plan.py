from migtest.config import MatrixConfig, Version
from migtest.plan import plan, select

VERSIONS = tuple(Version(name=name) for name in ("1.0", "1.1", "1.2", "2.0"))


def ids(matrix: MatrixConfig) -> list[str]:
    return [s.id for s in plan(VERSIONS, matrix)]


def test_chain_with_skip_and_downgrades():
    assert ids(MatrixConfig(skip=(("1.0", "2.0"),))) == [
        "fresh-1.0",
        "fresh-1.1",
        "fresh-1.2",
        "fresh-2.0",
        "upgrade-1.0-to-1.1",
        "upgrade-1.1-to-1.2",
        "upgrade-1.2-to-2.0",
        "skip-1.0-to-2.0",
        "downgrade-2.0-to-1.2",
        "downgrade-1.2-to-1.1",
        "downgrade-1.1-to-1.0",
    ]


def test_all_to_head_makes_a_skip_pair_redundant():
    matrix = MatrixConfig(fresh=False, upgrade="all-to-head", skip=(("1.0", "2.0"),), downgrade="none")
    assert ids(matrix) == ["upgrade-1.0-to-2.0", "upgrade-1.1-to-2.0", "upgrade-1.2-to-2.0"]


def test_nothing_but_fresh_installs():
    assert ids(MatrixConfig(upgrade="none", downgrade="none")) == ["fresh-1.0", "fresh-1.1", "fresh-1.2", "fresh-2.0"]


def test_select_by_kind_and_glob():
    scenarios = plan(VERSIONS, MatrixConfig())
    assert [s.id for s in select(scenarios, ["downgrade"])][:1] == ["downgrade-2.0-to-1.2"]
    assert [s.id for s in select(scenarios, ["*-to-2.0"])] == ["upgrade-1.2-to-2.0"]
    assert select(scenarios, []) == scenarios

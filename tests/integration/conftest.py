"""Fixtures of the integration tests; the helpers they use live in integration_support.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from integration_support import FixtureProject, copy_fixture

from migtest.capture.row_store import SPILL_ENV

# Real projects whose releases take minutes to install from PyPI run with `make realworld-*`
# (MIGTEST_REALWORLD=1) only: left out of the default suite rather than skipped in it.
collect_ignore = [] if os.environ.get("MIGTEST_REALWORLD") else ["test_realworld_mlflow.py"]


@pytest.fixture
def fixture_project(tmp_path: Path) -> Callable[[str], FixtureProject]:
    """A fresh copy of tests/fixtures/NAME to change and run."""
    copies = iter(range(1000))

    def copy(name: str) -> FixtureProject:
        return copy_fixture(name, tmp_path / "projects" / f"{name}-{next(copies)}")

    return copy


@pytest.fixture(params=["memory", "disk"])
def row_stores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test once with captures in memory and once with every table on disk (see
    migtest/capture/row_store.py): the checks must find the same, with the same evidence, either way."""
    if request.param == "disk":
        monkeypatch.setenv(SPILL_ENV, "0")
    else:
        monkeypatch.delenv(SPILL_ENV, raising=False)  # the default budget, whatever the shell set
    return request.param


@pytest.fixture
def rows_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default memory budget, for a test of what captures held in memory do, even where the
    shell sets `MIGTEST_SPILL_ROWS=0` to run the suite with every table on disk."""
    monkeypatch.delenv(SPILL_ENV, raising=False)

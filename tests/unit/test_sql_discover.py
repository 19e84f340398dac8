"""The `sql` migrator parses a folder's file names once per listing: a file added, renamed or
removed is seen at the next call, and a name that fits no pattern is an error every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from migtest.config import MigrationsConfig
from migtest.errors import ConfigError
from migtest.migrators.sql import discover

CONFIG = MigrationsConfig(tool="sql", dir=Path("db"))


def labels(directory: Path) -> list[tuple[str, bool]]:
    return [(migration.label, migration.down is not None) for migration in discover(directory, CONFIG)]


def test_a_changed_listing_is_parsed_again(tmp_path):
    (tmp_path / "V1__a.sql").write_text("SELECT 1;")
    assert labels(tmp_path) == [("1", False)]
    (tmp_path / "V2__b.sql").write_text("SELECT 2;")
    (tmp_path / "U2__b.sql").write_text("SELECT 2;")
    assert labels(tmp_path) == [("1", False), ("2", True)]
    (tmp_path / "V2__b.sql").rename(tmp_path / "V3__b.sql")
    with pytest.raises(ConfigError, match="undo file without a migration"):
        discover(tmp_path, CONFIG)
    (tmp_path / "U2__b.sql").unlink()
    assert labels(tmp_path) == [("1", False), ("3", False)]


def test_a_name_that_fits_no_pattern_fails_every_time(tmp_path):
    (tmp_path / "notes.sql").write_text("")
    for _ in range(2):
        with pytest.raises(ConfigError, match="does not follow"):
            discover(tmp_path, CONFIG)

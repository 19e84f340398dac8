"""results.json: every scenario, phase timing and check with its evidence."""

from __future__ import annotations

import json
from pathlib import Path

from migtest.masking import mask
from migtest.results import RunResult


def write(result: RunResult, directory: Path) -> Path:
    path = directory / "results.json"
    path.write_text(mask(json.dumps(result.to_dict(), indent=2, default=str)) + "\n")
    return path

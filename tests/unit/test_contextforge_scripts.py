"""The contextforge example's release-independent scripts: the Python a release's pins are
resolved for (from its Requires-Python), and the alembic.ini of whatever venv runs the downgrade,
so no script hard-codes python3.11 (1.0.8 and later require 3.12)."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/contextforge"


def script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), EXAMPLE / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("requires", "python"),
    [(">=3.11", "3.11"), ("<3.14,>=3.11", "3.11"), ("<3.14,>=3.12", "3.12"), (">=3.13", "3.13"), ("", "3.11")],
)
def test_the_oldest_python_the_release_allows_is_picked(requires, python):
    assert script("release-python").oldest_allowed(requires) == python


def test_a_release_no_candidate_python_allows_is_refused():
    assert script("release-python").oldest_allowed(">=3.14") is None


def test_every_constraints_file_names_the_python_make_venv_builds_with():
    for constraints in sorted((EXAMPLE / "constraints").glob("*.txt")):
        first = constraints.read_text().splitlines()[0]
        assert first in ("# python 3.11", "# python 3.12", "# python 3.13"), constraints.name


def test_downgrade_finds_alembic_ini_in_the_installed_package_without_importing_it(tmp_path, monkeypatch):
    package = tmp_path / "site-packages" / "mcpgateway"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site-packages"))
    monkeypatch.delitem(sys.modules, "mcpgateway", raising=False)
    assert script("downgrade").alembic_ini() == package / "alembic.ini"

"""junit.xml as real consumers read it, for a failing run of versions whose names hold dots: the
Jenkins junit-10 XSD, junitparser (what Python CI tools build on), junit2html (a rendered page)
and, under node, junit-to-ctrf (how ctrf's GitHub test reporter reads JUnit; installed in
tests/consumers by scripts/install-test-machine.sh)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
import yaml
from junit2htmlreport.parser import Junit
from junitparser import Attr, IntAttr, JUnitXml, TestCase

from migtest.cli import EXIT_FAILED, main

XSD = Path(__file__).parents[1] / "fixtures/junit-10.xsd"
JUNIT_TO_CTRF = Path(__file__).parents[1] / "consumers/node_modules/junit-to-ctrf/dist/cli.js"
REASON = "2 change(s) to existing data"


def dotted_project(root: Path) -> Path:
    """Versions 1.3 and 2.0; 2.0 rewrites a name (line 2) and drops a column holding values (line 3)."""
    (root / "db").mkdir(parents=True)
    (root / "seeds").mkdir()
    (root / "db/V1__users.sql").write_text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);\n")
    (root / "db/V2__drop_email.sql").write_text(
        "-- e-mail moves out\nUPDATE users SET name = 'x';\nALTER TABLE users DROP COLUMN email;\n"
    )
    (root / "seeds/1.3.sql").write_text("INSERT INTO users (id, name, email) VALUES (1, 'Ada', 'a@x');")
    (root / "seeds/2.0.sql").write_text("INSERT INTO users (id, name) VALUES (1, 'Ada');")
    config = {
        "migrations": {"tool": "sql", "dir": "db"},
        "versions": [{"name": "1.3", "revision": "1"}, {"name": "2.0", "revision": "2"}],
        "seed": {"sql": "seeds/{version}.sql"},
        "report": {"dir": "out"},
    }
    (root / "migtest.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return root / "migtest.yml"


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    config = dotted_project(tmp_path / "project")
    assert main(["run", "-c", str(config), "--jobs", "2"]) == EXIT_FAILED
    return tmp_path / "project/out"


class PlacedCase(TestCase):
    """junitparser's documented way to read attributes beyond its schema."""

    file = Attr()
    line = IntAttr()


def test_junitparser_names_the_scenario_check_file_line_and_reason(report):
    parsed = JUnitXml.fromfile(str(report / "junit.xml"))
    cases = {(case.classname, case.name): PlacedCase.fromelem(case) for suite in parsed for case in suite}
    content = cases[("migtest.upgrade-1_3-to-2_0", "content")]
    assert (content.file, content.line) == ("project/db/V2__drop_email.sql", 3)
    (failure,) = content.result
    assert failure.message == REASON
    assert failure.text.splitlines() == [
        REASON,
        "table 'users': column 'email' dropped while 1 row(s) held a value in it",
        "table 'users': id=1: name 'Ada' -> 'x'",
    ]
    (skip,) = cases[("migtest.downgrade-2_0-to-1_3", "downgrade")].result
    assert skip.text == skip.message == "cannot downgrade: no undo file for version 2"
    passed = cases[("migtest.upgrade-1_3-to-2_0", "rows")]
    assert (passed.file, passed.line) == ("project/migtest.yml", 7)  # the target version's entry (2.0)
    # "last dotted part" parsers take the file from the classname: it is the whole scenario
    assert {classname.split(".")[-1] for classname, _name in cases} == {
        "fresh-1_3",
        "fresh-2_0",
        "upgrade-1_3-to-2_0",
        "downgrade-2_0-to-1_3",
    }


def test_junit2html_page_shows_the_reason_first_and_the_evidence(report):
    parsed = Junit(str(report / "junit.xml"))
    suite = next(suite for suite in parsed.suites if suite.name == "upgrade 1.3 -> 2.0")
    case = next(case for case in suite.all() if case.name == "content")
    assert case.testclass.name == "migtest.upgrade-1_3-to-2_0"
    assert case.failure_msg == REASON and case.failure.startswith(f"{REASON}\ntable 'users'")
    page = parsed.html()
    assert "upgrade 1.3 -&gt; 2.0" in page and "name &#39;Ada&#39; -&gt; &#39;x&#39;" in page


def test_valid_against_jenkins_junit10_xsd_timed_everywhere(report):
    text = (report / "junit.xml").read_text()
    tree = ET.fromstring(text)
    # junit-10 predates the testcase `file` and `line` (`lineno`) that linking consumers read: the only deviation
    for case in tree.iter("testcase"):
        assert set(case.attrib) == {"name", "classname", "time", "file", "line", "lineno"}
        del case.attrib["file"], case.attrib["line"], case.attrib["lineno"]
    xmlschema.XMLSchema(XSD).validate(ET.tostring(tree, encoding="unicode"))

    times = re.findall(r'time="([^"]*)"', text)
    assert times and all(re.fullmatch(r"\d+\.\d{3}", value) for value in times)
    assert "disabled" not in text
    results = json.loads((report / "results.json").read_text())
    assert tree.get("time") == f"{results['seconds']:.3f}"  # the wall time, not the scenarios' sum
    assert (tree.get("tests"), tree.get("failures"), tree.get("errors")) == ("9", "1", "0")
    for suite, scenario in zip(tree.iter("testsuite"), results["scenarios"], strict=True):
        shares = [float(case.get("time")) for case in suite.iter("testcase")]
        assert sum(shares) == pytest.approx(scenario["seconds"], abs=0.001 * len(shares))


def test_junit_to_ctrf_under_node_names_the_scenario_check_file_line_and_reason(report, tmp_path):
    node = shutil.which("node")
    assert node and JUNIT_TO_CTRF.is_file(), "run scripts/install-test-machine.sh (node and tests/consumers)"
    ctrf = tmp_path / "ctrf.json"
    command = [node, str(JUNIT_TO_CTRF), str(report / "junit.xml"), "--output", str(ctrf), "--tool", "migtest"]
    subprocess.run(command, check=True, capture_output=True, timeout=60)

    results = json.loads(ctrf.read_text())["results"]
    counts = {key: results["summary"][key] for key in ("tests", "passed", "failed", "skipped")}
    assert counts == {"tests": 9, "passed": 7, "failed": 1, "skipped": 1}
    tests = {test["name"]: test for test in results["tests"]}
    content = tests["upgrade 1.3 -> 2.0: content"]
    assert (content["status"], content["suite"]) == ("failed", ["upgrade 1.3 -> 2.0"])
    assert (content["filePath"], content["line"], content["message"]) == ("project/db/V2__drop_email.sql", 3, REASON)
    assert content["trace"].startswith(f"{REASON}\ntable 'users': column 'email' dropped")
    skipped = tests["downgrade 2.0 -> 1.3: downgrade"]
    assert (skipped["status"], skipped["filePath"], skipped["line"]) == (
        "skipped",
        "project/migtest.yml",
        5,
    )  # its target, 1.3

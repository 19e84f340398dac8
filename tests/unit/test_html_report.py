"""report.html read back with the standard library's HTML parser: the matrix's cells link to their
scenarios, the timeline puts phases on the run's time axis, evidence lines are highlighted by the
documented rule, and nothing on the page reaches for the network."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from migtest.masking import register_url_password
from migtest.plan import Scenario
from migtest.reports import html
from migtest.results import FAILED, PASSED, SKIPPED, CheckResult, Phase, RunResult, ScenarioResult, timed


class Elements(HTMLParser):
    """Every element's tag and attributes in document order, the ids, and the text inside `pre`."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.in_pre = False
        self.pre = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self.in_pre = self.in_pre or tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        self.in_pre = self.in_pre and tag != "pre"

    def handle_data(self, data: str) -> None:
        if self.in_pre:
            self.pre += data

    def with_class(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for _tag, attrs in self.elements if name in (attrs.get("class") or "").split()]


def parsed(result: RunResult) -> Elements:
    elements = Elements()
    elements.feed(html.render(result))
    return elements


def scenario(kind: str, source: str | None, target: str, phases: list[Phase], status: str = PASSED) -> ScenarioResult:
    return ScenarioResult(Scenario(kind, source, target), phases, [CheckResult("schema", status, "")])


def three_releases() -> RunResult:
    scenarios = [
        scenario("fresh", None, "1", [Phase("install 1", 2.0, start=0.0)]),
        scenario("upgrade", "1", "2", [Phase("seed", 1.0, start=2.0), Phase("upgrade", 3.0, start=3.0)], FAILED),
        scenario("upgrade", "2", "3", [Phase("upgrade", 4.0, start=2.0)], SKIPPED),
        scenario("downgrade", "2", "1", [Phase("downgrade", 1.0, start=6.0)]),
    ]
    return RunResult("/work/shop/ci/migtest.yml", ["1", "2", "3"], scenarios, 8.0, "/work/shop")


def test_matrix_cells_are_colored_by_status_and_link_to_their_scenario():
    page = parsed(three_releases())
    tags = [tag for tag, _attrs in page.elements]
    start = page.elements.index(("table", {"class": "matrix"}))
    matrix = page.elements[start : tags.index("table", start + 1)]
    cells = [attrs["class"] for tag, attrs in matrix if tag == "td"]
    assert cells == ["passed", "failed", "none", "passed", "none", "skipped", "none", "none", "none"]
    ids = {attrs["id"] for _tag, attrs in page.elements if attrs.get("id")}
    links = [attrs["href"] for tag, attrs in page.elements if tag == "a"]
    assert links[:4] == ["#s1", "#s2", "#s4", "#s3"] and {link[1:] for link in links} <= ids


def test_header_names_the_configuration_relative_to_the_project():
    header = "<p>4 scenarios: 2 passed, 1 failed, 1 skipped in 8.0s (ci/migtest.yml).</p>"
    assert header in html.render(three_releases())


def test_timeline_places_parallel_phases_on_the_run_time_axis():
    bars = parsed(three_releases()).with_class("bar")
    geometry = [re.findall(r"[\d.]+", bar["style"]) for bar in bars]
    # the axis ends with the last phase, at 7 s: seed 2-3 s, the upgrade 3-6 s; the other upgrade beside them
    expected = [["0.00", "28.57"], ["28.57", "14.29"], ["42.86", "42.86"], ["28.57", "57.14"], ["85.71", "14.29"]]
    assert geometry == expected
    assert [bar["class"] for bar in bars[1:3]] == ["bar k-seed", "bar k-migrate"]
    labels = parsed(three_releases()).with_class("label")
    assert [(label["class"], label["title"]) for label in labels[1:3]] == [
        ("label failed", "upgrade 1 -> 2"),
        ("label skipped", "upgrade 2 -> 3"),
    ]
    legend = re.search(r'<p class="legend">(.*?)</p>', html.render(three_releases()))[1]
    assert re.findall(r'class="k-(\w+)"', legend) == ["install", "seed", "migrate"]  # the kinds drawn


def test_phases_without_start_times_follow_each_other_from_zero():
    """A results.json written before phases had start times (`migtest merge` reads old files)."""
    data = three_releases().to_dict()
    del data["startup"]
    for item in data["scenarios"]:
        for phase in item["phases"]:
            del phase["start"]
    result = RunResult.from_dict(json.loads(json.dumps(data)))
    assert result.scenarios[1].phases[1].start is None and "start" not in result.to_dict()["scenarios"][1]["phases"][1]
    bars = parsed(result).with_class("bar")
    assert [bar["style"] for bar in bars[1:3]] == ["left:0.00%;width:25.00%", "left:25.00%;width:75.00%"]


def test_what_came_before_the_scenarios_is_one_row_in_the_order_it_ran():
    result = three_releases()
    result.setups = [Phase("setup 2", 2.0, start=4.0)]
    result.startup = [Phase("database server postgres:16", 3.0, start=0.0), Phase("image 2", 1.0, start=3.0)]
    read_back = RunResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert read_back.startup == result.startup
    page = html.render(read_back)
    first_row = re.search(r'<div class="row"><span class="label" title="[^"]*">(.*?)</span>(.*?)</div></div>', page)
    assert first_row[1] == "before the scenarios"
    assert re.findall(r'class="bar (k-\w+)" style="left:([\d.]+)%', first_row[2]) == [
        ("k-container", "0.00"),
        ("k-container", "42.86"),
        ("k-setup", "57.14"),
    ]


def test_a_phase_outside_the_scenarios_is_recorded_however_it_ends():
    phases: list[Phase] = []
    with pytest.raises(OSError), timed("database server postgres:16", 0.0, phases):
        raise OSError("no such image")
    (phase,) = phases
    assert phase.status == FAILED and phase.start is not None and phase.start > 0


def test_a_container_wait_is_drawn_inside_its_phase_and_a_failed_phase_is_marked():
    start = Phase("verify app 2", 4.0, FAILED, figures={"ready_seconds": 1.0}, start=0.0)
    page = html.render(RunResult("migtest.yml", ["1", "2"], [scenario("upgrade", "1", "2", [start])], 4.0))
    assert '<div class="bar k-app failed" style="left:0.00%;width:100.00%" title="verify app 2 4.00s">' in page
    assert '<div class="wait" style="width:25.0%"></div>' in page
    assert '<i class="wait"></i>hatched: a container starting, until it is ready' in page
    assert "hatched" not in html.render(three_releases())


def test_step_walk_lists_each_migration_with_its_durations():
    steps = [
        scenario("step", "base", "a1", [Phase("upgrade", 2.0), Phase("downgrade", 0.5), Phase("upgrade again", 1.0)]),
        scenario("step", "a1", "b2", [Phase("upgrade", 1.0)]),
    ]
    page = html.render(RunResult("migtest.yml", ["base", "a1", "b2"], steps, 4.5))
    assert 'class="matrix"' not in page
    cells = r"<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>"
    rows = re.findall(rf'<tr class="passed"><td><a href="#s\d">(.*?)</a></td>{cells}', page)
    assert rows == [
        ("base → a1", '<span class="duration" style="width:100px"></span> 2.00s', "0.50s", "1.00s"),
        ("a1 → b2", '<span class="duration" style="width:50px"></span> 1.00s', "·", "·"),
    ]


def test_evidence_differences_are_highlighted():
    evidence = [
        "table 'users': id=1: name 'Ada' -> 'ADA'",
        "column 'age' type: 'TEXT' after migrating, 'INTEGER' fresh",
        "table 'orders': 2 of 5 row(s) lost: id=1, id=2",
        "column 'email' present after migrating, not in a fresh install",
        "-old line",
        "+new line",
        "a plain line",
    ]
    check = CheckResult("content", FAILED, "changed", evidence)
    result = RunResult("migtest.yml", ["1", "2"], [ScenarioResult(Scenario("upgrade", "1", "2"), [], [check])], 1.0)
    pre = re.search(r'<pre class="evidence">(.*?)</pre>', html.render(result), re.S)[1].splitlines()
    assert pre == [
        "table &#x27;users&#x27;: id=1: name <del>&#x27;Ada&#x27;</del> -&gt; <ins>&#x27;ADA&#x27;</ins>",
        "column &#x27;age&#x27; type: <ins>&#x27;TEXT&#x27;</ins> after migrating, "
        "<del>&#x27;INTEGER&#x27;</del> fresh",
        '<span class="removed">table &#x27;orders&#x27;: 2 of 5 row(s) lost: id=1, id=2</span>',
        '<span class="added">column &#x27;email&#x27; present after migrating, not in a fresh install</span>',
        '<span class="removed">-old line</span>',
        '<span class="added">+new line</span>',
        "a plain line",
    ]


def test_page_is_self_contained_and_masks_passwords():
    register_url_password("postgresql://app:hunter2-secret@db/shop")
    result = three_releases()
    result.scenarios[1].checks[0].evidence = ["could not connect to postgresql://app:hunter2-secret@db/shop"]
    result.scenarios[1].checks[0].summary = "login hunter2-secret refused"
    page = html.render(result)
    assert "hunter2" not in page and "postgresql://app:***@db/shop" in page
    elements = parsed(result).elements
    assert not [tag for tag, _attrs in elements if tag in ("script", "link", "img", "iframe", "object", "embed")]
    references = [value for _tag, attrs in elements for key, value in attrs.items() if key in ("src", "href")]
    assert references and all(value.startswith("#") for value in references)
    style = page.split("<style>")[1].split("</style>")[0]
    assert "url(" not in style and "@import" not in style

"""Parallel progress printed in plan order: events arrive interleaved, the console gets whole blocks."""

import io

from migtest.plan import Scenario
from migtest.reports.console import Console
from migtest.reports.ordered import InPlanOrder
from migtest.results import Phase, ScenarioResult

FIRST, SECOND, THIRD = (Scenario("fresh", None, name) for name in ("1", "2", "3"))


def finished(scenario: Scenario, *phases: Phase) -> ScenarioResult:
    return ScenarioResult(scenario, list(phases))


def test_blocks_are_printed_in_plan_order_once_every_earlier_scenario_finished():
    stream = io.StringIO()
    progress = InPlanOrder(Console(stream, github=False))
    for index, scenario in enumerate((FIRST, SECOND, THIRD), 1):
        progress.scenario_started(scenario, index, 3)
    progress.phase_finished(THIRD, third := Phase("seed", 0.3))
    progress.phase_finished(FIRST, first := Phase("seed", 0.1))
    progress.scenario_finished(finished(THIRD, third))
    progress.phase_finished(SECOND, second := Phase("seed", 0.2))
    progress.scenario_finished(finished(SECOND, second))
    assert stream.getvalue() == "", "nothing may print before the first scenario finished"

    progress.scenario_finished(finished(FIRST, first))

    expected = io.StringIO()
    console = Console(expected, github=False)
    for index, (scenario, phase) in enumerate(((FIRST, first), (SECOND, second), (THIRD, third)), 1):
        console.scenario_started(scenario, index, 3)
        console.phase_finished(scenario, phase)
        console.scenario_finished(finished(scenario, phase))
    assert stream.getvalue() == expected.getvalue()
    assert [line[:5] for line in stream.getvalue().splitlines() if line.startswith("[")] == ["[1/3]", "[2/3]", "[3/3]"]


def test_a_finished_first_scenario_prints_at_once_inside_its_github_group():
    stream = io.StringIO()
    console = Console(stream, github=True)
    progress = InPlanOrder(console)
    progress.scenario_started(FIRST, 1, 2)
    progress.scenario_started(SECOND, 2, 2)
    progress.scenario_finished(finished(FIRST))

    # inside the group, nothing (a migration's SQL, an app's log) can be taken for a workflow command
    assert stream.getvalue().splitlines() == [
        "::group::[1/2] fresh install of 1",
        f"::stop-commands::{console.token}",
        f"::{console.token}::",
        "::endgroup::",
        "PASSED: fresh install of 1 (0.0s)",
    ]
    assert len(console.token) == 32

"""The lock measurements in the report files a run writes, and the same read back by `migtest merge`
from results.json (what a fanned-out CI job's last step does)."""

from __future__ import annotations

from pathlib import Path

from measurements import harmless, rewrite

from migtest.cli import EXIT_OK, main
from migtest.plan import Scenario
from migtest.reports import write_reports
from migtest.results import PASSED, CheckResult, Phase, RunResult, ScenarioResult

ROW = "| 0012\\_add\\_col (db/V12\\_\\_add\\_col.sql:3) | orders | AccessExclusiveLock | 3.4 s | 3.4 s | 3.4 s | yes |"


def measured_walk(root: Path) -> RunResult:
    """A step walk whose second migration rewrote orders (as a PostgreSQL observer measures it)."""
    steps = [
        ScenarioResult(
            Scenario("step", source, target),
            [Phase("upgrade", 3.5, start=float(index))],
            [CheckResult("migration", PASSED, "")],
            [measurement],
        )
        for index, (source, target, measurement) in enumerate([("10", "11", harmless()), ("11", "12", rewrite())])
    ]
    return RunResult(str(root / "migtest.yml"), ["10", "11", "12"], steps, 7.0, str(root))


def lock_section(directory: Path) -> tuple[str, str]:
    """The lock section of summary.md and of report.html."""
    summary = (directory / "summary.md").read_text()
    page = (directory / "report.html").read_text()
    return summary[summary.index("### Locks") :], page[page.index("<h2>Locks</h2>") : page.index("<h2>Scenarios</h2>")]


def test_reports_written_from_a_run_and_merged_from_its_results_show_the_same_locks(tmp_path: Path) -> None:
    written = write_reports(measured_walk(tmp_path), tmp_path / "run")
    summary, page = lock_section(tmp_path / "run")
    assert ROW in summary and "1 other table(s) measured, not blocked." in summary
    assert "1 more scenario(s) measured, nothing blocked" in summary
    assert '<span class="blocked" style="width:120px"' in page and '<span class="rewritten">rewritten</span>' in page
    assert '"rewritten": [\n            "orders"' in written["results"].read_text()

    assert main(["merge", str(tmp_path / "run"), "--report-dir", str(tmp_path / "merged")]) == EXIT_OK
    assert lock_section(tmp_path / "merged") == (summary, page)

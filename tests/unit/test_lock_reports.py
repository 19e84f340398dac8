"""The lock measurements as every report shows them: the tables that matter per migration, the
worst first, bars scaled to the run's longest wait; nothing at all where nothing was measured."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from measurements import harmless, index_build, rewrite

from migtest.locks import LockMeasurement, Stall
from migtest.plan import Scenario
from migtest.reports import html, junit, locks, markdown
from migtest.reports.console import Console
from migtest.reports.github import SUMMARY_LIMIT
from migtest.reports.live import StatusLine, showing
from migtest.results import PASSED, CheckResult, RunResult, ScenarioResult


def step(source: str, target: str, *measurements: LockMeasurement) -> ScenarioResult:
    checks = [CheckResult("schema", PASSED, "")]
    return ScenarioResult(Scenario("step", source, target), checks=checks, locks=[*measurements])


def run(*scenarios: ScenarioResult) -> RunResult:
    versions = sorted({v for s in scenarios for v in (s.scenario.source, s.scenario.target) if v})
    return RunResult("/p/migtest.yml", versions, [*scenarios], 9.0, "/p")


def section(summary: str) -> str:
    """The summary's lock section."""
    start = summary.index("### Locks")
    end = summary.find("\n### ", start + 1)
    return summary[start : end if end > 0 else None]


def test_a_table_matters_when_blocked_locked_against_writes_or_rewritten_the_rest_is_counted():
    found = locks.measured(step("11", "12", rewrite(), index_build()))
    assert found is not None
    shown = [(m.measurement.label, row.table, row.mode) for m in found.migrations for row in m.rows]
    assert shown == [
        ("0012_add_col", "orders", "AccessExclusiveLock"),  # the strongest of the modes held on it
        ("0012_add_col", "orders_pkey", "AccessExclusiveLock"),  # not probed: no wait measured
        ("0013_index", "items", "ShareLock"),
    ]
    assert found.others == 2  # customers (read lock, 1 ms: the probe's own round trip), orders in 0013
    assert locks.headline(found.scenario) == (
        "locks: orders blocked 3.4 s (AccessExclusiveLock, rewritten) in 0012_add_col"
    )


def test_the_summary_table_names_the_site_scales_bars_to_the_longest_wait_and_counts_the_rest():
    summary = markdown.render(run(step("11", "12", rewrite()), step("12", "13", index_build())))
    lines = section(summary).splitlines()
    assert lines[2] == (
        "Tables blocked 5.0 ms or more, locked against writes or rewritten; "
        "locks sampled every 2.8 ms (median over 2 migration(s), 2.5 ms to 3.0 ms)."
    )
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| migration")]
    assert rows[0] == (
        "| 0012\\_add\\_col (db/V12\\_\\_add\\_col.sql:3) | orders | AccessExclusiveLock | 3.4 s | 3.4 s | 3.4 s"
        " | yes | " + "█" * 20 + " |"
    )
    assert rows[1] == "|  | orders\\_pkey | AccessExclusiveLock | 3.4 s | · | · |  |  |"
    assert rows[2] == "| 0013\\_index | items | ShareLock | 1.7 s | 0.5 ms | 1.7 s |  | " + "█" * 10 + " |"
    assert "1 other table(s) measured, not blocked." in lines
    built = "built without CONCURRENTLY in 0013\\_index: ix\\_items\\_sku"
    assert f"1 other table(s) measured, not blocked; {built}." in lines
    assert summary.count("locks sampled every") == 1


def test_fifty_steps_show_the_ten_that_blocked_longest_worst_first_and_count_the_rest():
    steps = [step(str(n), str(n + 1), index_build(f"{n:04}_index", blocked_ms=100.0 * n)) for n in range(1, 51)]
    steps += [step("51", "52", harmless())]
    summary = markdown.render(run(*steps))
    shown = re.findall(r"^\*\*step (\d+) -> \d+\*\*$", section(summary), re.MULTILINE)
    assert shown == [str(n) for n in range(50, 40, -1)]
    assert "41 more scenario(s) measured, blocking 4.0 s at most: see report.html." in summary
    assert len(summary.encode()) < SUMMARY_LIMIT // 50


def test_a_scenarios_rows_are_capped_in_the_summary_and_all_in_the_html_report():
    many = [index_build(f"{n:04}_index") for n in range(markdown.LOCKED_ROWS + 5)]
    result = run(step("1", "2", *many))
    assert "5 more row(s) in report.html" in markdown.render(result)
    assert html.render(result).count('class="blocked"') == markdown.LOCKED_ROWS + 5


def test_nothing_measured_adds_nothing_and_nothing_blocked_adds_one_line():
    plain = run(step("1", "2"), step("2", "3"))
    empty = run(step("1", "2", LockMeasurement("0002_sqlite")), step("2", "3"))
    assert markdown.render(empty) == markdown.render(plain)
    assert html.render(empty) == html.render(plain)
    assert "locks" not in printed(empty.scenarios[0])
    quiet = markdown.render(run(step("1", "2", harmless()), step("2", "3", harmless("0003_comment"))))
    assert section(quiet).splitlines()[4:] == ["2 scenario(s) measured, nothing blocked: see report.html."]
    index = harmless("0004_index")
    index.blocking_indexes = ["ix_empty"]
    named = section(markdown.render(run(step("3", "4", index)))).splitlines()[4:]
    assert named == ["**step 3 -> 4**", "", "1 other table(s) measured, not blocked; built without CONCURRENTLY"
                     " in 0004\\_index: ix\\_empty."]  # fmt: skip


def test_user_written_names_are_escaped_and_long_statements_cut_on_one_line():
    statement = "ALTER TABLE orders\n  ADD COLUMN note text DEFAULT 'x' || random()::text" + " " * 5 + "-- and more"
    measurement = rewrite(label=statement)
    measurement.stalls.append(Stall("a|<b>", 0.0, 50.0))
    summary = markdown.render(run(step("1", "2", measurement)))
    assert "| a\\|\\<b> |" in summary
    assert markdown.text(locks.short(statement)) in summary and "\n  ADD" not in section(summary)
    assert len(locks.short(statement)) == 60
    page = html.render(run(step("1", "2", measurement)))
    assert "<td>a|&lt;b&gt;</td>" in page and "<b>" not in page


class Cells(HTMLParser):
    """Each row of the locks table: its cells' text and the bar's width in px."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[list[str], int | None]] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.inside = found.get("class") == "locks"
        elif self.inside and tag == "tr":
            self.rows.append(([], None))
        elif self.inside and tag == "td":
            self.rows[-1][0].append("")
        elif self.inside and found.get("class") == "blocked":
            width = re.fullmatch(r"width:(\d+)px", found.get("style") or "")
            self.rows[-1] = (self.rows[-1][0], int(width[1]) if width else None)

    def handle_endtag(self, tag: str) -> None:
        self.inside = self.inside and tag != "table"

    def handle_data(self, data: str) -> None:
        if self.inside and self.rows and self.rows[-1][0]:
            self.rows[-1][0][-1] += data


def test_the_html_report_draws_a_bar_per_table_scaled_to_the_longest_with_mode_and_rewrite():
    parser = Cells()
    parser.feed(html.render(run(step("11", "12", rewrite()), step("12", "13", index_build()))))
    rows = [([cell.strip() for cell in cells], width) for cells, width in parser.rows if cells]
    site = "0012_add_coldb/V12__add_col.sql:3"  # the label, then its file and line under it
    assert rows[0] == ([site, "orders", "AccessExclusiveLock", "3.4 s", "3.4 s", "3.4 s", "3.4 s rewritten"], 120)
    assert rows[1] == (["", "orders_pkey", "AccessExclusiveLock", "3.4 s", "·", "·", "·"], None)
    assert rows[3] == (["0013_index", "items", "ShareLock", "1.7 s", "0.5 ms", "1.7 s", "1.7 s"], 60)


def printed(result: ScenarioResult, line: bool = False) -> str:
    stream = io.StringIO()
    status = StatusLine(stream, tick_seconds=3600) if line else None
    with showing(status):
        Console(stream, github=False, line=status).scenario_finished(result)
    return stream.getvalue()


def test_the_console_names_the_worst_table_after_the_verdict_live_or_plain():
    result = step("11", "12", index_build(), rewrite())
    worst = "locks: orders blocked 3.4 s (AccessExclusiveLock, rewritten) in 0012_add_col"
    assert printed(result).endswith(f"PASSED: step 11 -> 12 (0.0s)\n  {worst}\n")
    assert "\r\x1b[K  locks: orders blocked 3.4 s" in printed(result, line=True)
    assert printed(step("1", "2", harmless())).endswith("  locks: nothing blocked (1 table(s) measured)\n")


def test_junit_carries_a_property_per_table_that_matters_in_seconds_as_the_phases():
    suites = junit.build(run(step("11", "12", rewrite(), index_build()), step("12", "13", harmless())))
    properties = [
        [(p.get("name"), p.get("value")) for p in suite.iter("property") if p.get("name", "").startswith("locks ")]
        for suite in suites
    ]
    assert properties == [
        [
            ("locks 0012_add_col orders", "3.400 (AccessExclusiveLock, rewritten)"),
            ("locks 0012_add_col orders_pkey", "0.000 (AccessExclusiveLock)"),
            ("locks 0013_index items", "1.700 (ShareLock)"),
        ],
        [],
    ]

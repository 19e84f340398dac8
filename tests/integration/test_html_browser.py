"""report.html of a failing SQLite run in a real headless browser (Debian's Chromium, installed by
scripts/install-test-machine.sh): a screenshot that is not blank, and the DOM it rendered showing
the failing check, its highlighted difference and the timeline. The README's picture is this
screenshot: regenerate it with MIGTEST_WRITE_README=1."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import chromium, readme_picture
from png_pixels import colours, pixels
from test_ci_reports import with_release_3

from migtest.cli import EXIT_FAILED, main

WINDOW = (1280, 1200)
README_PICTURE = Path(__file__).parents[2] / "docs/report-html.png"
FAILED_RED = bytes.fromhex("ffebe9")  # a failed cell's background


def renaming_project(root: Path) -> Path:
    """Releases 1 and 2 hold; release 3 writes every name upper-case, which changes data the users
    wrote: the content check fails with `'Ada' -> 'ADA'`."""
    return with_release_3(root, "V3__shout.sql", "-- names shown upper-case\nUPDATE users SET name = upper(name);\n")


class Visible(HTMLParser):
    """The text of the rendered DOM, and the text of its <del>/<ins> and timeline bars' titles."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.marked: dict[str, list[str]] = {"del": [], "ins": []}
        self.bars: list[str] = []
        self.inside: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.inside = tag if tag in self.marked else self.inside
        if "bar" in (found.get("class") or "").split():
            self.bars.append(found.get("title") or "")

    def handle_endtag(self, tag: str) -> None:
        self.inside = None if tag == self.inside else self.inside

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.inside:
            self.marked[self.inside].append(data)


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    config = renaming_project(tmp_path / "project")
    assert main(["run", "-c", str(config), "--jobs", "2"]) == EXIT_FAILED
    reports = capsys.readouterr().out.splitlines()[-1]
    assert reports.startswith(f"Reports: {tmp_path / 'project/out/report.html'}, ")  # the file to open, first
    return tmp_path / "project/out"


def test_failing_run_report_renders_its_timeline_and_diff_in_chromium(report, tmp_path, capsys):
    page = report / "report.html"
    screenshot = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", WINDOW, f"--screenshot={screenshot}")
    dom = chromium(page, tmp_path / "profile", WINDOW, "--dump-dom").stdout
    print(f"screenshot of the report: {screenshot}")

    width, height, _rows = pixels(screenshot)
    assert (width, height) == WINDOW
    shown = colours(screenshot)
    assert len(shown) > 100 and FAILED_RED in shown  # text, bars, and the failed cells' red
    visible = Visible()
    visible.feed(dom)
    text = "".join(visible.text)
    assert "migtest: migrations broke" in text and "content" in text
    assert "2 change(s) to existing data" in text and "at db/V3__shout.sql:2" in text  # the UPDATE's line
    assert visible.marked == {"del": ["'Ada'", "'Grace'"], "ins": ["'ADA'", "'GRACE'"]}
    results = json.loads((report / "results.json").read_text())
    phases = [phase for scenario in results["scenarios"] for phase in scenario["phases"]]
    assert [phase["name"] for phase in results["startup"]] == ["database server sqlite"]
    phases += results["startup"]
    assert len(visible.bars) == len(phases) and any(bar.startswith("upgrade ") for bar in visible.bars)
    for scenario in results["scenarios"]:  # each phase starts where the one before it ended, or later
        ends = [phase["start"] + phase["seconds"] for phase in scenario["phases"]]
        starts = [phase["start"] for phase in scenario["phases"]]
        assert all(start >= end - 0.002 for start, end in zip(starts[1:], ends, strict=False))

    readme_picture(screenshot, README_PICTURE)

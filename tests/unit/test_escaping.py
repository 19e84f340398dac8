"""User-written strings (version, assertion and table names, summaries, evidence) shown literally in
every report: Markdown as a CommonMark renderer shows it (markdown-it-py, with GitHub's tables),
GitHub workflow commands as the runner decodes them, and JUnit as an XML parser reads it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

from migtest.masking import register_secret
from migtest.plan import Scenario
from migtest.reports import html, junit, markdown
from migtest.reports.findings import findings
from migtest.reports.github import annotation, cut
from migtest.results import FAILED, PASSED, CheckResult, Location, Phase, RunResult, ScenarioResult

NASTY = "<known> & a|b *c* _d_ `e` \\f"
OLD, NEW = f"1.0 {NASTY}", "2.0\nnext"  # version names
CHECK = f"sql: {NASTY}"
SUMMARY = f"expected [[0]], got [[6]] for {NASTY}"
EVIDENCE = [f"table '{NASTY}': id=1: name 'a' -> 'b'", "```", "SELECT '<b>' || '&amp;'\nFROM t"]


def run(tmp_path: Path) -> RunResult:
    check = CheckResult(CHECK, FAILED, SUMMARY, EVIDENCE, Location("db/V2__x.sql", 3))
    upgrade = ScenarioResult(Scenario("upgrade", OLD, NEW), [Phase("upgrade", 0.5)], [check])
    fresh = ScenarioResult(Scenario("fresh", None, OLD), [Phase("install", 0.1)], [CheckResult("schema", PASSED, "ok")])
    (tmp_path / "migtest.yml").write_text("versions: []\n")
    return RunResult(str(tmp_path / "migtest.yml"), [OLD, NEW], [fresh, upgrade], 0.6, str(tmp_path))


class Texts(HTMLParser):
    """The text a reader sees in each element, by tag."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)
        self.texts.setdefault(tag, []).append("")

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for tag in set(self.open):
            self.texts[tag][-1] += data


def rendered(text: str) -> dict[str, list[str]]:
    page = MarkdownIt("commonmark").enable("table").render(text)
    texts = Texts()
    texts.feed(page)
    assert "<known>" not in page and "<b>" not in page  # shown, never taken as HTML
    return texts.texts


def test_markdown_summary_shows_names_summaries_and_evidence_literally(tmp_path):
    texts = rendered(markdown.render(run(tmp_path)))
    shown_old, shown_new = OLD, "2.0 next"  # a line break in a name becomes a space
    assert texts["th"][1:] == [shown_old, shown_new]  # the matrix's columns
    assert texts["td"][0] == shown_old
    assert texts["h4"] == [f"upgrade {shown_old} -> {shown_new}"]
    assert texts["li"][0].strip().startswith(f"{CHECK}: {SUMMARY}\n")
    assert texts["strong"][-1] == CHECK and "em" not in texts
    assert texts["code"] == ["\n".join([*EVIDENCE[:2], *EVIDENCE[2].splitlines()]) + "\n"]


def test_a_secret_with_markdown_characters_is_masked_before_it_is_escaped(tmp_path):
    register_secret("p_w*d|x")
    result = run(tmp_path)
    result.scenarios[1].checks[0].summary = "login p_w*d|x refused"
    assert "login \\*\\*\\* refused" in markdown.render(result)


def test_cut_summary_closes_a_long_fence_with_its_own_length():
    text = "## migtest\n\n````text\n```\n" + "x\n" * 3000 + "````\n"
    short = cut(text, 4096)
    assert "\n````\n\n**Summary cut" in short
    assert rendered(short)["p"][-1].startswith("Summary cut at 4 KiB")


def test_annotation_decodes_to_the_literal_text(tmp_path):
    (finding,) = findings(run(tmp_path), tmp_path)
    command = annotation(finding)
    properties, message = command.removeprefix("::error ").split("::", 1)
    decoded = {
        key: value.replace("%2C", ",").replace("%3A", ":")
        for key, value in (p.split("=", 1) for p in properties.split(","))
    }
    assert decoded["title"] == f"migtest {CHECK}" and (decoded["file"], decoded["line"]) == ("db/V2__x.sql", "3")
    lines = message.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%").splitlines()
    assert lines[0] == f"upgrade {OLD} -> 2.0" and lines[1] == f"next: {SUMMARY}"
    assert lines[2:] == [EVIDENCE[0], EVIDENCE[1], *EVIDENCE[2].splitlines()]


def test_junit_parses_back_to_the_literal_names_and_evidence(tmp_path):
    result = run(tmp_path)
    result.scenarios[0].checks[0].summary = "ok \x1b[31mred\x1b[0m"  # a terminal colour: no XML 1.0 character
    written = ET.tostring(junit.build(result, tmp_path), encoding="unicode")
    assert "<known>" not in written and "<b>" not in written
    tree = ET.fromstring(written)
    suite = tree.findall("testsuite")[1]
    assert suite.get("name") == f"upgrade {OLD} -> {NEW}"
    case = suite.find("testcase")
    classname = "migtest." + f"upgrade-{OLD}-to-{NEW}".replace(".", "_")
    assert case.get("name") == CHECK and case.get("classname") == classname
    failure = case.find("failure")
    assert failure.get("message") == SUMMARY
    assert failure.text == "\n".join([SUMMARY, *EVIDENCE])
    assert tree.find("testsuite/testcase/system-out").text == "passed: ok \\x1b[31mred\\x1b[0m"


def test_junit_failure_summary_is_one_line(tmp_path):
    result = run(tmp_path)
    result.scenarios[1].checks[0].summary = "alembic upgrade failed:\nno such table"
    failure = junit.build(result, tmp_path).find("testsuite[2]/testcase/failure")
    assert failure.get("message") == failure.text.splitlines()[0] == "alembic upgrade failed: no such table"


def test_html_report_shows_names_summaries_and_evidence_literally(tmp_path):
    page = html.render(run(tmp_path))
    assert "<known>" not in page and "<b>" not in page
    texts = Texts()
    texts.feed(page)
    matrix_heads = [head for head in texts.texts["th"] if head in (OLD, NEW)]
    assert matrix_heads == [OLD, NEW, OLD, NEW]  # the columns, then the rows
    assert f"upgrade {OLD} -> {NEW} (0.5s)" in [summary.split(" ", 1)[1] for summary in texts.texts["summary"]]
    assert CHECK in texts.texts["td"] and SUMMARY in "".join(texts.texts["td"])
    assert texts.texts["pre"] == ["\n".join([*EVIDENCE[:2], *EVIDENCE[2].splitlines()]) + "\n"]
    assert texts.texts["code"] == ["db/V2__x.sql:3"]  # where the failed check points


def test_html_report_keeps_quotes_literal_in_text_and_attributes(tmp_path):
    quoted = f"""{NASTY} "double" 'single'"""
    result = run(tmp_path)
    result.versions[1] = quoted
    result.scenarios[1].scenario = Scenario("upgrade", OLD, quoted)
    result.scenarios[1].checks[0].name = quoted
    titles = []

    class Titles(Texts):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            super().handle_starttag(tag, attrs)
            titles.extend(value for key, value in attrs if key == "title")

    texts = Titles()
    texts.feed(html.render(result))
    assert f"upgrade {OLD} -> {quoted}" in titles  # the matrix cell's tooltip
    assert texts.texts["td"].count(quoted) == 1 and quoted in texts.texts["th"]


def test_a_secret_with_html_characters_is_masked_before_it_is_escaped(tmp_path):
    register_secret("p<w>&'d")
    result = run(tmp_path)
    result.scenarios[1].checks[0].evidence = ["login p<w>&'d refused"]
    page = html.render(result)
    assert "login *** refused" in page and "p&lt;w&gt;" not in page

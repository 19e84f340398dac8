"""Evidence shortened for the console and the summary keeps both ends and counts what it hides."""

from migtest.reports.excerpt import excerpt


def traceback(lines: int) -> list[str]:
    return ["Traceback (most recent call last):", *(f'  File "x.py", line {n}' for n in range(lines - 2)), "E: boom"]


def test_short_evidence_is_shown_whole():
    evidence = ["column 'a' missing", "column 'b' missing\n"]
    assert excerpt(evidence, 2, 2, "the reports") == ["column 'a' missing", "column 'b' missing"]


def test_long_evidence_keeps_its_first_lines_and_its_error():
    shown = excerpt(["\n".join(traceback(40))], 3, 4, "the reports")
    assert shown[:3] == traceback(40)[:3]
    assert shown[3] == "... 33 more lines in the reports ..."
    assert shown[-1] == "E: boom" and len(shown) == 8


def test_one_hidden_line_is_shown_instead_of_counted():
    assert excerpt(traceback(8), 3, 4, "results.json") == traceback(8)


def test_an_over_long_line_keeps_its_two_ends():
    (shown,) = excerpt(["SELECT " + "1, " * 10_000 + "2"], 3, 4, "results.json")
    assert shown.startswith("SELECT 1, 1,") and shown.endswith("1, 2") and "characters left out" in shown

"""The lint's output: text for people, JSON for tools, GitHub workflow commands for annotations."""

from __future__ import annotations

import json
from typing import TextIO

from migtest.lint import Finding, Unlinted
from migtest.lint.rules import RULES
from migtest.reports.github import escape_data, escape_property


def write(findings: list[Finding], unlinted: list[Unlinted], linted: int, form: str, out: TextIO) -> None:
    {"text": _text, "json": _json, "github": _github}[form](findings, unlinted, linted, out)


def _text(findings: list[Finding], unlinted: list[Unlinted], linted: int, out: TextIO) -> None:
    for finding in findings:
        rule = RULES[finding.rule]
        print(f"{finding.file}:{finding.line}: {finding.rule}: {finding.message}", file=out)
        print(f"    lock: {rule.lock}", file=out)
        print(f"    fix: {rule.fix}", file=out)
        if finding.measured:
            print(f"    measured: {finding.measured}", file=out)
    for skipped in unlinted:
        print(f"{skipped.file}: not linted ({skipped.migration}): {skipped.reason}", file=out)
    not_linted = f", {len(unlinted)} not linted" if unlinted else ""
    print(f"{len(findings)} finding(s) in {linted} migration(s){not_linted}", file=out)


def _json(findings: list[Finding], unlinted: list[Unlinted], linted: int, out: TextIO) -> None:
    document = {
        "migrations": linted,
        "findings": [finding.to_dict() for finding in findings],
        "not_linted": [vars(skipped) for skipped in unlinted],
    }
    print(json.dumps(document, indent=2), file=out)


def _github(findings: list[Finding], unlinted: list[Unlinted], linted: int, out: TextIO) -> None:
    for finding in findings:
        where = f"file={escape_property(finding.file)},line={finding.line}"
        title = escape_property(f"migtest lint: {finding.rule}")
        measured = f" Measured: {finding.measured}." if finding.measured else ""
        text = f"{finding.message}. Lock: {RULES[finding.rule].lock}. Fix: {RULES[finding.rule].fix}.{measured}"
        print(f"::warning {where},title={title}::{escape_data(text)}", file=out)
    for skipped in unlinted:
        reason = escape_data(f"not linted: {skipped.reason}")
        print(f"::notice file={escape_property(skipped.file)}::{reason}", file=out)
    print(f"{len(findings)} finding(s) in {linted} migration(s)", file=out)

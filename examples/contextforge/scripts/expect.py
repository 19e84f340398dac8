"""Compare a migtest run's results.json with the outcome established by hand (expected/*.json).

Each scenario's checks and their statuses must be exactly those recorded: a real problem that
disappears (a fixed release, or a migtest that stops seeing it) and a new failure (a false alarm
or a regression of migtest) both fail, naming the scenario and the check.

usage: python scripts/expect.py RESULTS_JSON EXPECTED_JSON     (--write: record RESULTS_JSON)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def outcome(results: Path) -> dict[str, dict[str, str]]:
    """The `locks` check is left out unless it failed: on PostgreSQL it measures, and its
    warnings depend on the machine's load, not on the releases."""
    data = json.loads(results.read_text())
    return {
        scenario["id"]: {
            check["name"]: check["status"]
            for check in scenario["checks"]
            if check["name"] != "locks" or check["status"] in ("failed", "error")
        }
        for scenario in data["scenarios"]
    }


def differences(actual: dict[str, dict[str, str]], expected: dict[str, dict[str, str]]) -> list[str]:
    found = []
    for scenario in sorted(set(actual) | set(expected)):
        got, want = actual.get(scenario), expected.get(scenario)
        if got is None or want is None:
            found.append(f"{scenario}: {'not run' if got is None else 'not expected'}")
            continue
        for check in sorted(set(got) | set(want)):
            if got.get(check) != want.get(check):
                found.append(f"{scenario}: {check} is {got.get(check, 'absent')}, expected {want.get(check, 'absent')}")
    return found


def main() -> int:
    args = [arg for arg in sys.argv[1:] if arg != "--write"]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    results, expected = Path(args[0]), Path(args[1])
    if "--write" in sys.argv:
        expected.write_text(json.dumps(outcome(results), indent=1, sort_keys=True) + "\n")
        return 0
    found = differences(outcome(results), json.loads(expected.read_text()))
    for line in found:
        print(line)
    checks = sum(len(checks) for checks in outcome(results).values())
    print(f"{expected.name}: {len(found)} difference(s) from the outcome established by hand ({checks} checks)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run migtest on a real golang-migrate history: Harbor's (github.com/goharbor/harbor), its
release tags as versions (`ref:`), on a PostgreSQL server started on this machine.

Nothing of Harbor is committed here. The script clones it locally (no checkout) from a copy of
the repository you already have, writes bench/realworld/harbor.yml into the clone's root and runs
`migtest run` there; the reports land in --report-dir. Get the repository once with
`git clone --bare https://github.com/goharbor/harbor.git` (or the session's `fetch` tool, which
leaves it in /work/.mirror/goharbor+harbor/repo) and pass it with --repository or HARBOR_REPO.

Usage: python scripts/realworld_golang.py [--repository PATH] [--report-dir DIR] [--database-url URL]
Exit code 0 when migtest reports exactly the failures and warnings established by hand (docs-realworld.md),
1 when it reports another result (a new false alarm, or a real failure no longer found).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import machine  # noqa: E402

from migtest.cli import main as migtest  # noqa: E402

CONFIG = ROOT / "bench" / "realworld" / "harbor.yml"
MIGRATIONS = "make/migrations/postgresql"
DEFAULT_REPOSITORY = "/work/.mirror/goharbor+harbor/repo"


# (scenario, check) pairs that fail, established by hand (docs-realworld.md): 0160_2.13.0 drops
# p2p_preheat_policy.scope without carrying it into extra_attrs, where 2.13 reads it.
EXPECTED_FAILURES = {("upgrade-2.12.0-to-2.13.0", "content"), ("skip-2.12.0-to-2.15.0", "content")}
# and those reported as warnings: 0100_2.7.0 was edited after its release (true, harmless, and not
# checked by golang-migrate, so `history` warns for this layout)
EXPECTED_WARNINGS = {("upgrade-2.7.0-to-2.8.0", "history"), ("skip-2.7.0-to-2.15.0", "history")}


def clone(repository: str, into: Path) -> Path:
    """A local clone with only the migrations folder checked out (migtest reads every version with
    `git archive`; the folder itself must exist)."""
    if not Path(repository).exists():
        sys.exit(f"no Harbor repository at {repository}: clone it first (see --help)")
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", repository, str(into)], check=True)
    subprocess.run(["git", "checkout", "--quiet", "HEAD", "--", MIGRATIONS], cwd=into, check=True)
    shutil.copy(CONFIG, into / "migtest.yml")
    return into / "migtest.yml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repository", default=os.environ.get("HARBOR_REPO", DEFAULT_REPOSITORY))
    parser.add_argument("--report-dir", default="realworld-results/harbor")
    parser.add_argument("--database-url", help="an existing PostgreSQL server (default: one started here)")
    parser.add_argument("--jobs", default="2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migtest-harbor-") as work, contextlib.ExitStack() as stack:
        config = clone(args.repository, Path(work) / "harbor")
        url = args.database_url or stack.enter_context(machine.host_postgres()).url
        report_dir = str(Path(args.report_dir).resolve())
        options = ["--database-url", url, "--report-dir", report_dir, "--jobs", args.jobs]
        migtest(["run", "-c", str(config), *options])
    return compare(Path(report_dir) / "results.json")


def compare(results_file: Path) -> int:
    """0 when the failed and warned checks are exactly the expected ones; the differences otherwise."""
    if not results_file.is_file():
        print(f"realworld: no {results_file}: migtest did not run", file=sys.stderr)
        return 1
    scenarios = json.loads(results_file.read_text())["scenarios"]
    statuses = {(s["id"], c["name"]): c["status"] for s in scenarios for c in s["checks"]}
    found = {
        "failure": {key for key, status in statuses.items() if status in ("failed", "error")},
        "warning": {key for key, status in statuses.items() if status == "warned"},
    }
    expected = {"failure": EXPECTED_FAILURES, "warning": EXPECTED_WARNINGS}
    for kind in ("failure", "warning"):
        for scenario, check in sorted(found[kind] - expected[kind]):
            print(f"realworld: unexpected {kind}: {scenario}: {check}")
        for scenario, check in sorted(expected[kind] - found[kind]):
            print(f"realworld: expected {kind} not reported: {scenario}: {check}")
    if found != expected:
        return 1
    print(
        f"realworld: Harbor: exactly the {len(EXPECTED_FAILURES)} failures and {len(EXPECTED_WARNINGS)} warnings"
        " established by hand (docs-realworld.md)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

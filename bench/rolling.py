"""What the rolling-deploy check costs: one upgrade to the newest release of tests/images/rolling-app
(release 1 -> 2, a harmless migration, on a PostgreSQL container), run with `checks.rolling: off`
(the floor) and with the default (the previous release started before the migration and probed
while it runs), best of --rounds each. Prints the run's seconds, the upgrade phase's seconds (does
probing slow the migration down?), and the probes sent per second of the window.

Usage: python bench/rolling.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import machine

from migtest.cli import main

SCENARIO = "upgrade-1-to-2"


def images() -> tuple[str, str, str]:
    """The two releases' images and the server's, built once per change of their inputs."""
    examples = Path(__file__).resolve().parent.parent / "examples" / "docker-app"
    base = machine.ensure_image("migtest-test/app-base:1", examples / "base", args={"DEBIAN": machine.BASE_IMAGE})
    release = [
        machine.ensure_image(
            f"migtest-test/rolling-app:{n}", machine.IMAGES / "rolling-app", args={"BASE": base, "RELEASE": n}
        )
        for n in ("1", "2")
    ]
    server = machine.ensure_image("migtest-test/postgres:15", machine.IMAGES / "postgres")
    return release[0], release[1], server


def run(folder: Path, rolling: str | None, releases: tuple[str, str, str]) -> dict[str, float]:
    settings = {
        "migrations": {"tool": "on-start", "table": "app_version"},
        "database": {"engine": "postgres", "image": releases[2]},
        "app": {"env": {"DATABASE_URL": "{database_dsn}"}, "health": "http://{host}:{port}/health"},
        "versions": [{"name": "1", "image": releases[0]}, {"name": "2", "image": releases[1]}],
        "matrix": {"fresh": False, "downgrade": "none"},
        "seed": {"sql": "seed.sql"},
        "verify": {"api": [{"path": "/items", "items": "items"}]},
        "checks": {"rolling": rolling} if rolling else {},
    }
    (folder / "seed.sql").write_text("INSERT INTO items (name) SELECT 'item ' || n FROM generate_series(1, 1000) n;\n")
    (folder / "migtest.yml").write_text(yaml.safe_dump(settings))
    report = folder / "report"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", "-c", str(folder / "migtest.yml"), "--report-dir", str(report), "--progress", "plain"])
    results = json.loads((report / "results.json").read_text())
    assert code == 0, results
    scenario = next(s for s in results["scenarios"] if s["id"] == SCENARIO)
    phases = {phase["name"]: phase["seconds"] for phase in scenario["phases"]}
    figures = {
        "run": results["seconds"],
        "upgrade": phases["upgrade"],
        "ready": phases.get("rolling deploy: 1 ready", 0),
    }
    check = next((c for c in scenario["checks"] if c["name"] == "rolling-deploy"), None)
    if check is not None:
        sent, window = check["summary"].split(" answered all ")[1].split(" request(s) during the ")
        figures["probes_per_second"] = int(sent) / float(window.split("s ")[0])
    return figures


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    """The fastest of each figure (the most probes per second)."""
    return {key: (max if key == "probes_per_second" else min)(r[key] for r in runs) for key in runs[0]}


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    runs: dict[str | None, list[dict[str, float]]] = {"off": [], None: []}
    with machine.docker_engine(), tempfile.TemporaryDirectory() as scratch:
        releases = images()
        for _ in range(rounds):  # interleaved, so that the machine's drift falls on both alike
            for rolling, measured in runs.items():
                measured.append(run(Path(tempfile.mkdtemp(dir=scratch)), rolling, releases))
    floor, probed = best(runs["off"]), best(runs[None])
    print(f"best of {rounds} rounds, {SCENARIO} (1 000 rows, PostgreSQL container)")
    print(f"{'':24}{'rolling: off':>14}{'default (warn)':>16}{'ratio':>8}")
    for key, label in (("run", "whole run, s"), ("upgrade", "upgrade phase, s")):
        print(f"{label:24}{floor[key]:>14.2f}{probed[key]:>16.2f}{probed[key] / floor[key]:>8.2f}")
    print(f"previous release made ready before the migration: {probed['ready']:.2f}s")
    print(f"probes per second of the window: {probed['probes_per_second']:.1f}")


if __name__ == "__main__":
    main_bench()

"""Loading migtest.yml: the whole load (`load_config`: YAML read with positions, validated into
the models the run reads), against the floor of the YAML read alone (`load_yaml`), timed in the
same process, best of --rounds; and the check alone (`parse_config` on the document already read),
the part the YAML read's noise hides.

Usage: python bench/config_load.py [--config examples/contextforge/migtest.yml] [--loads N] [--rounds N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from migtest.config import load_config, parse_config
from migtest.config.positions import Positions
from migtest.config.userfiles import load_yaml

LARGEST = Path(__file__).resolve().parent.parent / "examples/contextforge/migtest.yml"


def best_ms(actions: list[Callable[[], object]], loads: int, rounds: int) -> list[float]:
    """Each action's best milliseconds per call; the actions take turns in every round, so that
    the machine's load weighs on them alike."""
    best = [float("inf")] * len(actions)
    for _ in range(rounds):
        for index, action in enumerate(actions):
            start = time.perf_counter()
            for _ in range(loads):
                action()
            best[index] = min(best[index], (time.perf_counter() - start) / loads * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=LARGEST)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    marks: Positions = {}
    data, file = load_yaml(args.config, marks), args.config.resolve()
    actions = [lambda: load_yaml(args.config), lambda: load_config(str(args.config))]
    floor, whole, check = best_ms([*actions, lambda: parse_config(data, file, marks)], args.loads, args.rounds)
    print(f"{args.config.name} ({args.config.stat().st_size:,} bytes), best of {args.rounds} x {args.loads} loads")
    print(f"  YAML read alone (floor): {floor:7.2f} ms")
    print(f"  load_config:             {whole:7.2f} ms  ({whole / floor:.2f}x the floor)")
    print(f"  the check alone:         {check:7.2f} ms  ({check / floor:.2f}x the floor)")


if __name__ == "__main__":
    main()

"""Seed an optuna storage through optuna's own API, as a user of that release would fill it.

Runs in the version's virtualenv: `python seed.py DATABASE_URL`. Besides ordinary trials it writes
the values optuna's 3.0 migrations convert: old-style distributions (v3.0.0.a), +/-inf objective
and intermediate values (v3.0.0.c, v3.0.0.d) and a finite intermediate value at float32's maximum,
which v3.0.0.c cannot tell from the +inf that optuna 2.x clipped to it.
"""

from __future__ import annotations

import sys

import numpy as np
import optuna
from storage import plain_url

FLOAT32_MAX = float(np.finfo(np.float32).max)


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    trial.suggest_float("learning_rate", 1e-5, 1e-1, log=True)
    trial.suggest_float("dropout", 0.0, 0.5, step=0.1)
    trial.suggest_int("layers", 1, 4)
    trial.suggest_int("units", 16, 256, log=True)
    trial.suggest_categorical("optimizer", ["adam", "sgd", None])
    for step in range(3):
        trial.report(x * x + step, step)
    trial.set_user_attr("note", f"trial {trial.number}")
    return x * x


def seed(url: str) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(plain_url(url))
    sampler = optuna.samplers.RandomSampler(seed=1)

    study = optuna.create_study(study_name="tuning", storage=storage, sampler=sampler)
    study.set_user_attr("owner", "migtest")
    study.optimize(objective, n_trials=4)

    extremes = study.ask()
    extremes.suggest_float("x", -10, 10)
    for step, value in enumerate([float("inf"), float("-inf"), FLOAT32_MAX, 1e20]):
        extremes.report(value, step)
    study.tell(extremes, float("inf"))

    pruned = study.ask()
    pruned.report(0.5, 0)
    study.tell(pruned, state=optuna.trial.TrialState.PRUNED)
    study.tell(study.ask(), state=optuna.trial.TrialState.FAIL)
    study.ask()  # left RUNNING

    pareto = optuna.create_study(
        study_name="pareto", storage=storage, directions=["minimize", "maximize"], sampler=sampler
    )
    pareto.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_int("b", 0, 9)), n_trials=3)
    pareto.tell(pareto.ask(), [float("-inf"), 1.0])


if __name__ == "__main__":
    seed(sys.argv[1])

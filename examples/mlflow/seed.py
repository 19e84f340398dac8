"""Seed an MLflow tracking store through MLflow's own client, as a user of that release fills it.

Runs in the version's virtualenv: `python seed.py DATABASE_URL`. Writes what the tracking server
and the model registry keep: experiments with tags (one deleted), runs with params, metrics over
steps (NaN and +/-inf among them), tags and a deleted run; where the release has them, a
registered model with tags and versions (1.4+), a model alias (2.3+) and a logged dataset (2.4+). A param
and a tag sit at the release's length limits, which later migrations widen.
"""

from __future__ import annotations

import sys

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH, MAX_TAG_VAL_LENGTH
from store import create

try:
    from mlflow.store.tracking.dbmodels.models import RunStatusTypes
except ImportError:  # before 1.4
    from mlflow.store.dbmodels.models import RunStatusTypes


def seed_runs(client: MlflowClient, experiment_id: str) -> list[str]:
    run_ids = []
    for number in range(3):
        run = client.create_run(
            experiment_id, tags={"mlflow.runName": f"trial-{number}"}, start_time=1_700_000_000_000 + number
        )
        run_id = run.info.run_id
        client.log_batch(
            run_id,
            metrics=[Metric("loss", 1.0 / (step + 1) + number, 1_700_000_000_100 + step, step) for step in range(5)],
            params=[Param("learning_rate", str(0.1 * (number + 1))), Param("optimizer", "adam")],
            tags=[RunTag("team", "migtest"), RunTag("note", f"run {number}")],
        )
        client.set_terminated(run_id, status="FINISHED", end_time=1_700_000_001_000 + number)
        run_ids.append(run_id)

    extremes = client.create_run(experiment_id, tags={"mlflow.runName": "extremes"}, start_time=1_700_000_002_000)
    extreme_id = extremes.info.run_id
    client.log_batch(
        extreme_id,
        metrics=[
            Metric("nan", float("nan"), 1_700_000_002_100, 0),
            Metric("inf", float("inf"), 1_700_000_002_100, 0),
            Metric("neg_inf", float("-inf"), 1_700_000_002_100, 0),
            Metric("big", 1e300, 1_700_000_002_100, 0),
        ],
        params=[Param("long", "p" * MAX_PARAM_VAL_LENGTH)],
        tags=[RunTag("long", "t" * MAX_TAG_VAL_LENGTH)],
    )
    # logged out of order: the latest is the highest step, then timestamp, then value (step 2 at
    # 150, 0.6), which 89d4b8295536 must pick when it fills latest_metrics
    for value, timestamp, step in [(0.5, 100, 2), (0.9, 200, 1), (0.6, 150, 2), (0.4, 150, 2)]:
        client.log_metric(extreme_id, "accuracy", value, 1_700_000_002_000 + timestamp, step)
    client.set_terminated(extreme_id, status="FAILED", end_time=1_700_000_003_000)
    run_ids.append(extreme_id)

    if "KILLED" in RunStatusTypes:  # the store's CHECK constraint admits KILLED from 1.4 on
        killed = client.create_run(experiment_id, start_time=1_700_000_004_000)
        client.set_terminated(killed.info.run_id, status="KILLED", end_time=1_700_000_005_000)
    client.create_run(experiment_id, start_time=1_700_000_006_000)  # left RUNNING
    deleted = client.create_run(experiment_id, start_time=1_700_000_007_000)
    client.delete_run(deleted.info.run_id)
    return run_ids


def seed_registry(client: MlflowClient, run_ids: list[str]) -> None:
    name = "churn-model"
    client.create_registered_model(name, tags={"owner": "migtest"}, description="seeded by migtest")
    for run_id in run_ids[:2]:
        version = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id, tags={"stage": "candidate"})
    client.transition_model_version_stage(name, version.version, "Staging")
    if hasattr(client, "set_registered_model_alias"):  # 2.3+
        client.set_registered_model_alias(name, "champion", version.version)
    client.create_registered_model("empty-model")


def seed_datasets(client: MlflowClient, run_id: str) -> None:
    try:  # 2.4+
        from mlflow.entities import Dataset, DatasetInput, InputTag
    except ImportError:
        return
    dataset = Dataset(
        name="churn",
        digest="0123abcd",
        source_type="local",
        source='{"uri": "/data/churn.csv"}',
        schema='{"mlflow_colspec": [{"name": "age", "type": "long"}]}',
        profile='{"num_rows": 100}',
    )
    client.log_inputs(run_id, [DatasetInput(dataset, tags=[InputTag("mlflow.data.context", "training")])])


def seed(url: str) -> None:
    create(url)
    client = MlflowClient(url)  # the registry follows the tracking URI
    experiment_id = client.create_experiment("churn")
    client.set_experiment_tag(experiment_id, "project", "migtest")
    client.set_experiment_tag(experiment_id, "stage", "research")
    run_ids = seed_runs(client, experiment_id)
    seed_runs(client, "0")  # the Default experiment every store has
    gone = client.create_experiment("abandoned")
    client.delete_experiment(gone)
    if hasattr(client, "create_registered_model"):  # 1.4+
        seed_registry(client, run_ids)
    seed_datasets(client, run_ids[0])


if __name__ == "__main__":
    seed(sys.argv[1])

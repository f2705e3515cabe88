"""`ptsm serve`: a real Prefect server, the deployment on its cron schedule, runs of it
(a watched page on 127.0.0.1 gaining a link between two of them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli
from served_deployment import (
    DEPLOYMENT_S,
    EVERY_MINUTE,
    RUNS,
    SCHEDULED_S,
    SERVER_START_S,
    Outcome,
    ServedDeployment,
    ServingError,
)

from flows.serve import parameters_from_settings
from pipeline.config import Settings


def test_serve_refuses_a_bad_cron_expression(tmp_path: Path) -> None:
    proc = run_cli("serve", "--cron", "every monday", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "invalid cron expression 'every monday'" in proc.stderr


@pytest.fixture(scope="module")
def outcome(served_deployment: ServedDeployment) -> Outcome:
    """The first scheduled runs of the session's served deployment (started with the session,
    see conftest): publish, ingest a link added to the watched page, find nothing changed."""
    try:
        return served_deployment.outcome(timeout=SERVER_START_S + DEPLOYMENT_S
                                         + SCHEDULED_S * RUNS)
    except ServingError as exc:
        pytest.fail(str(exc))


@pytest.mark.scheduler
def test_the_scheduler_runs_the_pipeline_by_itself(outcome: Outcome) -> None:
    """The server's scheduler creates the runs of a one-minute cron, `ptsm serve` runs them:
    they publish into the `--out` given, and the one after a run finds nothing changed.
    Waits for three minute boundaries (overlapping the other tests) but runs in CI: nothing
    else shows that scheduled runs happen (SQLAlchemy 2.1 broke Prefect's scheduler without
    a failing test)."""
    found, out = outcome.deployment, outcome.out
    assert [s["schedule"].get("cron") for s in found["schedules"]] == [EVERY_MINUTE]
    assert found["parameters"]["out"] == str(out)
    for run in outcome.runs:
        assert run["auto_scheduled"], "created by the scheduler, not by hand"
        assert run["state_type"] == "COMPLETED", (run["state"], outcome.serve_log[-3000:])
    # the runs' own manifests, in the snapshots of the `--out` given
    first, second, third = outcome.manifests[:RUNS]
    assert out.is_symlink() and (out / "documents").is_dir()
    assert first["tables"]["documents"] == 1 and not first.get("unchanged_since")
    assert third["unchanged_since"] == second["run_id"], "nothing changed"
    assert third["run_id"] != second["run_id"]
    assert third["tables"] == second["tables"]


@pytest.mark.scheduler
def test_serve_picks_up_a_link_added_between_two_scheduled_runs(outcome: Outcome) -> None:
    """The watched page gains a link between the first scheduled run and the second: the
    second ingests it (and only it)."""
    site = outcome.site
    news = [[d["source_uri"] for d in m["new_documents"]] for m in outcome.manifests]
    assert news[:2] == [[site.url("feuille-de-route.pdf")], [site.url("contrat.pdf")]]
    assert outcome.manifests[1]["documents_processed"] == 1
    documents = pd.read_parquet(outcome.out / "documents")
    assert sorted(documents["link_text"]) == ["Contrat territorial de santé mentale",
                                              "Feuille de route du PTSM"]
    assert set(documents["discovered_from"]) == {site.url("ptsm.html")}


def test_serve_keeps_the_link_of_its_output(tmp_path: Path) -> None:
    """A local `--out` is a link to its current snapshot: the deployment publishes through
    the link, not into the snapshot it pointed to when it was served."""
    snapshot = tmp_path / ".curated.snapshots" / "run1"
    snapshot.mkdir(parents=True)
    out = tmp_path / "curated"
    out.symlink_to(snapshot.relative_to(tmp_path))
    params = parameters_from_settings(Settings(out=str(out)))
    assert params["out"] == str(out)
    relative = parameters_from_settings(Settings(out="curated"))
    assert relative["out"] == str(Path.cwd() / "curated")

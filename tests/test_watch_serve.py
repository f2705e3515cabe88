"""`ptsm serve --cron` with a watched page: a link added between two scheduled runs is
ingested by the second (a real Prefect server and its scheduler, the served deployment,
a real HTTP site on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
from conftest import FIXTURES
from http_server import Handler, Static, serve_folder
from test_serve import (
    _start,
    _stop,
    _wait_for,
    prefect_server,  # noqa: F401  (fixture)
)
from test_watch import index_page

from pipeline.dataset.publish import snapshots_dir

EVERY_MINUTE = "* * * * *"
DEPLOYMENT = "ptsm-scheduled/watch"
DEPLOYMENT_S = 90
SCHEDULED_S = 300  # the next minute boundary, then the run itself on a loaded machine
FINISHED = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]


@dataclass
class EditedAfterFirstRequest:
    """A page whose first request gets `before` and the next ones `after`: edited between
    the first run and the second, whenever the scheduler starts them."""

    before: Static
    after: Static
    calls: int = 0

    def respond(self, h: Handler) -> None:
        self.calls += 1
        (self.before if self.calls == 1 else self.after).respond(h)


def test_serve_picks_up_a_link_added_between_two_scheduled_runs(
        prefect_server: tuple[str, dict[str, str]], tmp_path: Path) -> None:  # noqa: F811
    api, env = prefect_server
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(FIXTURES / "pdf" / "text_features.pdf", site / "feuille-de-route.pdf")
    shutil.copy(FIXTURES / "pdf" / "toc.pdf", site / "contrat.pdf")
    links = [("/feuille-de-route.pdf", "Feuille de route du PTSM")]
    page = EditedAfterFirstRequest(
        Static(index_page(links), "text/html"),
        Static(index_page([*links, ("/contrat.pdf", "Contrat territorial de santé mentale")]),
               "text/html"))
    out = tmp_path / "curated"
    with serve_folder(site, routes={"/ptsm.html": page}) as server:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[watch]]\nid = "ars"\nuri = "{server.url("ptsm.html")}"\n'
                           'follow = ["pdf"]\ndelay_s = 0\n')
        log = tmp_path / "serve.log"
        serve = _start([sys.executable, "-m", "pipeline.cli", "serve", "--cron", EVERY_MINUTE,
                        "--name", "watch", "--sources", str(sources), "--out", str(out),
                        "--store", str(tmp_path / "store"), "--allow-host", "127.0.0.1"],
                       {**env, "PREFECT_RUNNER_POLL_FREQUENCY": "2"}, log)
        client = httpx.Client(base_url=api, timeout=10)
        try:
            def deployment() -> dict | None:
                reply = client.get(f"/deployments/name/{DEPLOYMENT}")
                return reply.json() if reply.status_code == 200 else None

            found = _wait_for("deployment", deployment, DEPLOYMENT_S, serve, log)

            def finished_runs(count: int) -> Callable[[], list[dict] | None]:
                def probe() -> list[dict] | None:
                    reply = client.post("/flow_runs/filter", json={
                        "deployments": {"id": {"any_": [found["id"]]}},
                        "flow_runs": {"state": {"type": {"any_": FINISHED}}},
                        "sort": "EXPECTED_START_TIME_ASC"})
                    runs = reply.json() if reply.status_code == 200 else []
                    return runs if len(runs) >= count else None
                return probe

            first = _wait_for("first scheduled run", finished_runs(1), SCHEDULED_S, serve,
                              log, every=2)[0]
            assert first["state_type"] == "COMPLETED", log.read_text()[-3000:]
            second = _wait_for("next scheduled run", finished_runs(2), SCHEDULED_S, serve,
                               log, every=2)[1]
            assert second["state_type"] == "COMPLETED", log.read_text()[-3000:]
            assert first["auto_scheduled"] and second["auto_scheduled"]
        finally:
            client.close()
            _stop(serve)
    # the runs' own manifests (a third scheduled run may have republished in the meantime)
    manifests = sorted((json.loads(p.read_text())
                        for p in snapshots_dir(out).glob("*/_manifest.json")),
                       key=lambda m: m["finished_at"])
    news = [[d["source_uri"] for d in m["new_documents"]] for m in manifests]
    assert news[:2] == [[server.url("feuille-de-route.pdf")], [server.url("contrat.pdf")]]
    assert manifests[1]["documents_processed"] == 1
    documents = pd.read_parquet(out / "documents")
    assert sorted(documents["link_text"]) == ["Contrat territorial de santé mentale",
                                              "Feuille de route du PTSM"]
    assert set(documents["discovered_from"]) == {server.url("ptsm.html")}

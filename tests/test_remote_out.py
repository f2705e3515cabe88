"""`--out` on object storage: a real S3-compatible server (moto) on 127.0.0.1, and file://."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest
from conftest import ROOT, Run, run_cli
from fixtures.synthetic_dataset import synthetic_rows
from moto import server as moto_server  # a real S3 API on 127.0.0.1

import pipeline.dataset.publish as publish_module
from pipeline.analytics.duckdb_views import build_duckdb
from pipeline.cli import main
from pipeline.dataset.history import merge_history, previous_rows
from pipeline.dataset.lock import LockedError, lock_path, output_lock
from pipeline.dataset.outputs import POINTER, published_dataset, redact, resolve_output
from pipeline.dataset.publish import publish, read_table, to_arrow
from schemas.tables import TABLES, is_partitioned

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
COMPARED = ("documents", "passages", "fiches")


@dataclass
class S3:
    endpoint: str  # host:port
    fs: pafs.S3FileSystem

    def uri(self, bucket_and_prefix: str) -> str:
        return f"s3://{bucket_and_prefix}?endpoint_override={self.endpoint}&scheme=http"

    def pointer(self, prefix: str) -> dict:
        with self.fs.open_input_stream(f"{prefix}/{POINTER}") as stream:
            return json.loads(stream.read())

    def snapshots(self, prefix: str) -> set[str]:
        selector = pafs.FileSelector(f"{prefix}/snapshots", allow_not_found=True)
        return {Path(i.path).name for i in self.fs.get_file_info(selector)}

    def count(self, folder: str, table: str) -> int:
        dataset = ds.dataset(f"{folder}/{table}", filesystem=self.fs, format="parquet",
                             partitioning="hive" if is_partitioned(table) else None)
        return dataset.count_rows()


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    """A moto S3 server on a free port of 127.0.0.1 and a bucket `ptsm`; dummy credentials
    in the environment (inherited by the `ptsm run` subprocesses)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request
    with pytest.MonkeyPatch.context() as env:
        for key, value in CREDENTIALS.items():
            env.setenv(key, value)
        server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"{host}:{port}"
            fs = pafs.S3FileSystem(endpoint_override=endpoint, scheme="http",
                                   allow_bucket_creation=True)
            fs.create_dir("ptsm")
            yield S3(endpoint, fs)
        finally:
            server.stop()


def _synthetic_tables() -> dict:
    return {name: to_arrow(name, rows) for name, rows in synthetic_rows().items()}


def _complete(s3: S3, folder: str) -> dict:
    """The manifest of a snapshot, after checking every table holds its counted rows."""
    with s3.fs.open_input_stream(f"{folder}/_manifest.json") as stream:
        manifest = json.loads(stream.read())
    for table in TABLES:
        assert s3.count(folder, table) == manifest["tables"][table], table
    return manifest


def test_ptsm_run_publishes_to_s3_and_a_second_run_moves_the_pointer(
        s3: S3, sample_run: Run, prefect_home: Path) -> None:
    assert sample_run.returncode == 0, sample_run.stderr[-2000:]
    uri = s3.uri("ptsm/curated")
    # the samples run's store: its cached results make these runs fast
    args = ("run", "--sources", str(ROOT / "data/raw/sources.toml"), "--out", uri,
            "--store", str(sample_run.out.parent / "store"))
    first = run_cli(*args, home=prefect_home)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    assert "s3://ptsm/curated" in first.stdout

    pointer = s3.pointer("ptsm/curated")
    assert set(pointer) == {"run_id", "snapshot", "written_at"}
    assert pointer["snapshot"] == f"snapshots/{pointer['run_id']}"
    snapshot = f"ptsm/curated/{pointer['snapshot']}"
    manifest = _complete(s3, snapshot)
    assert manifest["run_id"] == pointer["run_id"]
    for table in COMPARED:
        local = len(pd.read_parquet(sample_run.out / table))
        assert local > 0 and s3.count(snapshot, table) == local, table
        assert read_table(uri, table).num_rows == local, table  # the project's reader
    assert s3.fs.get_file_info(f"{snapshot}/ptsm.duckdb").type == pafs.FileType.NotFound

    second = run_cli(*args, home=prefect_home)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    moved = s3.pointer("ptsm/curated")
    assert moved["run_id"] != pointer["run_id"]
    assert s3.snapshots("ptsm/curated") == {pointer["run_id"], moved["run_id"]}
    assert _complete(s3, snapshot) == manifest  # the previous snapshot is untouched
    again = _complete(s3, f"ptsm/curated/{moved['snapshot']}")
    # nothing changed: the history merge (read from S3) keeps the same document versions
    assert again["tables"]["documents"] == manifest["tables"]["documents"]
    local = pd.read_parquet(sample_run.out / "documents")
    remote = read_table(uri, "documents").to_pandas()
    assert sorted(zip(remote.doc_id, remote.version, strict=True)) == sorted(
        zip(local.doc_id, local.version, strict=True))


def test_a_snapshot_without_the_pointer_switch_leaves_readers_on_the_previous_one(
        s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = s3.uri("ptsm/crash")
    tables = _synthetic_tables()
    publish(tables, uri, {"run_id": "first"})
    before = {t: read_table(uri, t).num_rows for t in TABLES}
    assert before["documents"] > 0

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError("killed before the pointer switch")

    monkeypatch.setattr(publish_module, "switch_pointer", crash)
    with pytest.raises(OSError, match="pointer switch"):
        publish({}, uri, {"run_id": "second"})  # an empty dataset, fully written
    assert s3.snapshots("ptsm/crash") == {"first", "second"}
    assert s3.pointer("ptsm/crash")["run_id"] == "first"
    assert {t: read_table(uri, t).num_rows for t in TABLES} == before
    assert len(previous_rows(uri, "documents")) == before["documents"]


def test_an_interrupted_snapshot_is_removed_and_three_are_kept(
        s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = s3.uri("ptsm/prune")
    publish({}, uri, {"run_id": "r1"})
    real_write = publish_module._write_table

    def fail_on_passages(name: str, *args: object) -> None:
        if name == "passages":
            raise OSError("connection reset")
        real_write(name, *args)

    with monkeypatch.context() as patch:
        patch.setattr(publish_module, "_write_table", fail_on_passages)
        with pytest.raises(OSError, match="reset"):
            publish({}, uri, {"run_id": "r2-broken"})
    broken = s3.fs.get_file_info("ptsm/prune/snapshots/r2-broken/_manifest.json")
    assert broken.type == pafs.FileType.NotFound  # tables half written, no manifest
    assert s3.pointer("ptsm/prune")["run_id"] == "r1"
    for run_id in ("r3", "r4", "r5"):
        publish({}, uri, {"run_id": run_id})
    assert s3.pointer("ptsm/prune")["run_id"] == "r5"
    assert s3.snapshots("ptsm/prune") == {"r3", "r4", "r5"}  # r1 pruned, r2-broken too


def test_vanished_sources_are_carried_over_from_the_remote_snapshot(s3: S3) -> None:
    uri = s3.uri("ptsm/history")
    rows = synthetic_rows()
    publish(_synthetic_tables(), uri, {"run_id": "h1"})
    this_run: dict[str, list] = {table: [] for table in TABLES}  # every source gone (404)
    merge_history(this_run, uri, sorted({r["source_id"] for r in rows["documents"]}))
    assert len(this_run["documents"]) == len(rows["documents"])
    assert {r["source_status"] for r in this_run["documents"] if r["is_current"]} == {
        "missing"}
    for table in ("passages", "fiches", "governance_events"):
        assert len(this_run[table]) == len(rows[table]), table


def test_nothing_published_yet_has_no_history(s3: S3) -> None:
    uri = s3.uri("ptsm/empty")
    assert published_dataset(uri) is None
    assert previous_rows(uri, "documents") == []
    with pytest.raises(FileNotFoundError, match="CURRENT"):
        read_table(uri, "documents")


def test_a_file_uri_is_the_local_symlink_publish(tmp_path: Path) -> None:
    out = tmp_path / "curated"
    tables = _synthetic_tables()
    assert publish(tables, f"file://{out}", {"run_id": "a"}, finish=build_duckdb) == out
    publish(tables, f"file://{out}", {"run_id": "b"}, finish=build_duckdb)
    assert out.is_symlink() and (out / "ptsm.duckdb").is_file()
    assert sorted(p.name for p in publish_module.snapshots_dir(out).iterdir()) == ["a", "b"]
    assert json.loads((out / "_manifest.json").read_text())["run_id"] == "b"
    for table in ("documents", "passages"):
        assert read_table(f"file://{out}", table).equals(read_table(out, table))
    assert len(previous_rows(f"file://{out}", "documents")) == tables["documents"].num_rows
    assert lock_path(f"file://{out}") == lock_path(out) == tmp_path / ".curated.lock"


def test_the_lock_of_a_remote_output_is_a_local_file_named_by_the_output() -> None:
    a = "s3://bucket/prefix?endpoint_override=127.0.0.1:9000&scheme=http"
    same = "s3://bucket/prefix/?region=eu-west-3&endpoint_override=127.0.0.1:9000"
    other = "s3://bucket/other?endpoint_override=127.0.0.1:9000&scheme=http"
    assert lock_path(a) == lock_path(same) != lock_path(other)
    assert lock_path(a).parent.name == "ptsm-locks"
    with output_lock(a), pytest.raises(LockedError, match="s3://bucket/prefix"), \
            output_lock(same):
        pass


def test_secrets_in_the_uri_are_not_printed() -> None:
    uri = "s3://AKIA:hunter2@bucket/p?endpoint_override=h:1&scheme=http"
    assert redact(uri) == "s3://***@bucket/p?endpoint_override=h:1&scheme=http"
    assert "hunter2" not in str(resolve_output(uri))
    assert "hunter2" not in redact("gs://b/p?secret_key=hunter2&x=1")


@pytest.mark.parametrize("command", [["validate"], ["report"], ["eval", "--gold", "gold.json"],
                                     ["export", "--format", "csv"]])
def test_local_only_commands_refuse_a_remote_out(command: list[str],
                                                 capsys: pytest.CaptureFixture) -> None:
    uri = "s3://bucket/prefix?endpoint_override=127.0.0.1:9&scheme=http"
    assert main([*command, "--out", uri]) == 2
    err = capsys.readouterr().err
    assert "local dataset only" in err and "Traceback" not in err


def test_an_unknown_filesystem_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", "--out", "nosuchfs://x/y"]) == 2
    assert "cannot open --out nosuchfs://x/y" in capsys.readouterr().err

"""Usage and configuration errors: checked before anything starts or is created, one line on
stderr naming what to fix, exit status 2, no traceback (unless --debug)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from pipeline import cli
from pipeline.ingest.fetch import FetchError, FetchSettings, fetch
from pipeline.ingest.sources import SourcesError, load_sources_file


def _sources(tmp_path: Path, text: str) -> Path:
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4\n")
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _usage_error(tmp_path: Path, *args: str) -> str:
    """Run `ptsm run ARGS --out <tmp>/out`: the one line it printed, after checking that it
    exited with 2, printed nothing else, and created neither the output nor a store."""
    out = tmp_path / "out" / "curated"
    proc = run_cli("run", *args, "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ptsm: error: "), proc.stderr
    assert not (tmp_path / "out").exists()  # no output, no raw store next to it
    return lines[0]


@pytest.mark.parametrize("text, expected", [
    ('[[source]]\nid = "a"\n', "source #1 has no 'uri'"),
    ('[[source]]\nuir = "a.pdf"\n', "source #1: unknown key 'uir' (did you mean 'uri'?)"),
    ('[[source]]\nuri = "a.pdf"\ndepartement = "53"\n',
     "unknown key 'departement' (did you mean 'department'?)"),
    ('[[sourse]]\nuri = "a.pdf"\n', "unknown key 'sourse' (did you mean 'source'?)"),
    ('[[source]]\nuri = "a.pdf"\n[[source]]\nuri = "a.pdf"\n', "duplicate source id 'a.pdf'"),
    ('[[source]\nuri = "a.pdf"\n', "invalid TOML"),
    ("", "no [[source]] nor [[watch]] entries"),
])
def test_sources_file_errors_are_named(tmp_path: Path, text: str, expected: str) -> None:
    line = _usage_error(tmp_path, "--sources", str(_sources(tmp_path, text)))
    assert expected in line and "sources.toml" in line


def test_watch_is_a_known_section(tmp_path: Path) -> None:
    path = _sources(tmp_path, '[[source]]\nuri = "a.pdf"\n\n[[watch]]\nurl = "https://x.fr/"\n')
    assert [s.id for s in load_sources_file(path)] == ["a.pdf"]
    with pytest.raises(SourcesError, match="'wacth' .did you mean 'watch'"):
        load_sources_file(_sources(tmp_path, '[[source]]\nuri = "a.pdf"\n[[wacth]]\n'))


@pytest.mark.parametrize("option, value, expected", [
    ("--raw", "missing-folder", "--raw {}: no such folder"),
    ("--sources", "missing.toml", "--sources {}: no such file"),
    ("--allow-root", "missing-root", "--allow-root {}: no such folder"),
])
def test_missing_paths_are_named_and_nothing_is_created(tmp_path: Path, option: str,
                                                        value: str, expected: str) -> None:
    missing = tmp_path / value
    line = _usage_error(tmp_path, option, str(missing))
    assert expected.format(missing) in line
    assert not missing.exists()


@pytest.mark.parametrize("args, expected", [
    (["--workers", "0"], "--workers must be at least 1"),
    (["--max-pages", "0"], "--max-pages must be at least 1"),
    (["--dask-address", "tcp://127.0.0.1:1"], "--dask-address needs --task-runner dask"),
])
def test_bad_options(tmp_path: Path, args: list[str], expected: str) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    assert expected in _usage_error(tmp_path, "--raw", str(raw), *args)


def test_an_empty_raw_folder_is_named(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    assert f"no input files in {raw}" in _usage_error(tmp_path, "--raw", str(raw))


def test_serve_checks_its_sources_before_prefect(tmp_path: Path) -> None:
    proc = run_cli("serve", "--cron", "* * * * *", "--sources", str(tmp_path / "none.toml"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"ptsm: error: --sources {tmp_path / 'none.toml'}: no such file"


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def bug(_args: object) -> int:
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setitem(cli.COMMANDS, "validate", bug)
    assert cli.main(["validate"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["ptsm: error: RuntimeError: a bug over two lines "
                     "(run again with --debug for the traceback)"]
    with pytest.raises(RuntimeError):
        cli.main(["validate", "--debug"])


def test_a_private_address_names_the_flag_that_allows_it() -> None:
    with pytest.raises(FetchError) as refused:
        fetch("http://127.0.0.1:9/ptsm.pdf", FetchSettings(timeout_s=2))
    assert "run again with --allow-host 127.0.0.1" in str(refused.value)

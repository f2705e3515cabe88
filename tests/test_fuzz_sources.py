"""Fuzzing `sources.toml` (hypothesis): whatever the file holds, loading it either gives
sources or one SourcesError (exit 2), and every source then ingests to a document or a
quarantine row (a dict, without credentials), never an exception.

No network: remote sources are on private or loopback address literals, refused by the
address guard before any connection (no name is resolved).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline.config import Settings
from pipeline.ingest.raw_store import Ingested
from pipeline.ingest.sources import SourcesError, load_sources_file
from pipeline.stages import ingest_stage

# the same examples on every run (CI stays deterministic); PTSM_HYPOTHESIS_EXPLORE=1 draws
# new ones, and a failure found then becomes a unit test
FUZZ = settings(max_examples=120, deadline=None,
                derandomize=not os.environ.get("PTSM_HYPOTHESIS_EXPLORE"),
                suppress_health_check=[HealthCheck.too_slow])
PASSWORD = "fuzz-Pa55w0rd"

hosts = st.sampled_from(["127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]", "0.0.0.0",
                         "192.168.0.1:8080", "[fe80::1]"])
paths = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
remote = st.builds(lambda scheme, creds, host, path: f"{scheme}{creds}{host}/{path}",
                   st.sampled_from(["http://", "https://", "ftp://", "file://", "HTTP://",
                                    "gopher://", "http:/"]),
                   st.sampled_from(["", f"u:{PASSWORD}@", f"{PASSWORD}@", "@"]), hosts, paths)
local = st.builds(lambda prefix, name: prefix + name,
                  st.sampled_from(["", "./", "../", "/", "file://", "sub/", "~/", "\0"]),
                  st.sampled_from(["a.html", "missing.pdf", "", ".", "..", "dir", "a\0.html",
                                   "x" * 300, "é.pdf", "sources.toml"]))
scalars = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.floats(),
                    st.lists(st.integers(), max_size=3))
entry = st.fixed_dictionaries(
    {"uri": st.one_of(remote, local, remote, local, scalars)},
    optional={"id": st.one_of(st.text(max_size=8), scalars),
              "department": st.one_of(st.sampled_from(["53", "2A", "975", "", "0"]), scalars),
              "url": st.one_of(remote, scalars), "title": scalars,
              "unknown": scalars})
document = st.one_of(
    st.fixed_dictionaries({"source": st.lists(entry, min_size=1, max_size=4)}),
    st.fixed_dictionaries({}, optional={"source": st.one_of(scalars, entry)}))


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F or c in '"\\'
                      else c for c in text)
    return f'"{escaped}"'


def toml_value(value: object) -> str:
    """A value in TOML syntax."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    return toml_string(value) if isinstance(value, str) else repr(value)


def toml_text(data: dict) -> str:
    lines = []
    sources = data.get("source")
    if isinstance(sources, list) and all(isinstance(item, dict) for item in sources):
        for item in sources:
            lines.append("[[source]]")
            lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in item.items()]
    elif "source" in data:
        lines.append(f"source = {toml_value(sources)}")
    return "\n".join(lines) + "\n"


def _check(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "a.html").write_text("<html><body><p>Projet territorial</p></body></html>")
        (root / "dir").mkdir()
        path = root / "sources.toml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "replace"))
        try:
            sources = load_sources_file(path)
        except SourcesError as exc:
            assert str(exc)  # a usage error, said
            event("sources file refused: " + str(exc).split(": ", 1)[-1][:22])
            return
        run = Settings(raw_dir=root, store_dir=root / "store", allowed_roots=[root],
                       http_timeout_s=2.0, http_total_timeout_s=2.0)
        for source in sources:
            assert isinstance(source.uri, str) and isinstance(source.id, str)
            outcome = ingest_stage(source, run)  # never raises
            assert isinstance(outcome, Ingested | dict)
            event("ingested" if isinstance(outcome, Ingested) else outcome["error_type"])
            shown = json.dumps(outcome if isinstance(outcome, dict) else vars(outcome),
                               default=str)
            assert PASSWORD not in shown and "\\u0000" not in shown


@FUZZ
@given(document)
def test_structured_sources_files_never_crash(data: dict) -> None:
    _check(toml_text(data))


@FUZZ
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200),
                 document.map(toml_text).map(lambda t: t.encode()).flatmap(
                     lambda b: st.integers(0, max(len(b) - 1, 0)).map(
                         lambda i: b[:i] + b"\xff\"[" + b[i + 1:]))))
def test_any_bytes_as_sources_file_never_crash(text: str | bytes) -> None:
    _check(text)

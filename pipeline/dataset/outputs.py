"""Where a dataset is published (`--out`), and where its current snapshot is.

`--out` is a local path, or any URI `pyarrow.fs.FileSystem.from_uri` understands:
`file:///abs/path`, `s3://bucket/prefix?endpoint_override=host:port&scheme=http&region=..`,
`gs://bucket/prefix`, ... (credentials from the usual environment variables).

- A local output (a path or a `file://` URI) is a symbolic link to its current snapshot
  folder (`pipeline.dataset.publish`): readers open the folder itself.
- A remote output has no atomic rename. Its snapshots live under
  `<prefix>/snapshots/<run_id>/` and the small JSON object `<prefix>/CURRENT`
  (`run_id`, `snapshot`, `written_at`) names the current one; it is written last, so a
  reader following it sees a whole dataset, and a crash leaves the previous pointer.

Publish, history and `read_table` all go through `resolve_output` / `dataset_location`.
`check_replaceable` keeps publishing from ever replacing what this tool did not publish.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow.fs as pafs

MANIFEST = "_manifest.json"
POINTER = "CURRENT"
SNAPSHOTS = "snapshots"
SECRET_PARAMS = ("access_key", "secret_key", "session_token")


class OutputError(ValueError):
    """`--out` names no filesystem pyarrow can open."""


@dataclass(frozen=True)
class Location:
    """A dataset folder on a filesystem (local or remote)."""

    filesystem: pafs.FileSystem
    path: str

    def join(self, *parts: str) -> str:
        return "/".join([self.path.rstrip("/"), *parts])

    def exists(self, *parts: str) -> bool:
        info = self.filesystem.get_file_info(self.join(*parts))
        return info.type != pafs.FileType.NotFound

    def read_json(self, *parts: str) -> dict[str, Any]:
        with self.filesystem.open_input_stream(self.join(*parts)) as stream:
            return json.loads(stream.read().decode("utf-8"))

    def write_json(self, data: dict[str, Any], *parts: str) -> None:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        with self.filesystem.open_output_stream(self.join(*parts)) as stream:
            stream.write(text.encode("utf-8"))


@dataclass(frozen=True)
class Output:
    """A `--out`: its filesystem and root path, local or remote."""

    uri: str  # as given
    filesystem: pafs.FileSystem
    path: str  # inside `filesystem`: an absolute local path, or bucket/prefix

    @property
    def is_local(self) -> bool:
        return isinstance(self.filesystem, pafs.LocalFileSystem)

    @property
    def local_path(self) -> Path:
        if not self.is_local:
            raise OutputError(f"{self} is not a local folder")
        return Path(self.path)

    @property
    def root(self) -> Location:
        return Location(self.filesystem, self.path)

    @property
    def key(self) -> str:
        """Names the dataset without the connection options: `s3://bucket/prefix`."""
        return f"{self.filesystem.type_name}://{self.path.rstrip('/')}"

    def __str__(self) -> str:
        return str(self.local_path) if self.is_local else redact(self.uri)

    # -- remote layout: <prefix>/snapshots/<run_id>/ and the pointer <prefix>/CURRENT

    def snapshot(self, name: str) -> Location:
        return Location(self.filesystem, self.root.join(SNAPSHOTS, name))

    def read_pointer(self) -> dict[str, Any] | None:
        """The CURRENT pointer of a remote output (None if nothing was published)."""
        try:
            return self.root.read_json(POINTER)
        except FileNotFoundError:
            return None

    def write_pointer(self, pointer: dict[str, Any]) -> None:
        self.root.write_json(pointer, POINTER)


def resolve_output(out: str | Path | Output) -> Output:
    """`--out` → its filesystem. Plain paths stay local (relative to the working folder)."""
    if isinstance(out, Output):
        return out
    text = os.fspath(out)
    if "://" not in text:
        return Output(text, pafs.LocalFileSystem(), os.path.abspath(text))
    try:
        filesystem, path = pafs.FileSystem.from_uri(text)
    except (ValueError, OSError) as exc:  # ArrowInvalid is a ValueError
        raise OutputError(f"cannot open --out {redact(text)}: {exc}") from exc
    if isinstance(filesystem, pafs.LocalFileSystem):
        path = os.path.abspath(path)
    return Output(text, filesystem, path.rstrip("/"))


def snapshots_dir(out: Path) -> Path:
    """Where the snapshots of the local dataset `out` live."""
    return out.parent / f".{out.name}.snapshots"


def check_replaceable(output: Output) -> None:
    """Raise OutputError unless publishing to `output` can only replace a dataset this tool
    published (recognised by its manifest or its snapshot link) or create a new one.

    Accepted locally: nothing there yet, an empty folder, a link into the output's own
    snapshots folder, a plain folder holding a published manifest (an older layout).
    Refused: a file, a folder of anything else (`--out .`, a home folder), any other link.
    A remote output is refused when it has a `snapshots/` folder but no `CURRENT` pointer.
    """
    if not output.is_local:
        if output.read_pointer() is None and output.root.exists(SNAPSHOTS):
            raise OutputError(f"--out {output}: it holds a {SNAPSHOTS}/ folder but no "
                              f"{POINTER} pointer, so it is not a dataset published by ptsm; "
                              "choose a new prefix")
        return
    out = output.local_path
    refuse = f"--out {out}: refused, "
    advice = "; choose a new folder for the dataset (nothing was changed)"
    if out == out.parent or not out.name:
        raise OutputError(f"{refuse}a file system root is not a dataset folder{advice}")
    if out.is_symlink():
        target = Path(os.path.normpath(out.parent / os.readlink(out)))
        if target.parent != snapshots_dir(out):
            raise OutputError(f"{refuse}it is a link to {target}, not to a snapshot of a "
                              f"dataset published by ptsm{advice}")
        return
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{refuse}it is a file, not a dataset folder published by "
                          f"ptsm{advice}")
    try:
        empty = next(out.iterdir(), None) is None
    except OSError as exc:
        raise OutputError(f"{refuse}its content cannot be listed ({exc}){advice}") from exc
    if not empty and not _is_manifest(out / MANIFEST):
        raise OutputError(f"{refuse}it is a folder of other files, not a dataset published "
                          f"by ptsm (no {MANIFEST}){advice}")


def _is_manifest(path: Path) -> bool:
    """A manifest written by `publish` (a JSON object naming its run and schema)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "schema_version" in data


def dataset_location(out: str | Path | Output | Location) -> Location:
    """The folder readers open: a local output itself (its link follows the current
    snapshot), the snapshot named by CURRENT for a remote one."""
    if isinstance(out, Location):
        return out
    output = resolve_output(out)
    if output.is_local:
        return output.root
    pointer = output.read_pointer()
    if pointer is None:
        raise FileNotFoundError(f"nothing published at {output} (no {POINTER})")
    return Location(output.filesystem, output.root.join(pointer["snapshot"]))


def published_dataset(out: str | Path | Output | Location) -> Location | None:
    """The current dataset of `out` if a complete one is published there, else None."""
    try:
        location = dataset_location(out)
    except FileNotFoundError:
        return None
    return location if location.exists(MANIFEST) else None


def redact(uri: str) -> str:
    """A URI without credentials (`s3://KEY:SECRET@bucket/...`, secret query options)."""
    parts = urlsplit(uri)
    if "@" in parts.netloc:
        parts = parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1])
    if any(k in SECRET_PARAMS for k, _ in parse_qsl(parts.query)):
        query = [(k, "***" if k in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query)]
        parts = parts._replace(query=urlencode(query, safe="*:"))
    return urlunsplit(parts)


def describe(out: str | Path) -> str:
    """`out` for messages: an absolute local path, or the URI without its secrets."""
    try:
        return str(resolve_output(out))
    except OutputError:
        return redact(os.fspath(out))

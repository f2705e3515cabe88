"""The PDF layout modules compiled with mypyc, used only when built from the current sources.

``pdf_layout``, ``pdf_tables`` and ``pdf_blocks`` are plain, typed Python: the words → lines
→ tables → blocks loops where a page spends most of its Python time. ``python -m
pipeline.readers.compile_layout`` (run by ``make run`` and ``make test``) compiles them with mypyc
into the per-user cache folder (``$PTSM_CACHE_DIR`` or ``~/.cache/ptsm``), in a folder named
by the hash of their sources and of the Python build. Importing ``pipeline.readers`` installs
an import finder that serves the compiled modules when that folder exists: edited sources
(another hash), ``PTSM_COMPILED=0``, no C compiler or no Python headers, and the Python
modules run instead (same Documents, a test compares them; reading takes ~17 % more CPU).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

MODULES = ("pipeline.readers.pdf_layout", "pipeline.readers.pdf_tables",
           "pipeline.readers.pdf_blocks")
GROUP = "ptsm_layout"  # mypyc puts the compiled code in one library, GROUP + "__mypyc"
_LIBRARY = GROUP + "__mypyc"
_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the `pipeline` package
DONE = "complete"  # written last into a build folder
_SETUP = """
import sys
from mypyc.build import mypycify
from setuptools import setup
out, tmp, group, *paths = sys.argv[1:]
setup(name="ptsm-layout", script_args=["build_ext", "--build-lib", out, "--build-temp", tmp],
      ext_modules=mypycify(["--ignore-missing-imports", *paths], group_name=group,
                           target_dir=tmp))
"""


def cache_dir() -> Path:
    """The per-user folder of compiled helpers (``$PTSM_CACHE_DIR`` or ``~/.cache/ptsm``)."""
    return Path(os.environ.get("PTSM_CACHE_DIR") or Path.home() / ".cache" / "ptsm")


def _source(module: str) -> Path:
    return _ROOT.joinpath(*module.split(".")).with_suffix(".py")


def _sources() -> list[bytes]:
    return [_source(m).read_bytes() for m in MODULES]


def source_tag(sources: Sequence[bytes] | None = None) -> str:
    """The hash naming a build: the modules' sources (only these: what they import from
    elsewhere is compiled as untyped Python objects) and the Python build they run on."""
    parts = [*(_sources() if sources is None else sources), sys.version.encode(),
             sys.implementation.cache_tag.encode(), sys.abiflags.encode(),
             importlib.machinery.EXTENSION_SUFFIXES[0].encode(), platform.machine().encode()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def build_folder(sources: Sequence[bytes] | None = None) -> Path:
    """Where the build of the current sources lives (complete when it holds ``complete``)."""
    return cache_dir() / f"layout-{source_tag(sources)}"


def failed_marker(sources: Sequence[bytes] | None = None) -> Path:
    """Written when the build of these sources failed (with why): not tried again unless
    asked."""
    return build_folder(sources).with_suffix(".failed")


class _Finder(importlib.abc.MetaPathFinder):
    """Serves MODULES (and mypyc's library) from a build folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.suffix = importlib.machinery.EXTENSION_SUFFIXES[0]

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MODULES and fullname != _LIBRARY:
            return None
        file = self.folder.joinpath(*fullname.split(".")).with_name(
            fullname.rpartition(".")[2] + self.suffix)
        return importlib.util.spec_from_file_location(fullname, file) if file.exists() \
            else None


def install() -> bool:
    """Serve the compiled modules from now on when they are built for the current sources
    (and ``PTSM_COMPILED`` is not "0"); True when they will be."""
    if os.environ.get("PTSM_COMPILED") == "0":
        return False
    if any(isinstance(f, _Finder) for f in sys.meta_path):
        return True
    try:
        folder = build_folder()
    except (OSError, RuntimeError):  # sources not readable, no home folder: Python modules
        return False
    if not (folder / DONE).exists():
        return False
    sys.meta_path.insert(0, _Finder(folder))
    return True


def in_use() -> bool:
    """Whether the layout modules imported so far are the compiled ones."""
    module = sys.modules.get(MODULES[0])
    return module is not None and not str(module.__file__).endswith(".py")


def cannot_build() -> str | None:
    """Why this machine cannot compile the modules (None when it can)."""
    if importlib.util.find_spec("mypyc") is None:
        return "mypy (mypyc) is not installed"
    if shutil.which(os.environ.get("CC", "cc")) is None and shutil.which("gcc") is None:
        return "no C compiler (cc)"
    include = sysconfig.get_paths().get("include")
    if not include or not (Path(include) / "Python.h").exists():
        return f"no Python headers ({include}/Python.h; Debian: apt-get install python3-dev)"
    return None


class BuildError(RuntimeError):
    """mypyc or the C compiler failed."""


def build() -> Path:
    """Compile MODULES for the current sources (once: an existing build is kept); the build
    folder. The sources are copied first and the copies hashed and compiled, so that a
    file edited meanwhile cannot end in the build of another hash; what they import from
    the rest of the package is missing there, so mypyc treats it as untyped (no runtime
    check tied to another module's types). Raises BuildError when mypyc or the compiler
    fails (and writes :func:`failed_marker`), OSError when the cache is not writable."""
    sources = _sources()
    folder = build_folder(sources)
    if (folder / DONE).exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix="building-") as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        paths = []
        for module, text in zip(MODULES, sources, strict=True):
            path = src.joinpath(*module.split(".")).with_suffix(".py")
            for package in path.relative_to(src).parents[:-1]:
                (src / package).mkdir(parents=True, exist_ok=True)
                (src / package / "__init__.py").touch()
            path.write_bytes(text)
            paths.append(str(path.relative_to(src)))
        env = {**os.environ, "MYPY_CACHE_DIR": str(Path(tmp) / "mypy-cache")}
        try:
            done = subprocess.run(
                [sys.executable, "-c", _SETUP, str(out), str(Path(tmp) / "c"), GROUP, *paths],
                cwd=src, env=env, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.SubprocessError) as exc:
            done = subprocess.CompletedProcess([], 1, "", f"mypyc could not run: {exc}")
        if done.returncode != 0:
            lines = (done.stdout + done.stderr).strip().splitlines()
            why = ("\n".join(line for line in lines if "error" in line.lower())
                   or "\n".join(lines[-20:]))
            failed_marker(sources).write_text(why + "\n", encoding="utf-8")
            raise BuildError(why)
        (out / DONE).write_text(folder.name + "\n", encoding="utf-8")
        try:
            os.replace(out, folder)  # atomic; a parallel build may have won the race
        except OSError:
            if not (folder / DONE).exists():
                raise
    failed_marker(sources).unlink(missing_ok=True)
    return folder

"""Hostile servers against the fetcher, each in a fresh process: peak memory and time.

    .venv/bin/python benchmarks/fetch_faults.py [--bomb-gib 1] [--deadline 5]

Serves on 127.0.0.1 (tests/http_server.py): a gzip bomb (`--bomb-gib` GiB of zeros, about
1 MiB sent), the issue's double-gzip bomb (`Content-Encoding: gzip, gzip`), a body
announced as deflate that is not, headers trickled one byte every 50 ms. Each fetch runs
with the default limits (100 MiB, 30 s per read) and `--deadline` as the total time, in
its own process so that its peak RSS is its own. Prints one row per case.
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import resource
import struct
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from http_server import Encoded, TrickleHeaders, serve_folder  # noqa: E402

from pipeline.ingest.fetch import FetchError, FetchSettings, fetch  # noqa: E402


def gzip_bomb(mib: int) -> bytes:
    """`mib` MiB of zeros as one gzip member (one flushed deflate block repeated)."""
    engine = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    first = engine.compress(block) + engine.flush(zlib.Z_FULL_FLUSH)
    repeated = engine.compress(block) + engine.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    return b"".join([b"\x1f\x8b\x08\0\0\0\0\0\x02\xff", first, repeated * (mib - 1),
                     engine.flush(), struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF)])


def _one(url: str, deadline: float, queue: multiprocessing.Queue) -> None:
    settings = FetchSettings(allowed_hosts=frozenset({"127.0.0.1"}), total_timeout_s=deadline)
    started = time.monotonic()
    try:
        result = fetch(url, settings)
        outcome = f"ok, {len(result.content or b'')} bytes"
    except FetchError as exc:
        outcome = exc.error_type
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((outcome, time.monotonic() - started, peak))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bomb-gib", type=int, default=1)
    parser.add_argument("--deadline", type=float, default=5.0)
    args = parser.parse_args()
    bomb = gzip_bomb(args.bomb_gib << 10)
    double = gzip.compress(gzip_bomb(1 << 10), 9)  # 1 GiB inside two layers
    routes = {"/bomb": Encoded(bomb), "/double": Encoded(double, "gzip, gzip"),
              "/not-deflate": Encoded(b"plain text, not deflate", "deflate"),
              "/trickle": TrickleHeaders(interval_s=0.05)}
    sizes = {"/bomb": len(bomb), "/double": len(double), "/not-deflate": 23, "/trickle": 0}
    context = multiprocessing.get_context("spawn")
    print(f"{'case':<14} {'sent':>10} {'outcome':<22} {'seconds':>8} {'peak RSS MiB':>13}")
    with serve_folder(routes=routes) as server:
        for path in routes:
            queue = context.Queue()
            process = context.Process(target=_one, args=(server.url(path), args.deadline,
                                                          queue))
            process.start()
            outcome, seconds, peak = queue.get()
            process.join()
            print(f"{path.lstrip('/'):<14} {sizes[path]:>10,} {outcome:<22} {seconds:>8.2f} "
                  f"{peak:>13.0f}")


if __name__ == "__main__":
    main()

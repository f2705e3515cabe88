"""Benchmark of pipeline.dedup.passages on generated passages with a known duplicate structure.

    .venv/bin/python benchmarks/bench_dedup.py --sizes 10000 30000 100000 300000

Each size runs in a fresh subprocess (so the peak RSS is its own) and prints: n, seconds of
``dedup_passages`` (spans included), peak RSS in MB, pairwise precision and recall of the
clusters against the generated truth. Then, on 10k passages, the same clustering done by
an exhaustive rapidfuzz comparison (``process.cdist`` of every key against every key, same
threshold and number rule) and the ratio of the two times.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_passages import generate  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from pipeline.dedup.minhash import connected_components  # noqa: E402
from pipeline.dedup.passages import DedupSettings, dedup_passages  # noqa: E402
from pipeline.dedup.textnorm import match_key, numbers_in  # noqa: E402


def pair_scores(pred: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the truth."""
    def pairs(counts: np.ndarray) -> float:
        c = counts.astype(np.float64)
        return float((c * (c - 1) / 2).sum())

    both = pd.DataFrame({"p": pred, "t": true})
    tp = pairs(both.value_counts().to_numpy())
    pp = pairs(both["p"].value_counts().to_numpy())
    tt = pairs(both["t"].value_counts().to_numpy())
    return (tp / pp if pp else 1.0), (tp / tt if tt else 1.0)


def run_one(n: int, seed: int) -> dict:
    df = generate(n, seed)
    truth = df.pop("true_cluster").to_numpy()
    t0 = time.perf_counter()
    result = dedup_passages(df)
    seconds = time.perf_counter() - t0
    pred = pd.factorize(result.passages["cluster_id"])[0]
    precision, recall = pair_scores(pred, truth)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "seconds": seconds, "peak_mb": peak_mb, "precision": precision,
            "recall": recall, "clusters": int(result.clusters.shape[0]),
            "spans": int(len(result.spans))}


def exhaustive(n: int, seed: int) -> dict:
    """Cluster by comparing every distinct key with every other one (rapidfuzz cdist)."""
    s = DedupSettings()
    df = generate(n, seed)
    truth = df.pop("true_cluster").to_numpy()
    t0 = time.perf_counter()
    fast = dedup_passages(df, DedupSettings(find_spans=False))
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    codes, uniq = pd.factorize(pd.Series([match_key(t) for t in df["text"]]))
    keys = [str(k) for k in uniq]
    scores = process.cdist(keys, keys, scorer=fuzz.ratio, dtype=np.uint8, workers=-1,
                           score_cutoff=int(min(s.threshold, s.short_threshold)))
    i, j = np.nonzero(np.triu(scores, 1))
    lengths = np.array([len(k) for k in keys])
    need = np.where(np.minimum(lengths[i], lengths[j]) < s.short_chars, s.short_threshold,
                    s.threshold)
    nums = pd.factorize(pd.Series([numbers_in(k) for k in keys], dtype=object))[0]
    ok = (scores[i, j] >= need) & (nums[i] == nums[j])
    labels = connected_components(len(keys), np.stack([i[ok], j[ok]], axis=1))
    t_exh = time.perf_counter() - t0
    pred_exh = labels[codes]
    p_exh, r_exh = pair_scores(pred_exh, truth)
    p_fast, r_fast = pair_scores(pd.factorize(fast.passages["cluster_id"])[0], truth)
    agree_p, agree_r = pair_scores(pd.factorize(fast.passages["cluster_id"])[0], pred_exh)
    return {"n": n, "distinct_keys": len(keys), "exhaustive_s": t_exh, "blocked_s": t_fast,
            "speedup": t_exh / t_fast, "exh_precision": p_exh, "exh_recall": r_exh,
            "blocked_precision": p_fast, "blocked_recall": r_fast,
            "recall_vs_exhaustive": agree_r, "precision_vs_exhaustive": agree_p}


def child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs per size below 300k (median reported)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-exhaustive", action="store_true")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--exhaustive-one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed)))
        return
    if args.exhaustive_one:
        print(json.dumps(exhaustive(args.exhaustive_one, args.seed)))
        return
    print(f"{'n':>8} {'seconds':>8} {'peak MB':>8} {'precision':>9} {'recall':>7} "
          f"{'clusters':>8} {'spans':>7}  (median of runs)")
    for n in args.sizes:
        runs = [child(["--one", str(n), "--seed", str(args.seed)])
                for _ in range(1 if n >= 300_000 else args.repeats)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{n:>8} {med['seconds']:>8.2f} {med['peak_mb']:>8.0f} {med['precision']:>9.4f} "
              f"{med['recall']:>7.4f} {int(med['clusters']):>8} {int(med['spans']):>7}"
              f"  ({len(runs)} run{'s' if len(runs) > 1 else ''})", flush=True)
    if not args.no_exhaustive:
        e = child(["--exhaustive-one", "10000", "--seed", str(args.seed)])
        print(f"\nexhaustive rapidfuzz cdist on 10k ({e['distinct_keys']} distinct keys): "
              f"{e['exhaustive_s']:.2f} s vs blocked {e['blocked_s']:.2f} s "
              f"(spans off) -> {e['speedup']:.1f}x")
        print(f"  exhaustive P/R {e['exh_precision']:.4f}/{e['exh_recall']:.4f}; "
              f"blocked P/R {e['blocked_precision']:.4f}/{e['blocked_recall']:.4f}; "
              f"blocked vs exhaustive pairs: recall {e['recall_vs_exhaustive']:.4f}, "
              f"precision {e['precision_vs_exhaustive']:.4f}")


if __name__ == "__main__":
    main()

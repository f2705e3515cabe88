"""What the samples publish is pinned by a digest: a change shows up as a reviewed diff."""

from __future__ import annotations

import json

from dataset_digest import DIGEST_FILE, dataset_digest


def test_the_samples_publish_the_committed_digest(sample_run) -> None:
    """Same IDs, same rows as committed. After a change meant to change the dataset, run
    `python tests/dataset_digest.py <out> --write` and commit the new digest with it."""
    assert sample_run.returncode == 0, sample_run.stderr[-2000:]
    expected = json.loads(DIGEST_FILE.read_text(encoding="utf-8"))
    assert dataset_digest(sample_run.out) == expected

"""The reader's memory figure in `make bench`: measured in a fresh process, and it moves when the reader loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_the_reader_share_is_the_rise_in_peak_memory_once_the_reader_has_read() -> None:
    out = subprocess.run([sys.executable, "-m", "benchmarks.reader_rss"], check=True, capture_output=True,
                         text=True, timeout=300).stdout
    figures = json.loads(out)
    assert set(figures) == {"embedder_mb", "with_reader_mb", "reader_mb"}
    assert figures["embedder_mb"] > 100  # the embedder's MiniLM alone is tens of MB of weights
    assert figures["reader_mb"] == pytest.approx(figures["with_reader_mb"] - figures["embedder_mb"])
    assert figures["reader_mb"] > 20  # a second MiniLM's layers and activations cannot be free

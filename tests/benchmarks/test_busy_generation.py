"""The busy-CPU generation figure in `make bench`: measured in a fresh process with passive waiting, the
competing processes stopped afterwards."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_generation_is_measured_idle_and_beside_a_busy_process_per_core() -> None:
    out = subprocess.run([sys.executable, "-m", "benchmarks.busy_generation", "--tokens", "8", "--runs", "1"],
                         check=True, capture_output=True, text=True, timeout=300).stdout
    figures = json.loads(out)
    assert figures["omp_wait_policy"] == "PASSIVE" and figures["competing_processes"] >= 1
    assert figures["idle_tokens_per_s"] > 0 and figures["busy_tokens_per_s"] > 0
    hogs = subprocess.run(["pgrep", "-f", "while True: pass"], capture_output=True, text=True).stdout.split()
    assert not hogs, "a competing process outlived the measurement"

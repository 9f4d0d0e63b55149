"""The local model's generation rate on an idle machine and with a competing job on every core, measured in a
process of its own with the product's OpenMP setting (passive waiting, `assistant/backends/llamacpp.py`:
`wait_passively`). Without it, llama.cpp's spinning threads collapsed to 0.4 tokens/s beside another job.
Prints JSON (tokens a second, idle and busy); `make bench` reports both.

    python -m benchmarks.busy_generation [--tokens 64] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.backends import Backend
    from assistant.types import Message

__all__ = ["measure"]

PROMPT: list[Message] = [{"role": "system", "content": "Answer in full sentences."},
          {"role": "user", "content": "Describe a lighthouse on a rocky coast, its keeper and the storms it saw."}]


def _rate(backend: Backend, tokens: int, runs: int) -> float:
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        n = len(list(backend.generate(PROMPT, max_tokens=tokens, temperature=0.0)))
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def measure(tokens: int = 64, runs: int = 3) -> dict[str, Any]:
    """Tokens a second, idle and with one busy-looping process per core (started after the model loads)."""
    from assistant.backends import make_backend
    from assistant.backends.llamacpp import wait_passively
    from assistant.settings import Settings

    wait_passively()
    backend = make_backend(Settings.resolve(backend="llamacpp"))
    backend.load()
    idle = _rate(backend, tokens, runs)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        busy = _rate(backend, tokens, runs)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    return {"idle_tokens_per_s": round(idle, 1), "busy_tokens_per_s": round(busy, 1),
            "competing_processes": len(hogs), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.busy_generation", description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    print(json.dumps(measure(args.tokens, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

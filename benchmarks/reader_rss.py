"""What the reader adds to a process's peak memory, measured in a process of its own (so nothing loaded
before counts): peak RSS with the embedder loaded and used, then again once the reader has read a full
candidate list. Prints the two figures and their difference as JSON; `make bench` reports the difference."""

from __future__ import annotations

import json
import os
import sys

from assistant.reader import Candidate
from assistant.reader.cross_encoder import CrossEncoderReader
from assistant.settings import Settings
from index import SentenceTransformerEmbedder
from tests.support.procs import rss_mb

__all__ = ["measure"]

_SENTENCE = ("Founded in 1992, the organization, a regional collective security and defense alliance, brings "
             "together six countries, and its charter states the goals of the organization and its members.")


def measure(candidates: int = 16) -> dict[str, float]:
    settings = Settings.resolve()
    SentenceTransformerEmbedder(settings.embedding_model).embed([_SENTENCE] * 32)
    before = rss_mb(os.getpid(), "VmHWM")
    reader = CrossEncoderReader(settings.reader_path)
    for _ in range(3):
        reader.read("Who are the members of the organization founded in 1992?",
                    [Candidate(_SENTENCE, _SENTENCE)] * candidates)
    after = rss_mb(os.getpid(), "VmHWM")
    return {"embedder_mb": before, "with_reader_mb": after, "reader_mb": after - before}


if __name__ == "__main__":
    json.dump(measure(), sys.stdout)
    sys.exit(0)

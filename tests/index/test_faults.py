"""SIGKILL `article-assistant index` part-way, again and again: the previous index keeps answering, and the
next run leaves exactly one live collection. Real CLI, real embedder, real embedded Chroma. After each kill
the index is opened afresh here, as a new process would (the embedder is loaded once, not once a check)."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXE = shutil.which("article-assistant", path=str(Path(sys.executable).parent)) or "article-assistant"


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=timeout)


def test_sigkill_during_index_keeps_the_previous_index_and_the_next_run_repairs(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    first = _run("index", "--data-dir", data)
    assert first.returncode == 0, first.stderr
    t0 = time.monotonic()
    full = _run("index", "--rebuild", "--data-dir", data)
    took = time.monotonic() - t0
    assert full.returncode == 0, full.stderr
    from chromadb.api.client import SharedSystemClient

    from assistant.settings import default_article_path
    from index import ArticleIndex, IndexConfig, SentenceTransformerEmbedder

    config = IndexConfig(article=default_article_path(), data_dir=Path(data))
    embedder = SentenceTransformerEmbedder()
    rng = random.Random(20261128)
    killed = 0
    for _ in range(4):
        proc = subprocess.Popen([EXE, "index", "--rebuild", "--data-dir", data], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.0) * took)  # mostly past start-up, into embedding and writing
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait() == -signal.SIGKILL
        SharedSystemClient.clear_system_cache()  # nothing of the store kept in memory between checks
        found = ArticleIndex.open(config, embedder, build=False).search("When was the CSTO founded?", 1)
        assert "Founded in 1992" in found[0].passage.text
    assert killed >= 2  # most kills landed mid-run rather than after it had finished
    repaired = _run("index", "--data-dir", data)
    assert repaired.returncode == 0, repaired.stderr
    import chromadb

    names = sorted(c.name for c in chromadb.PersistentClient(path=f"{data}/chroma").list_collections())
    assert len(names) == 2 and "article-assistant-manifests" in names, names  # manifest + one live index

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


def _embedded(proc: subprocess.Popen[str]) -> float:
    """When the child printed the line that ends embedding: from there on it writes the new collection, the
    manifest, and drops the old one. Timing kills from this line, not from a first run's wall time, keeps them
    mid-run on a loaded CI machine whose later runs start faster than its first."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if "embedding:" in line:
            return time.monotonic()
    raise AssertionError("`article-assistant index` ended without embedding")


def _start_rebuild(data: str) -> subprocess.Popen[str]:
    return subprocess.Popen([EXE, "index", "--rebuild", "--data-dir", data], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def test_sigkill_during_index_keeps_the_previous_index_and_the_next_run_repairs(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    first = _run("index", "--data-dir", data)
    assert first.returncode == 0, first.stderr
    t0 = time.monotonic()
    full = _start_rebuild(data)
    embedded = _embedded(full)
    assert full.wait(timeout=300) == 0
    startup, writing = embedded - t0, time.monotonic() - embedded
    assert full.stderr is not None
    full.stderr.close()
    from chromadb.api.client import SharedSystemClient

    from assistant.settings import default_article_path
    from index import ArticleIndex, IndexConfig, SentenceTransformerEmbedder

    config = IndexConfig(article=default_article_path(), data_dir=Path(data))
    embedder = SentenceTransformerEmbedder()
    rng = random.Random(20261128)
    killed_writing = 0
    for i in range(4):
        proc = _start_rebuild(data)
        if i % 2:  # while it writes the new collection and flips the manifest: the kills that matter
            _embedded(proc)
            time.sleep(rng.uniform(0.05, 0.6) * writing)
        else:  # during start-up or embedding
            time.sleep(rng.uniform(0.3, 0.8) * startup)
        proc.send_signal(signal.SIGKILL)
        was_killed = proc.wait() == -signal.SIGKILL
        killed_writing += was_killed and i % 2 == 1
        assert proc.stderr is not None
        proc.stderr.close()
        SharedSystemClient.clear_system_cache()  # nothing of the store kept in memory between checks
        found = ArticleIndex.open(config, embedder, build=False).search("When was the CSTO founded?", 1)
        assert "Founded in 1992" in found[0].passage.text
    assert killed_writing == 2  # both write-phase kills landed before the run had finished
    repaired = _run("index", "--data-dir", data)
    assert repaired.returncode == 0, repaired.stderr
    import chromadb

    names = sorted(c.name for c in chromadb.PersistentClient(path=f"{data}/chroma").list_collections())
    assert len(names) == 2 and "article-assistant-manifests" in names, names  # manifest + one live index

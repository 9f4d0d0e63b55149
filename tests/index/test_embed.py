"""What the embedder module lends others: nothing for a model folder it has not loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embed import loaded_word_embeddings


def test_no_word_embeddings_are_lent_for_a_model_not_loaded(tmp_path: Path) -> None:
    assert loaded_word_embeddings(tmp_path) is None


@pytest.mark.slow
def test_loading_the_models_prints_no_progress_bar() -> None:
    import subprocess
    import sys

    code = ("from assistant import Assistant; a = Assistant(); a.ask('When was the CSTO founded?')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert "Loading weights" not in done.stderr and "%|" not in done.stderr, done.stderr[-500:]

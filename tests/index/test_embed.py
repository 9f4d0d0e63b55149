"""What the embedder module lends others: nothing for a model folder it has not loaded."""

from __future__ import annotations

from pathlib import Path

from index.embed import loaded_word_embeddings


def test_no_word_embeddings_are_lent_for_a_model_not_loaded(tmp_path: Path) -> None:
    assert loaded_word_embeddings(tmp_path) is None

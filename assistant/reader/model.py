"""The reader network and its input encoding, shared by training and inference so they cannot drift.

Input: `[CLS] question [SEP] sentence [SEP] title: sentence before [SEP]`. The candidate sentence comes first
so that truncation only ever cuts the context, and the span head's positions sit right after the question.
Outputs per pair: an answer logit (listwise against a learned "no answer" logit) and start/end logits over
the sentence's tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from index.text import ascii_quotes

__all__ = ["MAX_CONTEXT_TOKENS", "MAX_QUESTION_TOKENS", "MAX_SENTENCE_TOKENS", "SCORES", "Encoded", "ReaderNet",
           "encode"]

MAX_QUESTION_TOKENS = 40
MAX_SENTENCE_TOKENS = 80
MAX_CONTEXT_TOKENS = 32
# How a candidate's answer logit is read off the network (reader.json "score"). "cls": the [CLS] head alone.
# "joint": the sentence's share of one distribution over (sentence, start, end) and "no answer", [CLS] logit
# + the log-mean-exp of its start logits + that of its end logits, so the span head's token-level evidence
# counts towards "this sentence answers" and an unanswerable question's loss reaches the very tokens a
# careless reader would pick (as SQuAD 2.0 readers weigh the best span against the null score). The mean, not
# the sum: a long sentence offers more spans but is no likelier to answer.
SCORES = ("cls", "joint")


@dataclass(frozen=True)
class Encoded:
    """A padded batch; `sentence_mask` marks the candidate sentence's tokens, `offsets` their character spans
    in the sentence (for mapping a predicted span back to text)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    token_type_ids: torch.Tensor
    sentence_mask: torch.Tensor
    offsets: list[list[tuple[int, int]]]

    def to(self, device: str) -> Encoded:
        """The same batch on `device` (a GPU when training has one; inference stays on the CPU)."""
        if device == "cpu":
            return self
        return Encoded(self.input_ids.to(device), self.attention_mask.to(device), self.token_type_ids.to(device),
                       self.sentence_mask.to(device), self.offsets)


def encode(tokenizer: Any, pairs: list[tuple[str, str, str]]) -> Encoded:
    """`pairs` of (question, sentence, context); padded to the longest pair of the batch, not to a maximum."""
    rows, types, masks, offsets = [], [], [], []
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    for pair in pairs:
        # The reader learned from SQuAD, whose text has straight quotes; a curly one is a different token.
        question, sentence, context = (ascii_quotes(t) for t in pair)
        q = tokenizer(question, add_special_tokens=False, truncation=True, max_length=MAX_QUESTION_TOKENS)
        s = tokenizer(sentence, add_special_tokens=False, truncation=True, max_length=MAX_SENTENCE_TOKENS,
                      return_offsets_mapping=True)
        c = tokenizer(context, add_special_tokens=False, truncation=True, max_length=MAX_CONTEXT_TOKENS)
        q_ids, s_ids, c_ids = q["input_ids"], s["input_ids"], c["input_ids"]
        ids = [cls, *q_ids, sep, *s_ids, sep, *c_ids, sep]
        first = len(q_ids) + 2
        rows.append(ids)
        types.append([0] * first + [1] * (len(ids) - first))
        masks.append([0] * first + [1] * len(s_ids) + [0] * (len(ids) - first - len(s_ids)))
        offsets.append([(int(a), int(b)) for a, b in s["offset_mapping"]])
    width = max(len(r) for r in rows)
    pad = tokenizer.pad_token_id or 0

    def padded(seqs: list[list[int]], value: int) -> torch.Tensor:
        return torch.tensor([r + [value] * (width - len(r)) for r in seqs], dtype=torch.long)

    return Encoded(padded(rows, pad), padded([[1] * len(r) for r in rows], 0), padded(types, 0),
                   padded(masks, 0).bool(), offsets)


class ReaderNet(nn.Module):
    """MiniLM encoder + two small heads. The word embeddings are frozen (and not shipped: they are loaded
    from the bundled all-MiniLM-L6-v2 package), which halves what the repository carries."""

    def __init__(self, encoder: nn.Module, score: str = "cls") -> None:
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"score must be one of {', '.join(SCORES)}, not {score!r}")
        self.score = score
        self.encoder = encoder
        hidden = int(getattr(encoder, "config").hidden_size)  # noqa: B009 - a transformers model
        self.answer = nn.Sequential(nn.Dropout(0.1), nn.Linear(hidden, 1))
        self.span = nn.Linear(hidden, 2)
        self.null = nn.Parameter(torch.zeros(1))  # the "no answer" logit every candidate competes with

    @classmethod
    def from_minilm(cls, path: Path, score: str = "cls") -> ReaderNet:
        from transformers import AutoModel

        net = cls(AutoModel.from_pretrained(str(path), local_files_only=True), score)
        net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)  # type: ignore[union-attr]
        return net

    def forward(self, batch: Encoded) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(answer logits [n], start logits [n, t], end logits [n, t]); span logits are -inf outside the sentence."""
        out = self.encoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                           token_type_ids=batch.token_type_ids)
        states = out.last_hidden_state
        answer = self.answer(states[:, 0]).squeeze(-1)
        span = self.span(states)
        outside = ~batch.sentence_mask
        start = span[..., 0].masked_fill(outside, float("-inf"))
        end = span[..., 1].masked_fill(outside, float("-inf"))
        return answer, start, end

    def answer_logits(self, answer: torch.Tensor, start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
        """Each candidate's logit against `null`, as `score` says (training and inference both read it here)."""
        if self.score == "cls":
            return answer
        tokens = torch.isfinite(start).sum(dim=-1).clamp(min=1).log()  # outside the sentence they are -inf
        return answer + torch.logsumexp(start, dim=-1) + torch.logsumexp(end, dim=-1) - 2 * tokens

    def shipped_state(self) -> dict[str, torch.Tensor]:
        """Everything but the frozen word embeddings, in fp16."""
        return {k: v.detach().half().contiguous() for k, v in self.state_dict().items()
                if "word_embeddings" not in k}

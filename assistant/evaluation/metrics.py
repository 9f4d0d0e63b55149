"""Evaluation figures as pure functions: no I/O, no models (the embedder is passed in), no LLM judge.

Answer figures (`exact_match`, `token_f1`, `containment`) compare texts after `normalize_answer`, the SQuAD
v1.1 normalisation made unicode-aware. Retrieval figures take the ranked passage texts and the gold
`reference_contexts`; citation figures take the citation quotes and the article text.
"""

from __future__ import annotations

import math
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from index import Embedder

__all__ = [
    "FIGURES",
    "MIN_SHARED_RUN",
    "PREFIX_CHARS",
    "citation_supported",
    "containment",
    "cosine",
    "exact_match",
    "first_relevant_rank",
    "hit_at_k",
    "is_relevant",
    "mean",
    "normalize_answer",
    "percentile",
    "rate",
    "reciprocal_rank",
    "semantic_similarity",
    "spans_overlap",
    "token_f1",
]

FIGURES = (
    "correct", "exact_match", "token_f1", "containment", "short_answer_em", "short_answer_f1",
    "short_answer_coverage", "semantic_similarity", "hit_at_1", "hit_at_3", "mrr", "citation_precision",
    "citation_recall", "no_answer_accuracy", "false_abstention_rate", "latency_p50_s", "latency_p95_s",
)
"""The figures of an eval summary (overall, per kind and per article), in report order.

`correct`: the share of all questions answered with a gold answer contained (`containment`) or, when
unanswerable, refused. `exact_match`/`token_f1`/`containment`: the whole reply against the gold answers, over
answerable questions (a refusal scores 0). `short_answer_em`/`short_answer_f1`: SQuAD EM/F1 of the answer's
short answer (`Answer.short_answer`), over answerable questions answered with one (None when no answer has
one); `short_answer_coverage`: the share of answered answerable questions that have one."""
PREFIX_CHARS = 60
"""A reference context split across two passages still counts for the passage holding its first 60 characters."""
MIN_SHARED_RUN = 30
"""A citation and a reference context sharing at least this many consecutive characters overlap."""

_ARTICLES = frozenset({"a", "an", "the"})
# Hyphens join words ("multi-vector"): removed like the rest of the punctuation, as SQuAD does with "-".
_HYPHENS = frozenset({"-", "\u2010", "\u2011", "\u00ad"})
_ASCII_PUNCT = frozenset(string.punctuation)


def _char_class(ch: str) -> str:
    """'space', 'drop' or 'keep' for one (already NFKC-normalised, case-folded) character."""
    if ch in _HYPHENS:
        return "drop"
    cat = unicodedata.category(ch)
    if cat == "Pd":  # dashes (— – ‒ ―) separate words: "Korea—international" -> "korea international"
        return "space"
    if cat.startswith("P") or ch in _ASCII_PUNCT or cat == "Cf":  # punctuation, ASCII symbols, zero-width chars
        return "drop"
    return "keep"


def _normalize_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    out = []
    for ch in text:
        kind = _char_class(ch)
        if kind == "space":
            out.append(" ")
        elif kind == "keep":
            out.append(ch)
    words = [w for w in "".join(out).split() if w not in _ARTICLES]
    return unicodedata.normalize("NFKC", " ".join(words))


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 answer normalisation, made unicode-aware.

    SQuAD lower-cases, removes ASCII punctuation, drops the articles a/an/the and collapses whitespace. Here,
    so that typographic text compares equal to plain text:

    * the text is NFKC-normalised and case-folded (full-width letters, ligatures, "ß" -> "ss");
    * every unicode punctuation character (categories P*, e.g. ’ “ ” « » ¿) is removed, as are ASCII symbols
      (SQuAD's `string.punctuation`) and invisible format characters (zero-width space, soft hyphen);
    * dashes (category Pd, e.g. — –) become spaces, because they separate words: "Korea—international" ->
      "korea international"; the word-joining hyphens ("-", U+2010, U+2011) are removed as in SQuAD, so
      "multi-vector" -> "multivector";
    * whitespace is any unicode whitespace.

    Idempotent: `normalize_answer(normalize_answer(t)) == normalize_answer(t)`.
    """
    cur = _normalize_once(text)
    for _ in range(4):  # one pass almost always suffices; NFKC recomposition may expose one more change
        nxt = _normalize_once(cur)
        if nxt == cur:
            break
        cur = nxt
    return cur


def exact_match(prediction: str, golds: Iterable[str]) -> float:
    """1.0 when the normalised prediction equals some normalised gold answer; 0.0 for an empty gold list."""
    pred = normalize_answer(prediction)
    return max((float(pred == normalize_answer(g)) for g in golds), default=0.0)


def _f1(pred_tokens: list[str], gold_tokens: list[str]) -> float:
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)  # both empty: agree; one empty: nothing in common
    same = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_tokens), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Iterable[str]) -> float:
    """SQuAD token F1 of normalised words, the best over the gold answers; 0.0 for an empty gold list."""
    pred = normalize_answer(prediction).split()
    return max((_f1(pred, normalize_answer(g).split()) for g in golds), default=0.0)


def containment(prediction: str, golds: Iterable[str]) -> float:
    """1.0 when some normalised gold answer occurs in the normalised prediction on word boundaries.

    A gold answer that normalises to nothing (e.g. "the") is contained only in a prediction that does too,
    so that exact match always implies containment.
    """
    pred = normalize_answer(prediction)
    padded = f" {pred} "
    for g in golds:
        gold = normalize_answer(g)
        if gold == pred or (gold and f" {gold} " in padded):
            return 1.0
    return 0.0


def cosine(u: Sequence[float], v: Sequence[float]) -> float:
    """Cosine similarity; 0.0 when either vector is zero."""
    dot = sum(a * b for a, b in zip(u, v, strict=True))
    nu, nv = math.sqrt(sum(a * a for a in u)), math.sqrt(sum(b * b for b in v))
    return dot / (nu * nv) if nu and nv else 0.0


def semantic_similarity(prediction: str, golds: Sequence[str], embedder: Embedder) -> float:
    """Cosine similarity of the prediction and the closest gold answer under `embedder` (one batch call).

    0.0 when the prediction is blank or there is no non-blank gold answer.
    """
    golds = [g for g in golds if g.strip()]
    if not prediction.strip() or not golds:
        return 0.0
    vectors = embedder.embed([prediction, *golds])
    return max(cosine(vectors[0], v) for v in vectors[1:])


# -- retrieval -------------------------------------------------------------------------------------------

def _squash(text: str) -> str:
    return " ".join(text.split())


def is_relevant(passage_text: str, reference_contexts: Iterable[str]) -> bool:
    """A passage is relevant when it contains a reference context, or (for a context split across two
    passages) the context's first `PREFIX_CHARS` characters. Runs of whitespace compare equal."""
    text = _squash(passage_text)
    for ref in reference_contexts:
        ref = _squash(ref)
        if ref and (ref in text or ref[:PREFIX_CHARS] in text):
            return True
    return False


def first_relevant_rank(passage_texts: Sequence[str], reference_contexts: Sequence[str]) -> int | None:
    """The 1-based rank of the first relevant passage, or None when none of them is."""
    for rank, text in enumerate(passage_texts, start=1):
        if is_relevant(text, reference_contexts):
            return rank
    return None


def hit_at_k(rank: int | None, k: int) -> float:
    """1.0 when a relevant passage is among the first k."""
    return float(rank is not None and rank <= k)


def reciprocal_rank(rank: int | None) -> float:
    """1/rank of the first relevant passage; 0.0 when there is none (averaged over questions: MRR)."""
    return 1.0 / rank if rank else 0.0


# -- citations -------------------------------------------------------------------------------------------

def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Half-open character spans [start, end) share at least one character."""
    return max(a[0], b[0]) < min(a[1], b[1])


def _occurrences(needle: str, haystack: str) -> list[tuple[int, int]]:
    spans, i = [], haystack.find(needle)
    while needle and i >= 0:
        spans.append((i, i + len(needle)))
        i = haystack.find(needle, i + 1)
    return spans


def _texts_overlap(quote: str, ref: str) -> bool:
    if ref in quote or quote in ref:
        return True
    if min(len(quote), len(ref)) < MIN_SHARED_RUN:
        return False
    m = SequenceMatcher(None, quote, ref, autojunk=False).find_longest_match(0, len(quote), 0, len(ref))
    return m.size >= MIN_SHARED_RUN


def citation_supported(quote: str, start: int | None, end: int | None, article_text: str,
                       reference_contexts: Iterable[str]) -> bool:
    """A citation counts when its quote is verbatim in the article and overlaps a reference context.

    Overlap: the quote contains the context, the context contains the quote, they share a run of at least
    `MIN_SHARED_RUN` characters, or their character spans in the article overlap (the citation's own
    start/end when they hold the quote, else wherever the quote occurs).
    """
    if not quote or quote not in article_text:
        return False
    if start is not None and end is not None and article_text[start:end] == quote:
        quote_spans = [(start, end)]
    else:
        quote_spans = _occurrences(quote, article_text)
    for ref in reference_contexts:
        if not ref:
            continue
        if _texts_overlap(quote, ref):
            return True
        if any(spans_overlap(q, r) for q in quote_spans for r in _occurrences(ref, article_text)):
            return True
    return False


# -- aggregation -----------------------------------------------------------------------------------------

def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def rate(flags: Iterable[bool]) -> float | None:
    """The share of True; None for no flags (no_answer_accuracy, false_abstention_rate, recalls)."""
    items = list(flags)
    return sum(map(bool, items)) / len(items) if items else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between ranks (numpy's default); None if empty."""
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    vals = sorted(values)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)

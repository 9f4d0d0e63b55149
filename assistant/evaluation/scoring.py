"""Scoring: one results.jsonl row per gold question (`score_row`, from the figures of `metrics`) and summary.json's
figures from those rows (`summarize`: overall, per kind, the abstention curve). Pure: no files, no models but the
embedder passed in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.evaluation import metrics as m
from assistant.evaluation.abstention import abstention_curve, best_point, curve_thresholds
from assistant.evaluation.gold import GoldRow
from assistant.evaluation.metrics import FIGURES
from assistant.evaluation.uncertainty import terms
from index import Embedder

if TYPE_CHECKING:
    from assistant.types import Answer

__all__ = ["SUMMARY_KEYS", "score_row", "summarize"]

SUMMARY_KEYS = ("n", "answerable", "unanswerable", *FIGURES, "by_kind", "answer_threshold", "abstention_curve",
                "best_threshold")


def score_row(row: GoldRow, answer: Answer | None, latency_s: float, article_text: str, embedder: Embedder,
              error: str | None = None, *, raw: Answer | None = None, article: str = "") -> dict[str, Any]:
    """One results.jsonl row: what was asked and answered, what was retrieved, and the per-question figures.

    `answer` is the product's answer; `raw` the would-be answer before the reader-score refusal (default:
    `answer`), kept for the abstention curve as `raw_refused`, `raw_containment` and `answer_score`.
    Answer figures score a refusal as an empty reply. Figures that do not apply to the row are None:
    `short_answer_em`/`_f1` are measured on answerable questions answered with a short answer; `correct` on
    every question (the gold answer contained, or an unanswerable question refused).
    """
    raw = raw if raw is not None else answer
    refused = bool(answer.refused) if answer else False
    raw_refused = bool(raw.refused) if raw else False
    response = answer.text if answer else ""
    citations = [c.to_dict() for c in answer.citations] if answer else []
    retrieved = [h.to_dict() for h in answer.passages] if answer else []
    short = answer.short_answer if answer and not refused else None
    out: dict[str, Any] = {
        "id": row.id, "article": article, "question": row.question, "kind": row.kind, "answerable": row.answerable,
        "answers": row.answers, "response": response, "refused": refused,
        "reason": answer.reason if answer else "", "error": error,
        "answer_score": raw.answer_score if raw else None,  # not rounded: the curve compares it with thresholds
        "short_answer": short.text if short else None,
        "citations": citations, "retrieved": retrieved, "latency_s": round(latency_s, 4),
        "correct": None, "exact_match": None, "token_f1": None, "containment": None, "semantic_similarity": None,
        "short_answer_em": None, "short_answer_f1": None,
        "relevant_rank": None, "hit_at_1": None, "hit_at_3": None, "reciprocal_rank": None,
        "citations_supported": None, "citation_precision": None, "cited_reference": None,
        "raw_refused": raw_refused, "raw_containment": None,
    }
    if row.plausible_answers or row.distractor_contexts:
        out["plausible_answers"] = row.plausible_answers
        out["distractor_contexts"] = row.distractor_contexts
    failures: list[str] = []
    if error:
        failures.append(f"error: {error}")
    if row.answerable:
        reply = "" if refused else response
        out["exact_match"] = m.exact_match(reply, row.answers)
        out["token_f1"] = round(m.token_f1(reply, row.answers), 6)
        out["containment"] = m.containment(reply, row.answers)
        out["semantic_similarity"] = round(m.semantic_similarity(reply, row.answers, embedder), 6)
        out["correct"] = out["containment"]
        out["raw_containment"] = m.containment("" if raw is None or raw_refused else raw.text, row.answers)
        if short is not None and not error:
            out["short_answer_em"] = m.exact_match(short.text, row.answers)
            out["short_answer_f1"] = round(m.token_f1(short.text, row.answers), 6)
        if refused:
            failures.append("refused an answerable question")
        elif not out["containment"]:
            failures.append("gold answer not in the reply")
        if row.reference_contexts:
            rank = m.first_relevant_rank([str(h["text"]) for h in retrieved], row.reference_contexts)
            out["relevant_rank"] = rank
            out["hit_at_1"] = m.hit_at_k(rank, 1)
            out["hit_at_3"] = m.hit_at_k(rank, 3)
            out["reciprocal_rank"] = m.reciprocal_rank(rank)
            supported = [m.citation_supported(c.quote, c.start, c.end, article_text, row.reference_contexts)
                         for c in (answer.citations if answer else [])]
            out["citations_supported"] = sum(supported)
            out["citation_precision"] = m.rate(supported)
            out["cited_reference"] = any(supported)
            if not out["hit_at_3"]:
                failures.append("no relevant passage in the top 3")
            if not refused and not any(supported):
                failures.append("no citation on a reference context")
    else:
        out["correct"] = float(refused)
        if not refused:
            failures.append("answered an unanswerable question")
    out["failures"] = failures
    return out


def _round(v: float | None, nd: int = 4) -> float | None:
    return None if v is None else round(v, nd)


def _figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = sum(1 for r in rows if r["answerable"])
    latencies = [float(r["latency_s"]) for r in rows]
    means = {name: _round(float(num.sum() / den.sum()) if den.sum() > 0 else None)
             for name, (num, den) in terms(rows).items()}
    return {"n": len(rows), "answerable": ans, "unanswerable": len(rows) - ans,
            **{name: means[name] for name in FIGURES if name in means},
            "latency_p50_s": _round(m.percentile(latencies, 50)),
            "latency_p95_s": _round(m.percentile(latencies, 95))}


def summarize(rows: list[dict[str, Any]], answer_threshold: float | None = None) -> dict[str, Any]:
    """summary.json's figures from scored rows: overall, then `by_kind` with the same figures per kind, the
    product's `answer_threshold` and the `abstention_curve` (empty when no row has an answer score).

    `correct` averages over all rows; answer figures over answerable rows; `short_answer_em`/`_f1` over
    answerable rows answered with a short answer (None when no row has one) and `short_answer_coverage` is
    the share of answered answerable rows that have one; retrieval and citation figures over answerable rows
    with reference contexts (citation_precision over all their citations); no_answer_accuracy over
    unanswerable rows. A figure with no rows to average is None. `best_threshold`: the curve's point with the
    highest `correct` under the false-abstention cap (`abstention.best_point`), chosen on these very rows.
    """
    kinds = sorted({r["kind"] for r in rows})
    curve = abstention_curve(rows, curve_thresholds(answer_threshold))
    return {**_figures(rows), "by_kind": {k: _figures([r for r in rows if r["kind"] == k]) for k in kinds},
            "answer_threshold": answer_threshold, "abstention_curve": curve, "best_threshold": best_point(curve)}

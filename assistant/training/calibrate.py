"""Validation of a trained reader on held-out articles: the abstention curve, the refusal threshold chosen
from it, the short-answer threshold, the fusion with the bi-encoder, and the model card's sections that record
them (`python -m assistant.training.calibrate`, the second step of `make train`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.abstention import MAX_FALSE_ABSTENTION, THRESHOLD_GRID, choose_threshold, table_points
from assistant.evaluation.metrics import containment, token_f1

__all__ = ["MAX_FALSE_ABSTENTION", "collect_fusion_questions", "curve", "fit_fusion", "pick_threshold", "validate",
           "write_product_card"]



def curve(points: list[tuple[float, bool, bool]], grid: Sequence[float] = THRESHOLD_GRID) -> list[dict[str, float]]:
    """`points`: (score, answerable, answer_contained) per question -> correct / no-answer accuracy /
    false abstention for each threshold (answered when score >= threshold)."""
    out = []
    n = len(points)
    ans = [p for p in points if p[1]]
    una = [p for p in points if not p[1]]
    for t in grid:
        right = sum(1 for s, a, c in points if (s >= t and a and c) or (s < t and not a))
        out.append({
            "threshold": t, "correct": right / n if n else 0.0,
            "no_answer_accuracy": sum(1 for s, _, _ in una if s < t) / len(una) if una else 0.0,
            "false_abstention_rate": sum(1 for s, _, _ in ans if s < t) / len(ans) if ans else 0.0,
            "containment": sum(1 for s, _, c in ans if s >= t and c) / len(ans) if ans else 0.0,
        })
    return out


def pick_threshold(points: list[dict[str, float]], max_false_abstention: float = MAX_FALSE_ABSTENTION) -> float:
    """`choose_threshold` of the evaluation (highest `correct` with false abstention at most the cap, ties to the
    lower threshold); with no point under the cap, the lowest threshold (refuse as little as possible)."""
    chosen = choose_threshold(points, max_false_abstention)
    return min(p["threshold"] for p in points) if chosen is None else chosen


def validate(net: Any, minilm: Path, examples: list[Any], log: Any = None) -> dict[str, Any]:
    from transformers import AutoTokenizer

    from assistant.reader import Candidate
    from assistant.reader.cross_encoder import CrossEncoderReader

    reader = CrossEncoderReader(net=net, tokenizer=AutoTokenizer.from_pretrained(str(minilm), local_files_only=True),
                                threshold=0.5, span_threshold=0.0)
    points: list[tuple[float, bool, bool]] = []
    spans: list[tuple[float, float]] = []
    top1 = []
    for ex in examples:
        readings = reader.read(ex.question, [Candidate(s, c) for s, c in ex.candidates])
        best = max(range(len(readings)), key=lambda i: readings[i].probability)
        sentence = ex.candidates[best][0]
        answerable = bool(ex.answers)
        contained = answerable and bool(containment(sentence, ex.answers))
        points.append((readings[best].probability, answerable, contained))
        if answerable:
            top1.append(contained)
            span = readings[best].span
            if contained and span is not None:
                spans.append((span[2], token_f1(sentence[span[0]:span[1]], ex.answers)))
    points_curve = curve(points)
    threshold = pick_threshold(points_curve)
    at = next(p for p in points_curve if p["threshold"] == threshold)
    # A short answer is shown when it is more likely right than wrong: the threshold maximising the summed
    # (F1 - 0.5) of the spans it lets through.
    span_threshold, best_gain = 1.0, 0.0
    for t in THRESHOLD_GRID:
        gain = sum(f1 - 0.5 for p, f1 in spans if p >= t)
        if gain > best_gain:
            span_threshold, best_gain = t, gain
    shown = [f1 for p, f1 in spans if p >= span_threshold]
    figures = {
        "questions": len(points), "answerable": sum(1 for p in points if p[1]),
        "top1_contains_answer": round(sum(top1) / len(top1), 4) if top1 else None,
        "threshold": threshold, "correct": round(at["correct"], 4),
        "containment": round(at["containment"], 4),
        "no_answer_accuracy": round(at["no_answer_accuracy"], 4),
        "false_abstention_rate": round(at["false_abstention_rate"], 4),
        "short_answer_f1": round(sum(shown) / len(shown), 4) if shown else None,
        "short_answer_coverage": round(len(shown) / len(spans), 4) if spans else None,
        "refuse_all_correct": round(sum(1 for p in points if not p[1]) / len(points), 4) if points else None,
    }
    if log:
        log(f"validation: {figures}")
    return {"threshold": threshold, "span_threshold": span_threshold, "figures": figures, "curve": points_curve,
            "auc": _auc(points)}


def _auc(points: list[tuple[float, bool, bool]]) -> float | None:
    """AUC of the best candidate's probability, answerable against unanswerable questions (None: one kind)."""
    from sklearn.metrics import roc_auc_score

    labels = [answerable for _, answerable, _ in points]
    if len(set(labels)) < 2:
        return None
    return round(float(roc_auc_score(labels, [p for p, _, _ in points])), 4)


def collect_fusion_questions(weights: Path, folder: Path, name: str, work: Path) -> list[Any]:
    """Every question of one article as the product sees it before the gate (hybrid retrieval, candidate
    pruning, the unfused reader): per candidate (reader probability, cosine, holds a gold answer)."""
    from assistant.api import Assistant
    from assistant.chain import Turn
    from assistant.evaluation.gold import load_gold
    from assistant.reader.cross_encoder import CrossEncoderReader
    from assistant.reader.fusion import Fusion, FusionQuestion

    assistant = Assistant(backend="extractive", article=folder / f"{name}.txt", data_dir=work / "data",
                          reader=CrossEncoderReader(weights, fusion=Fusion()), chat_log=False)
    chain = assistant.chain()
    out = []
    for row in load_gold(folder / f"{name}.jsonl"):
        if row.history:
            continue
        turn = chain.retrieve(Turn(row.question, standalone=row.question))
        out.append(FusionQuestion([(e.probability, e.similarity, row.answerable and bool(containment(
            e.sentence.text, row.answers))) for e in turn.evidence], row.answerable))
    return out


def _fusion_figures(fusion: Any, questions: list[Any]) -> dict[str, float]:
    """Top-1 (answerable questions whose best candidate holds the answer) and the AUC of the best candidate's
    probability for answerable against unanswerable questions."""
    def best(q: Any) -> tuple[float, bool]:
        if not q.candidates:
            return 0.0, False
        p, s, ok = max(q.candidates, key=lambda c: fusion(c[0], c[1]))
        return fusion(p, s), ok

    ans = [best(q) for q in questions if q.answerable]
    una = [best(q)[0] for q in questions if not q.answerable]
    auc = (sum((a > b) + 0.5 * (a == b) for a, _ in ans for b in una) / (len(ans) * len(una))) if ans and una else 0.0
    return {"top1": round(sum(ok for _, ok in ans) / len(ans), 4) if ans else 0.0, "auc": round(auc, 4)}


def fit_fusion(weights: Path, data: Path, work: Path, names: list[str], log: Any = print) -> dict[str, Any]:
    """Fits the fusion on all the validation articles; also fits it on each one alone and measures it on the
    others, so the card shows what it does on an article it was not fitted on."""
    from assistant.reader.fusion import Fusion

    per = {name: collect_fusion_questions(weights, data, name, work) for name in names}
    every = [q for qs in per.values() for q in qs]
    fusion = Fusion.fit(every)
    crossed = {}
    for name in names:
        rest = [q for other, qs in per.items() if other != name for q in qs]
        if rest:
            alone = Fusion.fit(per[name])
            crossed[f"fit on {name}"] = {"similarity_weight": alone.similarity_weight,
                                         "unfused": _fusion_figures(Fusion(), rest),
                                         "fused": _fusion_figures(alone, rest)}
    report = {"fusion": fusion.to_config(), "unfused": _fusion_figures(Fusion(), every),
              "fused": _fusion_figures(fusion, every), "cross_article": crossed}
    log(f"fusion {report['fusion']}: {report['unfused']} -> {report['fused']}; cross-article {crossed}")
    return report


def write_product_card(card: Path, config: dict[str, Any], final: dict[str, Any], curve_points: list[Any],
                       chosen: float, keys: tuple[str, ...]) -> None:
    """The card's fusion and whole-product sections (replaced, not appended, when calibration runs again)."""
    rows = "\n".join(f"| {k} | {final.get(k)} |" for k in keys)
    curve_rows = "\n".join(
        f"| {p['threshold']:.2f} | {p['answered']} | {p['correct']} | {p['no_answer_accuracy']} | "
        f"{p['false_abstention_rate']} |" for p in table_points(curve_points, chosen))
    text = card.read_text(encoding="utf-8")
    for own in ("\n## Fusion with the bi-encoder", "\n## The whole product"):  # a rerun replaces its sections
        text = text.split(own)[0]
    text = text.rstrip("\n")
    text = text.replace("The whole product's figures on the same articles (`make eval-suite`) are in the README.",
                        "The whole product's figures on the same articles are below.")
    f = config["fusion"]
    cross = "\n".join(f"| {k} (weight {v['similarity_weight']}) | {v['unfused']['top1']} -> {v['fused']['top1']} | "
                      f"{v['unfused']['auc']} -> {v['fused']['auc']} |"
                      for k, v in config["fusion_validation"]["cross_article"].items())
    both = config["fusion_validation"]
    card.write_text(f"""{text}

## Fusion with the bi-encoder (assistant/reader/fusion.py)

`probability = sigmoid({f['scale']} * (logit(reader) + {f['similarity_weight']} * cosine) + {f['bias']})`,
fitted on the validation articles' candidates as the product retrieves them. Top-1: the answerable questions
whose best candidate holds the answer; AUC: the best candidate's probability, answerable against
unanswerable. Each "fit on" row is fitted on one article and measured on the other.

| fitted on / measured on | top-1 | AUC |
|---|---|---|
| all validation articles (in-sample) | {both['unfused']['top1']} -> {both['fused']['top1']} | \
{both['unfused']['auc']} -> {both['fused']['auc']} |
{cross}

## The whole product on the validation articles

`python -m assistant.training.calibrate` (run by `make train`): every question of the validation articles
through `eval --suite` with the extractive backend. The refusal threshold is chosen on this curve, the
highest `correct` with false abstention at most {MAX_FALSE_ABSTENTION:.2f}: **{chosen:.2f}**.

| figure | value |
|---|---|
{rows}

| threshold | answered | correct | no-answer accuracy | false abstention |
|---|---|---|---|---|
{curve_rows}
""", encoding="utf-8")


def calibrate(weights: Path, data: Path, work: Path, log: Any = print) -> dict[str, Any]:
    """The refusal threshold from the whole product's abstention curve on the validation articles (every
    question asked through `eval --suite` with the extractive backend), written into reader.json; then the
    product's figures at that threshold, written into the card. Returns the final summary."""
    import shutil

    from assistant.evaluation import load_summary, run_suite
    from assistant.settings import Settings

    config_path = weights / "reader.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    fusion = fit_fusion(weights, data, work, list(config["validation_articles"]), log=log)
    config["fusion"] = fusion["fusion"]
    config["fusion_validation"] = {k: v for k, v in fusion.items() if k != "fusion"}
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    held = work / "validation-articles"
    shutil.rmtree(held, ignore_errors=True)
    held.mkdir(parents=True)
    for name in config["validation_articles"]:
        for suffix in (".txt", ".jsonl"):
            shutil.copy(data / f"{name}{suffix}", held / f"{name}{suffix}")
    settings = Settings.resolve(backend="extractive", reader_path=weights, data_dir=work / "data")
    run_suite(held, settings, out=work / "curve", progress=False, echo=lambda _: None)
    curve_points = load_summary(work / "curve")["abstention_curve"]
    chosen = pick_threshold(curve_points, MAX_FALSE_ABSTENTION)
    config["threshold"] = round(float(chosen), 4)
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    log(f"threshold {chosen:.2f} from the product's abstention curve on {', '.join(config['validation_articles'])}")
    run_suite(held, settings.model_copy(update={"answer_threshold": None}), out=work / "final", progress=False,
              echo=lambda _: None)
    final = load_summary(work / "final")
    keys = ("n", "correct", "containment", "no_answer_accuracy", "false_abstention_rate", "hit_at_1", "hit_at_3",
            "citation_precision", "short_answer_f1", "short_answer_em", "short_answer_coverage", "latency_p50_s")
    config["product_validation"] = {k: final.get(k) for k in keys}
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    write_product_card(weights / "MODEL_CARD.md", config, final, curve_points, chosen, keys)
    return final


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    p = argparse.ArgumentParser(prog="python -m assistant.training.calibrate",
                                description="Choose the reader's refusal threshold on the validation articles.")
    p.add_argument("--weights", default="assistant/reader/weights")
    p.add_argument("--data", default="data/squad")
    p.add_argument("--work", default="eval-out/calibrate")
    args = p.parse_args(argv)
    final = calibrate(Path(args.weights), Path(args.data), Path(args.work),
                      log=lambda m: print(f"calibrate: {m}", file=sys.stderr))
    print(json.dumps({k: final.get(k) for k in ("correct", "containment", "no_answer_accuracy",
                                                 "false_abstention_rate", "hit_at_3", "short_answer_f1")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

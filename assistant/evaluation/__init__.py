"""Evaluation against gold answers: `run_eval` scores every gold question offline (no LLM judge) and writes
results.jsonl, summary.json, report.md and the charts; `run_suite` does so for a folder of articles, each in its
own index (a SQuAD 2.0 JSON file given to `run_eval` is converted into one); `compare_dirs` sets two runs side
by side. The metric definitions are pure functions in `assistant.evaluation.metrics`, the abstention curve and
`choose_threshold` in `assistant.evaluation.abstention`."""

from assistant.evaluation.abstention import abstention_curve, choose_threshold
from assistant.evaluation.runner import (
    FIGURES,
    check_gate,
    compare_dirs,
    load_gold,
    load_thresholds,
    run_eval,
    run_suite,
    summarize,
)

__all__ = ["FIGURES", "abstention_curve", "check_gate", "choose_threshold", "compare_dirs", "load_gold",
           "load_thresholds", "run_eval", "run_suite", "summarize"]

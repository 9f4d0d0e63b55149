"""Evaluation against gold answers: `run_eval` scores every gold question offline (no LLM judge) and writes
results.jsonl, summary.json, report.md and a per-kind chart; `compare_dirs` sets two runs side by side.
The metric definitions are pure functions in `assistant.evaluation.metrics`."""

from assistant.evaluation.runner import FIGURES, check_gate, compare_dirs, load_gold, load_thresholds, run_eval

__all__ = ["FIGURES", "check_gate", "compare_dirs", "load_gold", "load_thresholds", "run_eval"]

"""Evaluation against gold answers: `run_eval` scores every gold question offline (no LLM judge) and writes
results.jsonl, summary.json, report.md and the charts; `run_suite` does so for a folder of articles, each in its
own index (a SQuAD 2.0 JSON file given to `run_eval` is converted into one); `compare_dirs` sets two runs side
by side. The metric definitions are pure functions in `assistant.evaluation.metrics`, the abstention curve and
`choose_threshold` in `assistant.evaluation.abstention`.

One module per job: `gold` (reading gold files), `suite` (suites, sampling, SQuAD conversion), `scoring` (rows
and summaries), `gate` (thresholds and the CI gate), `asking` (the assistants and their answers), `run` (the two
entry points), `output` (the output folder), `tables`, `charts` and `report` (what people read), `compare`
(`eval --compare`), with `metrics`, `abstention` and `uncertainty` below them.
"""

from assistant.evaluation.abstention import abstention_curve, choose_threshold
from assistant.evaluation.compare import compare_dirs, load_results, load_summary
from assistant.evaluation.gate import Bound, check_gate, load_thresholds
from assistant.evaluation.gold import GoldRow, load_gold
from assistant.evaluation.metrics import FIGURES
from assistant.evaluation.run import run_eval, run_suite
from assistant.evaluation.scoring import SUMMARY_KEYS, score_row, summarize

__all__ = ["FIGURES", "SUMMARY_KEYS", "Bound", "GoldRow", "abstention_curve", "check_gate", "choose_threshold",
           "compare_dirs", "load_gold", "load_results", "load_summary", "load_thresholds", "run_eval", "run_suite",
           "score_row", "summarize"]

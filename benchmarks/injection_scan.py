"""How often the question injection pattern (assistant/injection.py) fires on ordinary questions: every
question of data/train's SQuAD-format and sentence-selection files, at the pattern's windows and at twice them.

    python -m benchmarks.injection_scan
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

from assistant.injection import _INJECTION

DATA = Path(__file__).resolve().parent.parent / "data" / "train"


def questions(folder: Path = DATA) -> Iterator[str]:
    for path in sorted(folder.glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            articles = json.load(f)["data"]
        for article in articles:
            for paragraph in article["paragraphs"]:
                yield from (q["question"] for q in paragraph["qas"])
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            yield from (json.loads(line)["question"] for line in lines)


def widened(factor: int) -> re.Pattern[str]:
    pattern = re.sub(r"\{0,(\d+)\}", lambda m: f"{{0,{int(m.group(1)) * factor}}}", _INJECTION.pattern)
    return re.compile(pattern, _INJECTION.flags)


def main() -> None:
    qs = list(questions())
    for factor in (1, 2):
        hits = [q for q in qs if widened(factor).search(q)]
        print(f"windows x{factor}: {len(hits)} of {len(qs)} questions match", *hits[:5], sep="\n  ")


if __name__ == "__main__":
    main()

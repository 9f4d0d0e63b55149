"""Sentence boundaries: index/chunk.py's regex and abbreviation list against pysbd, on the shared SQuAD articles.

    pip install pysbd && python -m benchmarks.sentence_probe

Where every answer is known, a boundary that falls inside an answer (or between the words a question's answer
needs) is a wrong cut: the reader can never cite the whole answer. For each splitter: answers cut by a
boundary, answers whose sentence is over 60 words (a boundary missed), sentences, and the time it took. Both
keep `article_text[start:end] == sentence` (checked here).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from index import load_article, split_sentences

DATA = Path(__file__).resolve().parent.parent / "data" / "squad"


def _regex(article: Any) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split_sentences(article)]


def _pysbd(article: Any) -> list[tuple[int, int]]:
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    out = []
    for m_start, line in _lines(article.text):
        for span in seg.segment(line):
            text = span.sent.strip()
            if text:
                start = m_start + span.start + (len(span.sent) - len(span.sent.lstrip()))
                out.append((start, start + len(text)))
    return out


def _lines(text: str) -> list[tuple[int, str]]:
    import re

    return [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text)]


def measure() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, split in (("regex (index/chunk.py)", _regex), ("pysbd", _pysbd)):
        cut = long = answers = sentences = 0
        seconds = 0.0
        for txt in sorted(DATA.glob("*.txt")):
            article = load_article(txt)
            text = article.text
            t0 = time.perf_counter()
            spans = split(article)
            seconds += time.perf_counter() - t0
            assert all(text[a:b] == text[a:b].strip() and b > a for a, b in spans)
            sentences += len(spans)
            for line in (txt.with_suffix(".jsonl")).read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if not row.get("answerable"):
                    continue
                for ref in row["reference_contexts"][:1]:
                    at = text.find(ref)
                    answer = next((a for a in row["answers"] if a in ref), None)
                    if at < 0 or answer is None:
                        continue
                    a0 = at + ref.index(answer)
                    a1 = a0 + len(answer)
                    answers += 1
                    holding = [(a, b) for a, b in spans if a < a1 and b > a0]
                    if len(holding) != 1 or not (holding[0][0] <= a0 and a1 <= holding[0][1]):
                        cut += 1
                    elif len(text[holding[0][0]:holding[0][1]].split()) > 60:
                        long += 1
        out[name] = {"answers": answers, "answers_cut": cut, "answer_sentence_over_60_words": long,
                     "sentences": sentences, "seconds": round(seconds, 3)}
    return out


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
    sys.exit(0)

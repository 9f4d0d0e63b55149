"""One example builder for every source: listwise (question, candidate sentences, which one answers or none).

The candidates are what a retriever would offer beside the answer: the answering sentence's paragraph
neighbours and the article's lexically nearest sentences (an inverted index with idf weights: the bi-encoder
ranked them at run time, but embedding 300,000 training sentences costs more CPU than the training it feeds).
A negative that holds a gold answer's text is dropped: it is not clearly wrong.

Unanswerable examples, all from the data's own questions (`Kinds`):
- `unanswerable`: SQuAD 2.0's own, the sentence holding its plausible answer as the distractor;
- `removed`: an answerable question asked against its article with the answering paragraph left out, kept
  only when no remaining sentence holds a gold answer (the situation of a question the article does not cover);
- `swap`: a name or number of the question swapped for another of the article's (assistant/training/augment.py);
- `number`, `negation`, `antonym`: a number changed, a "not" added or dropped, a word swapped for its WordNet
  antonym (assistant/training/edits.py), the answering sentence kept as the distractor;
- `other`: the question asked against another article of the same file.

`removed` leaves out the answering sentence only (its paragraph neighbours stay, as hard negatives), and only
when no other sentence holds a gold answer's text; no made negative ever offers a sentence holding one, but
the edits' own answering sentence, which no longer answers the edited question.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assistant.reader import is_title, reader_context
from assistant.training.augment import Swapper
from assistant.training.edits import Editor
from assistant.training.sources import Document, Question, SelectionRow
from index import Article, Sentence, split_sentences
from index.text import content_terms

__all__ = ["CANDIDATES", "SAME_PARAGRAPH", "Example", "Kinds", "document_examples", "selection_examples"]

CANDIDATES = 5  # the answering sentence and 4 hard negatives: 5 pairs a question (the CPU budget)
SAME_PARAGRAPH = 2


@dataclass(frozen=True)
class Example:
    question: str
    candidates: tuple[tuple[str, str], ...]  # (sentence, context)
    target: int  # index of the answering candidate, or -1 for "no answer"
    span: tuple[int, int] | None = None  # characters of the short answer inside the target sentence
    answers: tuple[str, ...] = ()
    source: str = ""
    kind: str = "answerable"


@dataclass(frozen=True)
class Kinds:
    """How many unanswerable examples each answerable question gives, on average, of each made kind."""

    removed: float = 0.0
    swap: float = 0.0
    other: float = 0.0
    number: float = 0.0
    negation: float = 0.0
    antonym: float = 0.0
    sources_for_swaps: frozenset[str] = field(default_factory=frozenset)  # empty: every source
    antonyms: Mapping[str, Sequence[str]] = field(default_factory=dict)  # assistant/training/antonyms.py

    @property
    def edits(self) -> tuple[tuple[str, float], ...]:
        return (("number", self.number), ("negation", self.negation), ("antonym", self.antonym))


class _Lexical:
    """An article's sentences under an idf-weighted inverted index of stemmed content words."""

    def __init__(self, sentences: Sequence[Sentence]) -> None:
        self.terms = [set(content_terms(s.text)) for s in sentences]
        postings: dict[str, list[int]] = defaultdict(list)
        for i, terms in enumerate(self.terms):
            for t in terms:
                postings[t].append(i)
        n = max(1, len(sentences))
        self.postings = dict(postings)
        self.idf = {t: math.log(1 + n / len(ids)) for t, ids in postings.items()}

    def ranked(self, question: str) -> list[int]:
        """Sentences sharing a word with the question, best first (ties: article order)."""
        scores: dict[int, float] = defaultdict(float)
        for t in set(content_terms(question)):
            for i in self.postings.get(t, ()):
                scores[i] += self.idf[t]
        return sorted(scores, key=lambda i: (-scores[i], i))


@dataclass
class _Article:
    doc: Document
    article: Article
    sentences: list[Sentence]
    para_of: list[int]  # each sentence's paragraph index in doc.paragraphs
    starts: list[int]  # each paragraph's start in article.text
    lexical: _Lexical
    lower: str

    @classmethod
    def of(cls, doc: Document) -> _Article:
        title = doc.title if doc.title.lower() not in ("", "unknown") else ""
        head = f"{title}\n" if title else ""
        starts, parts, at = [], [], len(head)
        for p in doc.paragraphs:
            text = p.context if p.context.strip() else "."  # one line each, so line i is paragraph i
            starts.append(at)
            parts.append(text)
            at += len(text) + 1
        article = Article(title, head + "\n".join(parts), doc.source)
        offset = 1 if title else 0
        sentences = [s for s in split_sentences(article) if not (title and is_title(s, title))]
        para_of = [s.paragraph - offset for s in sentences]
        return cls(doc, article, sentences, para_of, starts, _Lexical(sentences), article.text.lower())

    def sentence_at(self, pos: int) -> int | None:
        for i, s in enumerate(self.sentences):
            if s.start <= pos < s.end:
                return i
        return None

    def candidate(self, i: int) -> tuple[str, str]:
        return self.sentences[i].text, reader_context(self.article.title, self.sentences, i)

    def holds(self, i: int, answers: Iterable[str]) -> bool:
        low = self.sentences[i].text.lower()
        return any(a.lower() in low for a in answers if a)


def _choose(art: _Article, question: str, target: int | None, paragraph: int | None, key: str,
            answers: Sequence[str], exclude: int | None = None, k: int = CANDIDATES) -> list[int]:
    """The target (if any), up to SAME_PARAGRAPH of its paragraph's nearest, then the article's nearest, then
    random sentences to fill k; never a negative holding a gold answer; shuffled by the question's key."""
    rng = random.Random(key)
    ranked = [i for i in art.lexical.ranked(question) if i != target and i != exclude
               and not art.holds(i, answers)]
    chosen = [target] if target is not None else []
    if paragraph is not None:
        chosen += [i for i in ranked if art.para_of[i] == paragraph][:SAME_PARAGRAPH]
    chosen += [i for i in ranked if i not in chosen][: k - len(chosen)]
    if len(chosen) < k:
        pool = [i for i in range(len(art.sentences)) if i not in chosen
                and i != target and i != exclude and not art.holds(i, answers)]
        chosen += rng.sample(pool, min(len(pool), k - len(chosen)))
    rng.shuffle(chosen)
    return chosen


def _example(art: _Article, q: Question, question: str, chosen: list[int], target: int | None,
             span: tuple[int, int] | None, kind: str) -> Example:
    cands = tuple(art.candidate(i) for i in chosen)
    idx = chosen.index(target) if target is not None and target in chosen else -1
    return Example(question, cands, idx, span if idx >= 0 else None, tuple(a for a, _ in q.answers),
                   art.doc.source, kind)


def _count(rate: float, rng: random.Random) -> int:
    """rate 1.5: one, and a second for half the questions."""
    whole = math.floor(rate)
    return whole + (1 if rng.random() < rate - whole else 0)


def document_examples(docs: Sequence[Document], kinds: Kinds = Kinds(), *, k: int = CANDIDATES) -> list[Example]:
    """Every question of the documents as an example, plus the made unanswerable ones `kinds` asks for."""
    arts = [_Article.of(d) for d in docs]
    out: list[Example] = []
    for a, art in enumerate(arts):
        swapper: Swapper | None = None
        editor: Editor | None = None
        edits_here = not kinds.sources_for_swaps or art.doc.source in kinds.sources_for_swaps
        swaps_here = kinds.swap and edits_here
        for p, para in enumerate(art.doc.paragraphs):
            for q in para.questions:
                rng = random.Random(f"made {q.id}")
                golds = [t for t, _ in q.answers]
                if not q.answerable:
                    target = None
                    for _text, start in q.plausible[:1]:
                        target = art.sentence_at(art.starts[p] + start)
                    chosen = _choose(art, q.question, target, p, q.id, golds, k=k)
                    out.append(_example(art, q, q.question, chosen, None, None, "unanswerable"))
                    continue
                text, start = q.answers[0]
                pos = art.starts[p] + start
                target = art.sentence_at(pos)
                if target is None:
                    continue
                s = art.sentences[target]
                span = (pos - s.start, pos - s.start + len(text)) if pos + len(text) <= s.end else None
                out.append(_example(art, q, q.question, _choose(art, q.question, target, p, q.id, golds, k=k),
                                    target, span, "answerable"))
                for n in range(_count(kinds.removed, rng)):
                    if any(g.lower() in art.lower[:s.start] or g.lower() in art.lower[s.end:] for g in golds):
                        break  # the rest of the article still holds the answer's words: not unanswerable
                    chosen = _choose(art, q.question, None, p, f"removed{n} {q.id}", golds, exclude=target, k=k)
                    if chosen:
                        out.append(_example(art, q, q.question, chosen, None, None, "removed"))
                for kind, rate in kinds.edits:
                    if not (rate and edits_here) or not _count(rate, rng):
                        continue
                    editor = editor or Editor([x.text for x in art.sentences], kinds.antonyms)
                    edit = editor.edit(kind, q.question, s.text, rng)
                    if edit is not None:
                        chosen = _choose(art, edit.question, target, p, f"{kind} {q.id}", golds, k=k)
                        out.append(_example(art, q, edit.question, chosen, None, None, kind))
                if swaps_here:
                    swapper = swapper or Swapper(art.sentences)
                    made: set[str] = set()
                    for n in range(_count(kinds.swap, rng)):
                        swap = swapper.swap(q.question, s, rng)
                        if swap is None or swap.question in made:
                            continue
                        made.add(swap.question)
                        chosen = _choose(art, swap.question, target, p, f"swap{n} {q.id}", golds, k=k)
                        out.append(_example(art, q, swap.question, chosen, None, None, "swap"))
                if len(arts) > 1:
                    for n in range(_count(kinds.other, rng)):
                        other = arts[rng.choice([i for i in range(len(arts)) if i != a])]
                        chosen = _choose(other, q.question, None, None, f"other{n} {q.id}", golds, k=k)
                        if chosen:
                            out.append(Example(q.question, tuple(other.candidate(i) for i in chosen), -1, None,
                                               tuple(golds), art.doc.source, "other"))
    return out


def selection_examples(rows: Sequence[SelectionRow], *, k: int = CANDIDATES) -> list[Example]:
    """Rows with a positive only (a row whose candidates all say "does not answer" says nothing of the article:
    its answering sentence was simply not sampled); the first positive and up to k-1 negatives."""
    out = []
    for n, row in enumerate(rows):
        pos = [i for i, label in enumerate(row.labels) if label]
        if not pos:
            continue
        neg = [i for i, label in enumerate(row.labels) if not label]
        rng = random.Random(f"{row.source} {n}")
        chosen = [pos[0], *rng.sample(neg, min(len(neg), k - 1))]
        rng.shuffle(chosen)
        out.append(Example(row.question, tuple((row.candidates[i], "") for i in chosen), chosen.index(pos[0]),
                           None, (), row.source, "selection"))
    return out

"""Verification of a generated answer, one sentence at a time as the model writes it: a sentence is shown only
if the article sentence the reader chose backs it. A small model writes fluent sentences that are wrong, so the
bar is high; what is shown is never taken back."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.citations import Numbering, SupportedSentence, segment, split_answer
from assistant.claims import claims_match, negation_agrees
from assistant.evidence import Evidence, EvidenceFinder, choose_evidence
from assistant.pipeline.turn import Turn
from assistant.types import Segment
from index import Embedder, content_terms

__all__ = ["ANSWER_ENDS", "MIN_NEW_WORDS_FOUND", "MIN_SIMILARITY", "NOT_FOUND", "Checker", "supported"]

# The model's way of saying the passages do not answer (the prompt asks for "NOT IN ARTICLE").
NOT_FOUND = re.compile(r"not in (the )?article|does not (say|mention)|no information|cannot answer", re.I)
_YES_NO = re.compile(r"^(yes|no)\b[,.!:]?\s*", re.IGNORECASE)
# One answer paragraph: a small model sometimes goes on to echo the prompt ("Passage: ...", "[2] ...").
ANSWER_ENDS = re.compile(r"\n\s*\n|\n(?=\s*(?:passage|question|\[\d|\d+\.))", re.IGNORECASE)
# A generated sentence is backed when at least this share of the words it adds to the question come from the
# evidence passage, and its bi-encoder cosine with the evidence sentence is at least MIN_SIMILARITY. Measured on
# the CSTO dev set with the local model (`article-assistant eval data/gold-dev.jsonl --backend llamacpp`, the two
# constants set before the run): at 0.6 or 0.8, 11 of 31 answers keep a generated sentence, at 1.0 only 8 (the
# other 3 show the reader's sentence instead); correct 0.774, containment 0.778 and citation precision 0.923 at
# every value of either constant tried (0.6 / 0.8 / 1.0, and 0.1 / 0.3 / 0.5), the follow-ups 14 of 14. The
# similarity floor decided no sentence there; it keeps out a sentence made of the passage's *other* sentence,
# which every added word passes (tests/assistant/pipeline/test_verify.py).
MIN_NEW_WORDS_FOUND = 0.8
MIN_SIMILARITY = 0.3
_NUM = re.compile(r"\d+(?:[.,]\d+)?")


def supported(sentence: str, question: str, candidates: Sequence[Evidence], vectors: Sequence[Sequence[float]],
              sentence_vector: Sequence[float], *, depth: int = 2) -> SupportedSentence | None:
    """The article sentence that backs `sentence`, if one does: the sentence must add something beyond the
    question's words, the words it adds must come from one of the best evidence passages (and every number from
    its sentence), it must not negate what that sentence says (or the reverse), and its meaning must be close."""
    terms = set(content_terms(sentence))
    new = terms - set(content_terms(question))
    if not new and not _adds_to(sentence, question):
        return None  # restates the question: answers nothing
    numbers = set(_NUM.findall(sentence))
    best: SupportedSentence | None = None
    for cand, vec in list(zip(candidates, vectors))[:depth]:
        if numbers - set(_NUM.findall(cand.sentence.text)):
            continue
        have = set(content_terms(cand.hit.passage.text))
        lexical = len(new & have) / len(new) if new else float(_adds_to(sentence, question, cand.sentence.text))
        sim = sum(a * b for a, b in zip(sentence_vector, vec))
        agrees = negation_agrees(sentence, cand.sentence.text)
        if (lexical >= MIN_NEW_WORDS_FOUND and sim >= MIN_SIMILARITY and agrees
                and claims_match(sentence, question, cand.sentence.text, cand.hit.passage.text)):
            found = SupportedSentence(sentence, cand.sentence, cand.hit, lexical, sim)
            if best is None or lexical + sim > best.lexical + best.similarity:
                best = found
    return best


# Words that add nothing to a question they repeat: "Uzbekistan is a CSTO member." for "Is Uzbekistan a CSTO
# member?". A word outside them ("not", "only once") is what such an answer adds.
_BARE = frozenset({
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "it", "its", "has", "have", "had", "do",
    "does", "did", "of", "to", "in", "on", "at", "for", "by", "with", "and", "or", "that", "this", "these", "those",
    "there",
})
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def _adds_to(sentence: str, question: str, cited: str | None = None) -> bool:
    """`sentence` says something `question` does not, in words beyond the bare ones (all of them in `cited`,
    when given): "The CSTO conducted a collective operation only once." for "How many collective operations
    has the CSTO conducted?" adds "only once", which content words alone would miss."""
    asked = {w.lower() for w in _WORD.findall(question)}
    added = {w.lower() for w in _WORD.findall(sentence)} - asked - _BARE
    if cited is None:
        return bool(added)
    return bool(added) and added <= {w.lower() for w in _WORD.findall(cited)}


class Checker:
    """Checks a generated answer one sentence at a time, as the model writes it. The same checks as a whole
    draft would get: the first paragraph only, sentences as `split_answer` cuts them (a cut, once made, never
    moves as more text comes), a leading Yes/No replaced by the article's own polarity, and each sentence
    kept only if `supported` by the sentence the reader chose."""

    def __init__(self, turn: Turn, finder: EvidenceFinder, embedder: Embedder) -> None:
        self.finder = finder
        self.embedder = embedder
        self.question = turn.standalone
        self.yes_no = turn.query.yes_no
        self.chosen = choose_evidence(turn.evidence)
        self._vectors: list[list[float]] | None = None  # of the chosen sentences, once a sentence needs them
        self.timings = dict(turn.timings)
        self.ran = False  # the model was asked
        self.draft = ""
        self.backed: list[SupportedSentence] = []
        self.checked = 0  # sentences of the draft looked at
        self.judged = 0  # of those, the ones that said something to check
        self.finished = False
        self.not_found = False  # the first sentence said the passages do not answer: nothing more is checked
        self.said_not_found = False  # some sentence said so
        self._number = Numbering()

    def outcome(self, turn: Turn) -> Turn:
        """`turn` with what the model wrote and what of it the article backs (unchanged if no model ran)."""
        if not self.ran:
            return turn
        return replace(turn, draft=self.draft, backed=list(self.backed), generated=self.judged, timings=self.timings,
                       found_nothing=self.not_found or self.said_not_found or not self.draft.strip())

    def feed(self, piece: str) -> list[Segment]:
        """The sentences `piece` completed that the article backs, each citing its source."""
        if self.finished:
            return []
        self.draft += piece
        body = self.draft.lstrip()
        end = ANSWER_ENDS.search(body)
        if end is not None:
            body, self.finished = body[:end.start()], True
        sentences = split_answer(body)
        return self._check(sentences if self.finished else sentences[:-1])

    def close(self) -> list[Segment]:
        """The rest once the model stops: its last sentence is complete now."""
        if self.finished:
            return []
        self.finished = True
        body = self.draft.strip()
        end = ANSWER_ENDS.search(body)
        return self._check(split_answer(body[:end.start()] if end else body))

    def _check(self, sentences: list[str]) -> list[Segment]:
        out: list[Segment] = []
        while self.checked < len(sentences) and not self.not_found:
            i, sentence = self.checked, sentences[self.checked]
            self.checked += 1
            if i == 0 and NOT_FOUND.search(sentence):
                self.not_found = self.finished = True  # "NOT IN ARTICLE": the reader's sentence is shown
                break
            if i == 0 and self.yes_no:
                sentence = _YES_NO.sub("", sentence).strip()  # the article's own polarity comes first instead
            if not sentence or NOT_FOUND.search(sentence):
                self.said_not_found = self.said_not_found or bool(sentence)
                continue
            self.judged += 1
            if self._vectors is None:
                self._vectors = [self.finder.vector(e.sentence) for e in self.chosen]
            vector = self.embedder.embed([sentence])[0]
            backed = supported(sentence, self.question, self.chosen, self._vectors, vector, depth=len(self.chosen))
            if backed is None:
                continue
            backed = replace(backed, n=self._number(backed.evidence))
            self.backed.append(backed)
            out.append(segment(backed))
        return out

"""The retrieval chain: one list of steps over one typed state, used by `invoke`, `stream` and LangChain.

    rewrite (only with history) -> hybrid retrieval + reader -> refusal gate -> generate + verify -> Answer

`Turn` is the state (frozen: each step returns a new one). `AnswerChain.answer` runs the steps and
`AnswerChain.stream` runs the same steps, yielding the answer's text as it is verified: a generated sentence
is checked against the article as soon as it is complete and shown only if it passes, so what streams is
never taken back, and the pieces joined are exactly the final `Answer.text`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from assistant.backends import Backend
from assistant.citations import SupportedSentence, build_citations, split_answer, supported
from assistant.errors import BackendError
from assistant.evidence import (
    Evidence,
    EvidenceFinder,
    choose_evidence,
    extractive_answer,
    is_yes_no,
    polarity,
    prefer_paragraph,
    wants_short_answer,
)
from assistant.gate import GateDecision, decide
from assistant.history import trim_history
from assistant.refusal import REFUSAL
from assistant.rewrite import plausible_rewrite, rewrite_followup, usable_history
from assistant.settings import Settings
from assistant.types import Answer, Citation, Message, ShortAnswer
from index import ArticleIndex, Hit, StoreError, content_terms
from prompts import chat_messages

__all__ = ["REFUSAL", "AnswerChain", "AnswerRunnable", "Turn", "rerank"]

_NOT_FOUND = re.compile(r"not in (the )?article|does not (say|mention)|no information|cannot answer", re.I)
_YES_NO = re.compile(r"^(yes|no)\b[,.!:]?\s*", re.IGNORECASE)
# One answer paragraph: a small model sometimes goes on to echo the prompt ("Passage: ...", "[2] ...").
_ANSWER_ENDS = re.compile(r"\n\s*\n|\n(?=\s*(?:passage|question|\[\d|\d+\.))", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """One question on its way through the steps. Each step returns a copy with its part filled in."""

    question: str
    history: list[Message] = field(default_factory=list)
    k: int | None = None
    min_score: float | None = None  # overrides the refusal threshold (evaluation asks with 0.0)
    t0: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    standalone: str = ""
    hits: list[Hit] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    gate: GateDecision | None = None
    draft: str | None = None  # what the model wrote (None: no model ran)
    backed: list[SupportedSentence] = field(default_factory=list)  # its sentences the article backs, in order
    generated: int = 0  # how many sentences of the draft were checked against the article

    def lap(self, key: str, started: float) -> dict[str, float]:
        return {**self.timings, key: time.perf_counter() - started}


Step = Callable[[Turn], Turn]


class AnswerChain:
    def __init__(self, index: ArticleIndex, backend: Backend, settings: Settings, finder: EvidenceFinder) -> None:
        self.index = index
        self.backend = backend
        self.settings = settings
        self.finder = finder

    @property
    def backend_name(self) -> str:
        return self.backend.name

    @property
    def steps(self) -> tuple[Step, ...]:
        """Everything before generation, in order: the one list `answer`, `stream` and `runnable` run."""
        return self.rewrite, self.retrieve, self.gate

    # -- the public ways in ------------------------------------------------------------------------------
    def answer(self, turn: Turn) -> Answer:
        for step in self.steps:
            turn = step(turn)
        check = _Checker(self, turn)
        for _ in self._generation(turn, check):
            pass
        return self.finish(check.outcome(turn))

    def stream(self, turn: Turn) -> Iterator[str | Answer]:
        """The same steps; yields the answer's verified text piece by piece, then the Answer."""
        for step in self.steps:
            turn = step(turn)
        shown = ""
        check = _Checker(self, turn)
        prefix = self._prefix(turn)
        for part in self._generation(turn, check):
            piece = f"{prefix}{part}" if not shown else f" {part}"
            shown += piece
            yield piece
        answer = self.finish(check.outcome(turn))
        if answer.text != shown:
            # Nothing generated was shown (extractive backend, refusal, or no sentence backed): the answer
            # comes whole. Something shown is always the start of the answer, never replaced.
            assert not shown or answer.text.startswith(shown), (shown, answer.text)
            yield answer.text[len(shown):]
        yield answer

    def runnable(self, prepare: Callable[[dict[str, Any]], Turn],
                 on_answer: Callable[[Answer], Answer] | None = None) -> AnswerRunnable:
        return AnswerRunnable(self, prepare, on_answer)

    # -- steps ---------------------------------------------------------------------------------------------
    def rewrite(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        history = trim_history(usable_history(turn.history), self.settings.history_tokens)
        question = turn.question
        standalone = rewrite_followup(question, history) if history else question
        if history and standalone != question and self.backend.rewrites_followups:
            candidate = self.backend.complete(
                chat_messages("rewrite", system=None, history=_format_history(history), question=question),
                max_tokens=80,
            ).strip()
            if plausible_rewrite(question, candidate):
                standalone = candidate
        return replace(turn, history=history, standalone=standalone, timings=turn.lap("rewrite_s", t))

    def retrieve(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        query = turn.standalone
        vector = self.index.embedder.embed([query])[0]
        k = turn.k or self.settings.top_k
        try:
            hits = self.index.search(query, max(k, self.settings.read_passages), vector=vector)
        except StoreError as exc:
            raise BackendError(str(exc)) from None
        self.finder.use(self.index.article)
        evidence = self.finder.find(query, hits, vector, self.index.passages)
        if turn.standalone != turn.question and (last := _last_exchange(turn.history)):
            evidence = prefer_paragraph(evidence, self.finder.locate(last))  # a follow-up: see FOLLOWUP_TIE
        # A passage the search did not rank but one of whose sentences the reader read joins the ranking.
        searched = {h.passage.id for h in hits}
        hits = hits + list({e.hit.passage.id: e.hit for e in evidence if e.hit.passage.id not in searched}.values())
        return replace(turn, hits=rerank(hits, evidence)[:k], evidence=evidence, timings=turn.lap("retrieve_s", t))

    @property
    def threshold(self) -> float:
        """Below this reader probability the answer is refused: the setting, else the reader's validated one."""
        t = self.settings.answer_threshold
        return self.finder.reader.threshold if t is None else t

    def gate(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        threshold = self.threshold if turn.min_score is None else turn.min_score
        decision = decide(turn.standalone, turn.evidence, threshold, self.finder.vocabulary)
        return replace(turn, gate=decision, timings=turn.lap("gate_s", t))

    def messages(self, turn: Turn) -> list[Message]:
        passages = "\n".join(f"[{i}] {self.finder.prompt_text(h)}" for i, h in enumerate(self.context(turn), start=1))
        return chat_messages("answer", passages=passages, question=turn.standalone)

    def context(self, turn: Turn) -> list[Hit]:
        """The passages holding the best evidence, best first: small, precise prompts for a small model."""
        chosen: list[Hit] = []
        for e in turn.evidence:
            if e.hit not in chosen:
                chosen.append(e.hit)
            if len(chosen) == self.settings.context_passages:
                break
        return chosen

    def _generation(self, turn: Turn, check: _Checker) -> Iterator[str]:
        """Runs the model and has `check` check its answer sentence by sentence; yields each backed sentence
        with its `[n]` marker as soon as it is complete. Nothing runs for a refusal or the extractive backend."""
        if turn.gate is None or not turn.gate.answerable or not self.backend.generates:
            return
        t = time.perf_counter()
        timings = check.timings
        stream = self.backend.generate(self.messages(turn), max_tokens=self.settings.max_tokens,
                                       temperature=self.settings.temperature)
        try:
            for piece in stream:
                timings.setdefault("first_token_s", time.perf_counter() - turn.t0)
                for part in check.feed(piece):
                    timings.setdefault("first_verified_s", time.perf_counter() - turn.t0)
                    yield part
                if check.finished:
                    break  # the answer paragraph is over (or the model found nothing): stop generating
            for part in check.close():
                timings.setdefault("first_verified_s", time.perf_counter() - turn.t0)
                yield part
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
            timings["generate_s"] = time.perf_counter() - t
            check.ran = True

    def _prefix(self, turn: Turn) -> str:
        """What the answer starts with before its sentences: the short answer in bold, or Yes./No."""
        if not turn.evidence:
            return ""
        if is_yes_no(turn.standalone):
            return f"{polarity(turn.standalone, turn.evidence[0].sentence.text)}. "
        short = self.short_answer(turn.standalone, turn.evidence[0])
        return f"**{short.text}**. " if short else ""

    def finish(self, turn: Turn) -> Answer:
        t = time.perf_counter()
        gate = turn.gate
        assert gate is not None, "finish runs after the gate"
        common: dict[str, Any] = {"passages": turn.hits, "question": turn.question,
                                  "standalone_question": turn.standalone, "backend": self.backend_name,
                                  "answer_score": gate.score, "article_sha256": self.index.article_sha256}
        if not gate.answerable:
            return Answer(REFUSAL, True, reason=gate.reason, timings=_total(turn, t, "verify_s"), **common)
        citations: list[Citation] = []
        text, reason = "", "extractive"
        if turn.backed:
            text, citations = build_citations(self.index.article.text, turn.backed)
            dropped = turn.generated - len(turn.backed)
            reason = f"generated; {dropped} unsupported sentence(s) removed" if dropped else "generated"
        elif turn.draft is not None:
            reason = ("the model found no answer; the article's best sentence is shown"
                      if not turn.draft.strip() or _NOT_FOUND.search(turn.draft)
                      else "the model's answer was not backed by the article; the article's best sentence is shown")
        if not citations:
            text, citations = extractive_answer(turn.standalone, turn.evidence, self.index.article.text)
        if not citations:
            return Answer(REFUSAL, True, reason="No sentence of the article backs an answer.",
                          timings=_total(turn, t, "verify_s"), **common)
        short = self.short_answer(turn.standalone, turn.evidence[0])
        citations = [replace(c, source_start=at[0], source_end=at[1]) if (at := self.index.source_span(c.start, c.end))
                     else c for c in citations]
        return Answer(self._prefix(turn) + text, False, citations=citations, reason=reason, short_answer=short,
                      timings=_total(turn, t, "verify_s"), **common)

    def short_answer(self, question: str, best: Evidence) -> ShortAnswer | None:
        """The reader's span in the best sentence (the one every answer cites first), when the question wants
        a few words and the span is confident."""
        if best.span is None or not wants_short_answer(question):
            return None
        start, end, prob = best.span
        text = self.index.article.text
        start, end = _trim_span(text, start, end)
        s = best.sentence
        if (prob < self.finder.reader.span_threshold or end <= start or not (s.start <= start and end <= s.end)
                or text[start:end].strip() == text[s.start:s.end].strip()):
            return None
        if not set(content_terms(text[start:end])) - set(content_terms(question)):
            return None  # a span that only repeats the question's own words answers nothing ("CSTO help")
        return ShortAnswer(text[start:end], start, end, prob)


class _Checker:
    """Checks a generated answer one sentence at a time, as the model writes it. The same checks as a whole
    draft would get: the first paragraph only, sentences as `split_answer` cuts them (a cut, once made, never
    moves as more text comes), a leading Yes/No replaced by the article's own polarity, and each sentence
    kept only if `supported` by the sentence the reader chose."""

    def __init__(self, chain: AnswerChain, turn: Turn) -> None:
        self.chain = chain
        self.question = turn.standalone
        self.chosen = choose_evidence(self.question, turn.evidence)
        self._vectors: list[list[float]] | None = None  # of the chosen sentences, once a sentence needs them
        self.timings = dict(turn.timings)
        self.ran = False  # the model was asked
        self.yes_no = is_yes_no(self.question)
        self.draft = ""
        self.backed: list[SupportedSentence] = []
        self.checked = 0  # sentences of the draft looked at
        self.judged = 0  # of those, the ones that said something to check
        self.finished = False
        self.not_found = False
        self._numbers: dict[tuple[int, int], int] = {}

    def outcome(self, turn: Turn) -> Turn:
        """`turn` with what the model wrote and what of it the article backs (unchanged if no model ran)."""
        if not self.ran:
            return turn
        return replace(turn, draft=self.draft, backed=list(self.backed), generated=self.judged, timings=self.timings)

    def feed(self, piece: str) -> list[str]:
        if self.finished:
            return []
        self.draft += piece
        body = self.draft.lstrip()
        end = _ANSWER_ENDS.search(body)
        if end is not None:
            body, self.finished = body[:end.start()], True
        sentences = split_answer(body)
        return self._check(sentences if self.finished else sentences[:-1])

    def close(self) -> list[str]:
        """The rest once the model stops: its last sentence is complete now."""
        if self.finished:
            return []
        self.finished = True
        body = self.draft.strip()
        end = _ANSWER_ENDS.search(body)
        return self._check(split_answer(body[:end.start()] if end else body))

    def _check(self, sentences: list[str]) -> list[str]:
        out: list[str] = []
        while self.checked < len(sentences) and not self.not_found:
            i, sentence = self.checked, sentences[self.checked]
            self.checked += 1
            if i == 0 and _NOT_FOUND.search(sentence):
                self.not_found = self.finished = True  # "NOT IN ARTICLE": the reader's sentence is shown
                break
            if i == 0 and self.yes_no:
                sentence = _YES_NO.sub("", sentence).strip()  # the article's own polarity comes first instead
            if not sentence or _NOT_FOUND.search(sentence):
                continue
            self.judged += 1
            if self._vectors is None:
                self._vectors = [self.chain.finder.vector(e.sentence) for e in self.chosen]
            vector = self.chain.index.embedder.embed([sentence])[0]
            backed = supported(sentence, self.question, self.chosen, self._vectors, vector, depth=len(self.chosen))
            if backed is None:
                continue
            self.backed.append(backed)
            span = (backed.evidence.start, backed.evidence.end)
            n = self._numbers.setdefault(span, len(self._numbers) + 1)  # numbered as build_citations does
            out.append(f"{backed.text} [{n}]")
        return out


class AnswerRunnable(Runnable[dict[str, Any], Any]):
    """The chain as a LangChain Runnable: `invoke({"question", "history"?, "k"?})` -> Answer; `stream` yields
    the verified text pieces, then the Answer. Composes with any runnable (`|`), batches, and reports to
    LangChain callbacks under the name "article-assistant"."""

    name: str | None = "article-assistant"

    def __init__(self, chain: AnswerChain, prepare: Callable[[dict[str, Any]], Turn],
                 on_answer: Callable[[Answer], Answer] | None = None) -> None:
        self.chain = chain
        self.prepare = prepare  # validates the input dict into a Turn
        self.on_answer = on_answer or (lambda a: a)  # the opt-in chat log sees every final Answer

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        answer: Answer = self._call_with_config(lambda x: self.chain.answer(self.prepare(x)), input, config)
        return self.on_answer(answer)

    def stream(self, input: dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any | None) -> Iterator[Any]:
        for piece in self.chain.stream(self.prepare(input)):
            yield self.on_answer(piece) if isinstance(piece, Answer) else piece


def rerank(hits: list[Hit], evidence: list[Evidence]) -> list[Hit]:
    """The passages in the reader's order: by the best probability of a sentence inside each, which becomes the
    passage's `score`; passages none of whose sentences were read keep the search's order after them, with
    score 0. Ranks renumbered from 1."""
    def best(h: Hit) -> float:
        p = h.passage
        return max((e.probability for e in evidence if p.start <= e.sentence.start and e.sentence.end <= p.end),
                   default=-1.0)

    scored = sorted(((best(h), h) for h in hits), key=lambda x: (-x[0], x[1].rank))
    return [replace(h, rank=i, score=max(p, 0.0)) for i, (p, h) in enumerate(scored, start=1)]


_PAIRS = {"(": ")", "“": "”", "‘": "’", '"': '"'}
_CLOSERS = ".,;:!?\"”’)"


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Punctuation the tokenizer glued to the span's edges off: a leading bracket or quote only when the span
    does not close it, a trailing one only when the span does not open it, and a final dot unless it ends an
    abbreviation ("U.S.", "D.C.")."""
    while start < end and not text[start].isalnum() and text[start] not in "$£€":
        closer = _PAIRS.get(text[start])
        if closer is not None and closer in text[start + 1:end]:
            break
        start += 1
    while end > start and text[end - 1] in _CLOSERS:
        last = text[end - 1]
        opener = next((o for o, c in _PAIRS.items() if c == last), None)
        if opener is not None and text.count(opener, start, end - 1) > 0:
            break
        if last == "." and re.search(r"(?:\b\w\.){2,}$", text[start:end]):
            break
        end -= 1
    return start, end


def _last_exchange(history: list[Message]) -> str:
    """The last question and the answer to it, as words to locate in the article (markers and bold off)."""
    for i in range(len(history) - 1, 0, -1):
        if history[i]["role"] == "assistant" and history[i - 1]["role"] == "user":
            answer = re.sub(r"\s*\[\d+\]|\*\*", "", history[i]["content"])
            return f"{history[i - 1]['content']} {answer}".strip()
    return ""


def _format_history(history: list[Message]) -> str:
    return "\n".join(f"{m['role']}: {m['content']}" for m in history)


def _total(turn: Turn, started: float, key: str) -> dict[str, float]:
    timings = turn.lap(key, started)
    timings["total_s"] = time.perf_counter() - turn.t0
    return timings

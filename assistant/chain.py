"""The retrieval chain, as LangChain runnables:

    rewrite (only with history) -> hybrid retrieval -> refusal gate -> prompt -> generate -> verify -> Answer

Each step is a plain method taking and returning the chain state, so `stream` can run the same steps and
pass the generator's pieces through as they come.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.backends import Backend, choose_evidence, extractive_answer
from assistant.citations import build_citations, split_answer, supported
from assistant.errors import BackendError
from assistant.evidence import Evidence, EvidenceFinder, is_yes_no, polarity, wants_short_answer
from assistant.gate import decide
from assistant.history import trim_history
from assistant.refusal import REFUSAL
from assistant.rewrite import plausible_rewrite, rewrite_followup
from assistant.settings import Settings
from assistant.types import Answer, Citation, Message, ShortAnswer
from index import ArticleIndex, Hit, StoreError
from prompts import render

__all__ = ["REFUSAL", "AnswerChain", "rerank"]

State = dict[str, Any]
_NOT_FOUND = re.compile(r"not in (the )?article|does not (say|mention)|no information|cannot answer", re.I)
_YES_NO = re.compile(r"^(yes|no)\b[,.!:]?\s*", re.IGNORECASE)


class AnswerChain:
    def __init__(self, index: ArticleIndex, backend: Backend | None, settings: Settings,
                 finder: EvidenceFinder) -> None:
        self.index = index
        self.backend = backend
        self.settings = settings
        self.finder = finder

    @property
    def backend_name(self) -> str:
        return self.backend.name if self.backend else "extractive"

    # -- steps ---------------------------------------------------------------------------------------
    def rewrite(self, state: State) -> State:
        t = time.perf_counter()
        history = trim_history(state.get("history") or [], self.settings.history_tokens)
        question = state["question"]
        standalone = rewrite_followup(question, history) if history else question
        if history and standalone != question and self.backend is not None and self.settings.backend == "openai":
            candidate = self.backend.complete(
                [{"role": "user", "content": render("rewrite", history=_format_history(history), question=question)}],
                max_tokens=80,
            ).strip()
            if plausible_rewrite(question, candidate):
                standalone = candidate
        return {**state, "history": history, "standalone": standalone, "timings": _lap(state, "rewrite_s", t)}

    def retrieve(self, state: State) -> State:
        t = time.perf_counter()
        query = state["standalone"]
        vector = self.index.embedder.embed([query])[0]
        k = state.get("k") or self.settings.top_k
        try:
            hits = self.index.search(query, max(k, self.settings.read_passages), vector=vector)
        except StoreError as exc:
            raise BackendError(str(exc)) from None
        evidence = self.finder.find(query, hits, vector)
        return {**state, "hits": rerank(hits, evidence)[:k], "evidence": evidence,
                "timings": _lap(state, "retrieve_s", t)}

    @property
    def threshold(self) -> float:
        """Below this reader probability the answer is refused: the setting, else the reader's validated one."""
        t = self.settings.answer_threshold
        return self.finder.reader.threshold if t is None else t

    def gate(self, state: State) -> State:
        t = time.perf_counter()
        override = state.get("min_score")
        decision = decide(state["standalone"], state["evidence"], self.threshold if override is None else override)
        return {**state, "gate": decision, "timings": _lap(state, "gate_s", t)}

    def messages(self, state: State) -> list[Message]:
        passages = "\n".join(f"[{i}] {self.finder.prompt_text(h)}" for i, h in enumerate(self.context(state), start=1))
        return [
            {"role": "system", "content": render("system")},
            {"role": "user", "content": render("answer", passages=passages, question=state["standalone"])},
        ]

    def context(self, state: State) -> list[Hit]:
        """The passages holding the best evidence, best first: small, precise prompts for a small model."""
        chosen: list[Hit] = []
        for e in state["evidence"]:
            if e.hit not in chosen:
                chosen.append(e.hit)
            if len(chosen) == self.settings.context_passages:
                break
        return chosen

    def generate_stream(self, state: State) -> Iterator[str]:
        assert self.backend is not None
        yield from self.backend.generate(self.messages(state), max_tokens=self.settings.max_tokens,
                                         temperature=self.settings.temperature)

    def generate(self, state: State) -> State:
        if not state["gate"].answerable or self.backend is None:
            return state
        t = time.perf_counter()
        draft = "".join(self.generate_stream(state))
        return {**state, "draft": draft, "timings": _lap(state, "generate_s", t)}

    def finish(self, state: State) -> Answer:
        t = time.perf_counter()
        gate = state["gate"]
        common: dict[str, Any] = {"passages": state["hits"], "question": state["question"],
                                  "standalone_question": state["standalone"], "backend": self.backend_name,
                                  "answer_score": gate.score}
        if not gate.answerable:
            return Answer(REFUSAL, True, reason=gate.reason, timings=_total(state, t, "verify_s"), **common)
        text, reason = "", "extractive"
        citations: list[Citation] = []
        if "draft" in state:
            text, citations, reason = self._verified(state)
        if not citations:
            text, citations = extractive_answer(state["standalone"], state["evidence"], self.index.article.text)
        if not citations:
            return Answer(REFUSAL, True, reason="No sentence of the article backs an answer.",
                          timings=_total(state, t, "verify_s"), **common)
        short = self.short_answer(state["standalone"], state["evidence"][0], citations[0])
        if short is not None:
            text = f"**{short.text}**. {text}"
        return Answer(text, False, citations=citations, reason=reason, short_answer=short,
                      timings=_total(state, t, "verify_s"), **common)

    def short_answer(self, question: str, best: Evidence, cited: Citation) -> ShortAnswer | None:
        """The reader's span in the best sentence, when the question wants a few words, the span is confident,
        and it lies inside the first cited sentence (it always does unless a generated answer cites another)."""
        if best.span is None or not wants_short_answer(question):
            return None
        start, end, prob = best.span
        text = self.index.article.text
        start, end = _trim_span(text, start, end)
        if (prob < self.finder.reader.span_threshold or end <= start or not (cited.start <= start and end <= cited.end)
                or text[start:end].strip() == cited.quote.strip()):
            return None
        return ShortAnswer(text[start:end], start, end, prob)

    def _verified(self, state: State) -> tuple[str, list[Citation], str]:
        # One answer paragraph; a small model sometimes goes on to echo the prompt ("Passage: ...").
        draft: str = re.split(r"\n\s*\n|\n(?=\s*(?:passage|question|\[\d|\d+\.))", state["draft"].strip(),
                              flags=re.IGNORECASE)[0].strip()
        question = state["standalone"]
        evidence: list[Evidence] = state["evidence"]
        if not draft or _NOT_FOUND.search(draft):
            return "", [], "the model found no answer; the article's best sentence is shown"
        sentences = split_answer(draft)
        yes_no = is_yes_no(question)
        if yes_no and sentences:
            sentences[0] = _YES_NO.sub("", sentences[0]).strip()
            sentences = [s for s in sentences if s]
        if not sentences:
            return "", [], "the model's answer had no checkable sentence"
        # The model may rephrase the sentence the reader chose, not pick others: a small model
        # that strays to a neighbouring fact is more often wrong than the scorer.
        chosen = choose_evidence(question, evidence, self.index.article.text)
        vectors = self.index.embedder.embed(sentences)
        cand_vectors = [self.finder.vector(e.sentence) for e in chosen]
        backed = [b for s, v in zip(sentences, vectors)
                  if (b := supported(s, question, chosen, cand_vectors, v, depth=len(chosen)))]
        if not backed:
            return "", [], "the model's answer was not backed by the article; the article's best sentence is shown"
        text, citations = build_citations(self.index.article.text, backed)
        if yes_no:
            text = f"{polarity(question, evidence[0].sentence.text)}. {text}"
        dropped = len(sentences) - len(backed)
        return text, citations, f"generated; {dropped} unsupported sentence(s) removed" if dropped else "generated"

    # -- LangChain -----------------------------------------------------------------------------------
    def runnable(self) -> Runnable[dict[str, Any], Answer]:
        """`invoke({"question": ..., "history": [...]})` -> Answer; composes with any LangChain runnable."""
        return (RunnableLambda(self.rewrite) | RunnableLambda(self.retrieve) | RunnableLambda(self.gate)
                | RunnableLambda(self.generate) | RunnableLambda(self.finish)).with_config(run_name="article-assistant")

    def stream(self, state: State) -> Iterator[str | Answer]:
        """The same steps, yielding generated text as it comes, then the verified Answer."""
        state = self.gate(self.retrieve(self.rewrite(state)))
        if state["gate"].answerable and self.backend is not None:
            t = time.perf_counter()
            pieces = []
            for piece in self.generate_stream(state):
                pieces.append(piece)
                if "first_token_s" not in state["timings"]:
                    state["timings"] = {**state["timings"], "first_token_s": time.perf_counter() - state["t0"]}
                yield piece
            state = {**state, "draft": "".join(pieces), "timings": _lap(state, "generate_s", t)}
        yield self.finish(state)


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


def _format_history(history: list[dict[str, str]]) -> str:
    return "\n".join(f"{m['role']}: {m['content']}" for m in history)


def _lap(state: State, key: str, started: float) -> dict[str, float]:
    return {**state.get("timings", {}), key: time.perf_counter() - started}


def _total(state: State, started: float, key: str) -> dict[str, float]:
    timings = _lap(state, key, started)
    timings["total_s"] = time.perf_counter() - state["t0"]
    return timings

"""Follow-up rewriting: "When was it founded?" after "What is the CSTO?" -> "When was the CSTO founded?".

Rule-based by default: it is instant and cannot invent facts. A language model may do it instead (a backend
whose `rewrites_followups` is set) but its output is only kept when it passes `plausible_rewrite`. Only a
question that leans on the conversation is rewritten (`Question.leans_on_history`, assistant/question.py).
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

from assistant.backends import Backend
from assistant.history import trim_history
from assistant.injection import looks_like_injection
from assistant.markup import MARKER
from assistant.pipeline.turn import Turn
from assistant.question import DEMONSTRATIVE, ELLIPSIS_WORDS, ORDINAL, PERSON, PLURAL, START, THING, analyse, strip_lead
from assistant.refusal import is_refusal
from assistant.types import Message
from index import content_terms
from prompts import chat_messages

__all__ = ["REWRITE_TOKENS", "Rewrite", "plausible_rewrite", "rewrite_followup", "usable_history"]

# A rewrite is one question: the longest CSTO gold question is 17 words (93 characters), well inside 80 tokens,
# which also cut short a model that goes on to answer the question instead of rewriting it.
REWRITE_TOKENS = 80
_ENTITY = re.compile(r"\b(?:the\s+)?(?:[A-Z][\w’'-]*|[A-Z]{2,})(?:\s+(?:of\s+the\s+|of\s+)?[A-Z][\w’'-]*)*")
# An answer that lists things ("Syria and North Korea.") is short: the CSTO members' list, the longest the
# follow-ups point into, is 7 words ("Russia, Belarus, Kazakhstan, Kyrgyzstan, Tajikistan and Armenia").
LISTING_WORDS = 12
# A model's rewrite longer than both of these is an answer or a ramble, not a rewrite: the rules' own rewrites
# of the CSTO follow-ups are at most 95 characters and 3.5 times their question (a one-word ellipsis).
REWRITE_CHARS = 200
REWRITE_GROWTH = 3
_ORDINALS = {"first": 0, "former": 0, "second": 1, "third": 2, "fourth": 3, "last": -1, "latter": -1}
_PREPOSITION = r"in|on|at|during|after|before|since|until|for|by|from"
_AUX_BE = {"is", "are", "was", "were"}


class Rewrite:
    """The step: the history a follow-up may lean on (trimmed to `history_tokens`), and the standalone question."""

    def __init__(self, backend: Backend, history_tokens: int) -> None:
        self.backend = backend
        self.history_tokens = history_tokens

    def run(self, turn: Turn) -> Turn:
        t = time.perf_counter()
        history = trim_history(usable_history(turn.history), self.history_tokens)
        question = turn.question
        standalone = rewrite_followup(question, history) if history else question
        if history and standalone != question and self.backend.rewrites_followups:
            candidate = self.backend.complete(
                chat_messages("rewrite", system=None, history=_format_history(history), question=question),
                max_tokens=REWRITE_TOKENS,
            ).strip()
            if plausible_rewrite(question, candidate):
                standalone = candidate
        return replace(turn, history=history, standalone=standalone, follow_up=standalone != question,
                       timings=turn.lap("rewrite_s", t))


def _format_history(history: list[Message]) -> str:
    return "\n".join(f"{m['role']}: {m['content']}" for m in history)


def _entities(text: str, *, skip_first: bool = True) -> list[str]:
    """The named things in a sentence, in order; a question's first word is capitalised anyway (skipped), an
    answer's may be the name itself ("Turkmenistan: it has ...")."""
    words = text.strip().split(maxsplit=1)
    rest = words[1] if len(words) > 1 else ""
    source = rest if skip_first else MARKER.sub("", text)
    # A possessive names the thing it owns: "Tokayev's article", not "Tokayev's".
    found = [m.group(0).strip() for m in re.finditer(rf"(?:{_ENTITY.pattern})(?<=[’']s)\s+[a-z]\w+|{_ENTITY.pattern}",
                                                      source)]
    if not skip_first and found and text.strip().startswith(found[0]):
        # A sentence's first word is capitalised anyway: a name only when it runs on ("Prime Minister Nikol
        # Pashinyan") or stands alone before a colon or comma ("Turkmenistan: it has ...").
        after = text.strip()[len(found[0]):len(found[0]) + 1]
        if " " not in found[0] and after not in (":", ",", ".", ";"):
            found = found[1:]
    found = [f for f in found if not re.fullmatch(
        r"(?:the\s+)?(I|A|An|The|It|Its|That|This|These|Those|Yes|No|He|She|They|There|In|On|At|Only|After|Before)", f)]
    return [f"the {f}" if not f.lower().startswith("the ") and re.fullmatch(r"[A-Z]{2,}", f) else f for f in found]


def _listed(answer: str) -> list[str]:
    """The items of a short listing answer: "Syria and North Korea. [1]" -> ["Syria", "North Korea"]."""
    text = MARKER.sub("", answer).strip().rstrip(".")
    text = re.split(r"[:;.]", text, maxsplit=1)[0]
    if len(text.split()) > LISTING_WORDS:
        return []
    items = [i.strip() for i in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if i.strip()]
    return items if len(items) >= 2 and all(i[:1].isupper() for i in items) else []


def _plural_phrase(question: str) -> str | None:
    """ "Which states openly supported Russia?" -> "the states that openly supported Russia"."""
    m = re.match(r"^(?:which|what)\s+(\w+s)\s+(.+?)\??$", question.strip(), re.IGNORECASE)
    if not m:
        return None
    noun, rest = m.groups()
    return f"the {noun} that {rest}"


def _ellipsis(phrase: str, previous: str, answer: str) -> str | None:
    """ "Kazakhstan?" / "in 2022?" after a question: that question, asked of the new thing."""
    phrase = phrase.strip().rstrip("?").strip()
    prev = previous.strip().rstrip("?")
    if re.match(rf"^(?:{_PREPOSITION})\b", phrase, re.IGNORECASE):  # "in 2022" replaces "in 2024"
        phrase = phrase[0].lower() + phrase[1:]
        prep = phrase.split()[0]
        swapped = re.sub(rf"\b{prep}\s+[^,;?]+$", phrase, prev, count=1, flags=re.IGNORECASE)
        return f"{swapped}?" if swapped != prev else None
    named = _entities(prev)
    if phrase in answer and phrase not in prev:
        # One of the things the previous answer named: ask its question of that thing alone.
        m = re.match(r"^(?:which|what|who)\b(.*)$", prev, re.IGNORECASE)
        if m:
            words = m.group(1).split()
            for i, w in enumerate(words):
                if w.lower() in _AUX_BE:
                    return f"{w.capitalize()} {phrase} {' '.join(words[i + 1:])}?"
                if w.lower().endswith("ed") or w.lower() in {"did", "does", "do", "has", "have", "had"}:
                    lead = i
                    while lead and words[lead - 1].lower().endswith("ly"):
                        lead -= 1
                    return f"{phrase} {' '.join(words[lead:])}?"
    if named and phrase[:1].isupper() and content_terms(phrase):  # "And Belarus?" after "How did Kazakhstan react?"
        return f"{prev.replace(named[-1], phrase, 1)}?"
    return None


def rewrite_followup(question: str, history: list[Message]) -> str:
    """A standalone version of `question`, or `question` itself when it already stands alone."""
    question = strip_lead(question)
    users = [m["content"] for m in history if m["role"] == "user"]
    if not users or not analyse(question).leans_on_history:
        return question
    previous = users[-1]
    answers = [m["content"] for m in history if m["role"] == "assistant"]
    answer = answers[-1] if answers and history[-1]["role"] == "assistant" else ""
    listed = _listed(answer)
    thing = next(iter(_entities(previous)), None)  # "it": what the previous question was about
    named = _entities(answer, skip_first=False)
    person = next(iter(named + _entities(previous)), None)  # "he": the one just named, else the one asked of
    out = question
    ordinal = ORDINAL.search(out)
    if ordinal and listed:
        out = out[:ordinal.start()] + listed[_ORDINALS[ordinal.group(1).lower()]] + out[ordinal.end():]
    elif re.search(rf"\b({PLURAL})\b", out, re.IGNORECASE) and (plural := _plural_phrase(previous) or
                                                                (" and ".join(listed) if listed else None)):
        out = re.sub(rf"\b(?:{PLURAL})\b", plural, out, count=1, flags=re.IGNORECASE)
    elif (demonstrative := DEMONSTRATIVE.search(out)) and (person or thing):
        out = out[:demonstrative.start()] + str(next(iter(named), None) or thing or person) + out[demonstrative.end():]
    elif re.search(rf"\b({PERSON})\b", out, re.IGNORECASE) and person:
        out = re.sub(r"\b(?:his|her)\b", f"{person}’s", out, count=1, flags=re.IGNORECASE) \
            if re.search(r"\b(?:his|her)\b", out, re.IGNORECASE) else \
            re.sub(rf"\b(?:{PERSON})\b", person, out, count=1, flags=re.IGNORECASE)
    elif re.search(rf"\b({THING})\b", out, re.IGNORECASE) and thing:
        out = re.sub(r"\bits\b", f"{thing}’s", out, count=1, flags=re.IGNORECASE)
        out = re.sub(rf"\b(?:{THING})\b", thing, out, count=1, flags=re.IGNORECASE)
    elif not START.match(out) and len(out.split()) <= ELLIPSIS_WORDS and not re.search(
            r"\b(what|which|who|when|where|why|how)\b", out, re.IGNORECASE):
        out = _ellipsis(out, previous, answer) or out
    if out == question:
        out = f"{question.rstrip('?')}? (following: {previous.strip()})"
    return out[0].upper() + out[1:]


def plausible_rewrite(original: str, candidate: str) -> bool:
    """A model's rewrite is kept only if it is one short question that keeps the original's words."""
    candidate = candidate.strip()
    if not candidate or "\n" in candidate or len(candidate) > max(REWRITE_CHARS, REWRITE_GROWTH * len(original)):
        return False
    kept = set(content_terms(original))
    return not kept or len(kept & set(content_terms(candidate))) >= max(1, len(kept) // 2)


def usable_history(history: list[Message]) -> list[Message]:
    """The turns a follow-up may lean on: a question the assistant refused, and orders to the assistant,
    resolve nothing (and must never make the next question look like an injection)."""
    out: list[Message] = []
    i = 0
    while i < len(history):
        m = history[i]
        reply = history[i + 1] if m["role"] == "user" and i + 1 < len(history) else None
        if reply is not None and reply["role"] == "assistant":
            if not (looks_like_injection(m["content"]) or is_refusal(reply["content"])):
                out += [m, reply]
            i += 2
            continue
        if not (m["role"] == "user" and looks_like_injection(m["content"])):
            out.append(m)
        i += 1
    return out

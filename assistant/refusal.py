"""Every refusal: the decision, its reason and its text, and the one threshold it is decided at.

Refusing before generation is cheaper and safer than asking a small model to notice that it does not know.
The kinds, in the order they can happen:
- `instructions`: the question talks to the assistant (a principle, not a judgement: decided before any
  retrieval, so nothing is embedded, searched or read);
- `not_found`: nothing in the article matched the question;
- `below_threshold`: the probability that the best sentence answers (the reader's, fused with the
  bi-encoder's cosine) is below the threshold chosen on held-out articles;
- `unbacked`: no sentence of the article backs an answer (the answer could not be composed).
The threshold and its rule are one `OperatingPoint`, which the evaluation's would-be answers are refused
through too, so that the abstention curve's point at the product's threshold is exactly what the product does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from assistant.question import Question
from assistant.types import Answer, Segment
from index import Credit, content_terms, uses_term

if TYPE_CHECKING:
    from assistant.evidence import Evidence

__all__ = [
    "INSTRUCTIONS",
    "REFUSAL",
    "Decision",
    "OperatingPoint",
    "RefusalKind",
    "credited",
    "is_refusal",
    "not_mentioned",
    "overview",
    "refusal_text",
    "screen",
    "unbacked",
]

REFUSAL = "The article does not say."
# An instruction is not a question the article fails to answer: saying "the article does not say" would be untrue.
INSTRUCTIONS = "That is an instruction to the assistant, not a question about the article: it only answers questions."
RefusalKind = Literal["instructions", "not_found", "below_threshold", "unbacked"]


def refusal_text(kind: RefusalKind | None) -> str:
    """The one text a refusal of this kind shows, on every surface (page, CLI, Python, HTTP)."""
    return INSTRUCTIONS if kind == "instructions" else REFUSAL


def is_refusal(text: str) -> bool:
    """A reply that is one of the refusal texts (a history's refused turns resolve nothing)."""
    return text.strip() in (REFUSAL, INSTRUCTIONS)


@dataclass(frozen=True)
class Decision:
    """`score`: the best sentence's probability (reader fused with cosine); None when no reader ran.
    `kind`: why it was refused, None when it answers."""

    answerable: bool
    reason: str
    score: float | None = None
    kind: RefusalKind | None = None


def screen(question: Question) -> Decision | None:
    """The refusal that needs no article: instructions to the assistant. None: go on and retrieve."""
    if question.injection:
        return Decision(False, "Instructions to the assistant are not questions about the article.",
                        kind="instructions")
    return None


# "How large ...", "how many ...": the word after "how" asks for a measure; it is not a topic the article lacks.
_MEASURE = re.compile(r"\bhow\s+([^\W_]+)", re.IGNORECASE)
def not_mentioned(question: str, vocabulary: Collection[str]) -> str | None:
    """The question's words the article never uses, nor any word that starts like them, as the phrase they
    stand in ("the NATO Secretary General"), or None. Only an explanation of a refusal, never a reason to
    refuse: the reader decides."""
    words = re.findall(r"[^\W_]+(?:[’'-][^\W_]+)*", question)
    measures = {m.group(1).lower() for m in _MEASURE.finditer(question)}

    def absent(i: int, word: str) -> bool:
        # Only a name or a number: a common word may be absent while its meaning is there ("arrive" in an
        # article that says "deployed"), and "the article does not mention arrive" would be untrue.
        named = (i > 0 and word[:1].isupper()) or any(c.isdigit() for c in word)
        terms = content_terms(word)
        return named and bool(terms) and word.lower() not in measures and not uses_term(terms[0], vocabulary)

    missing = [i for i, w in enumerate(words) if absent(i, w)]
    if not missing:
        return None
    runs: list[list[int]] = []
    for i in missing:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    # A name says it best ("Kerrow Point"); else the longest run of missing words.
    named = [[i for i in run if i and words[i][:1].isupper()] for run in runs]
    run = next((n for n in named if n), None) or max(runs, key=len)
    i, j = run[0], run[-1]
    while i > 1 and words[i - 1][:1].isupper():  # the name the missing words belong to ("NATO Secretary ...")
        i -= 1
    while j + 1 < len(words) and words[j + 1][:1].isupper():
        j += 1
    phrase = " ".join(words[i:j + 1])
    return f"the {phrase}" if i and words[i - 1].lower() == "the" else phrase


def overview(question: Question, vocabulary: Collection[str], chosen: int) -> Decision:
    """An overview ("What does the article say about X?") is refused only when the article does not mention
    its topic: none of the topic's words (nor a word that starts like one) is the article's. `chosen`: how many
    sentences were found about it."""
    topic = question.topic
    terms = content_terms(topic or "")
    if (terms and not any(uses_term(t, vocabulary) for t in terms)) or not chosen:
        return Decision(False, f"The article does not mention {topic}." if topic else
                        "Nothing in the article matches the question.", kind="not_found")
    about = f"about {topic}" if topic else "as a whole"
    return Decision(True, f"an overview of what the article says {about}: {chosen} sentence(s)")


def credited(credit: Credit, found: bool) -> Decision:
    """A question about the article as a document (who wrote it, when it was published) is answered by its byline
    or dateline, or refused with what the article lacks: its content answers neither."""
    if found:
        return Decision(True, "the article's byline" if credit == "author" else "the article's dateline", 1.0)
    return Decision(False, "The article does not name its author." if credit == "author" else
                    "The article does not say when it was published.", kind="not_found")


def unbacked(score: float | None) -> Decision:
    """Answerable by the reader's score, yet no sentence could be cited (nothing the article says backs it)."""
    return Decision(False, "No sentence of the article backs an answer.", score, "unbacked")


ThresholdSource = Literal["setting", "reader", "given"]


@dataclass(frozen=True)
class OperatingPoint:
    """The one threshold answers are refused below, resolved once when the chain is built (`resolve`), and the
    rule applied at it. The product decides through `decide`; evaluation asks for every would-be answer
    (`min_score=0.0`) and refuses it through `apply` on the same object (`Assistant.operating_point`), so the
    abstention curve's point at this threshold is exactly what the product does, reason words included.
    `source`: where the threshold came from: the setting, the reader's validated one (its reader.json, chosen
    on held-out articles: see its MODEL_CARD.md), or given for one call or one point of a curve."""

    threshold: float
    source: ThresholdSource = "given"

    @classmethod
    def resolve(cls, setting: float | None, reader_threshold: float) -> OperatingPoint:
        """`Settings.answer_threshold` when set (0 included: it answers everything), else the reader's."""
        return cls(reader_threshold, "reader") if setting is None else cls(setting, "setting")

    def at(self, min_score: float | None) -> OperatingPoint:
        """This point, or the one a caller asked for (`ask(..., min_score=)`) for one question."""
        return self if min_score is None else OperatingPoint(min_score, "given")

    def refuses(self, score: float) -> bool:
        return score < self.threshold

    def decide(self, question: Question, evidence: Sequence[Evidence], vocabulary: Collection[str] = ()) -> Decision:
        """Answer or refuse, from the reader's evidence. `vocabulary`: the article's content terms, to say in
        plain words what it does not mention. Orders to the assistant never get here: `screen` refuses them
        once, before any retrieval (assistant/pipeline/decide.py: `Screen`)."""
        if not evidence:
            return Decision(False, _reason(question.text, vocabulary, _NOTHING), kind="not_found")
        score = max(e.probability for e in evidence)  # the best, even when a follow-up's near-tie went first
        if self.refuses(score):
            return Decision(False, _reason(question.text, vocabulary, _BELOW), score, "below_threshold")
        return Decision(True, f"the probability that the article answers: {score:.2f}", score)

    def apply(self, answer: Answer, vocabulary: Collection[str] = ()) -> Answer:
        """`answer` (asked with `min_score=0.0`) as the product gives it at this point: refused, with the reason
        `decide` gives, when its reader score is below the threshold; unchanged when it passes, is already
        refused or has no score."""
        if answer.refused or answer.answer_score is None or not self.refuses(answer.answer_score):
            return answer
        why = _reason(answer.standalone_question or answer.question, vocabulary, _BELOW)
        text = refusal_text("below_threshold")
        return replace(answer, text=text, refused=True, citations=[], short_answer=None, reason=why,
                       refusal="below_threshold", segments=[Segment("refusal", text)])


# The reasons in words a reader can check, never the scores (they stay in `Answer.answer_score`).
_NOTHING = "Nothing in the article matches the question."
_BELOW = "No sentence of the article answers this."


def _reason(question: str, vocabulary: Collection[str], otherwise: str) -> str:
    absent = not_mentioned(question, vocabulary) if vocabulary else None
    return f"The article does not mention {absent}." if absent else otherwise

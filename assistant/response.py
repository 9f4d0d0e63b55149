"""A streamed answer as one object (compare simonw/llm's `Response`): iterate it for the verified text as it
comes, or for its segments, then ask it for the final `Answer`.

    response = assistant.respond("When was the CSTO founded?")
    for piece in response:          # Markdown text, each piece verified and never taken back
        print(piece, end="", flush=True)
    answer = response.answer()      # the Answer: citations, short answer, refusal, timings

    for segment in assistant.respond(question).segments():   # the same answer as its pieces, to render
        ...                         # segment.kind: "short", "verdict", "sentence" (citing segment.n), "refusal"

`answer()` before (or without) iterating reads the rest of the stream first; a second iteration yields nothing
more. `Assistant.stream` stays the lower-level generator (text pieces, then the Answer as its last item).
"""

from __future__ import annotations

from collections.abc import Iterator

from assistant.errors import BackendError
from assistant.markup import markdown, piece
from assistant.types import Answer, Segment

__all__ = ["Response"]


class Response:
    def __init__(self, items: Iterator[Segment | Answer]) -> None:
        self._items = items
        self._answer: Answer | None = None
        self._shown: list[Segment] = []

    def segments(self) -> Iterator[Segment]:
        """The answer's segments as each is verified; joined, `answer().segments`."""
        for item in self._items:
            if isinstance(item, Answer):
                self._answer = item
                return
            self._shown.append(item)
            yield item

    def __iter__(self) -> Iterator[str]:
        """The answer's Markdown text, a segment at a time; joined, `answer().text`."""
        after = self._shown[-1] if self._shown else None
        for segment in self.segments():
            yield piece(segment, after)
            after = segment

    def answer(self) -> Answer:
        """The final Answer, once the stream is read to its end (read here if it was not)."""
        for _ in self.segments():
            pass
        if self._answer is None:
            raise BackendError("the assistant stopped without an answer")
        return self._answer

    def text(self) -> str:
        """The whole answer text (`answer().text`)."""
        return self.answer().text

    @property
    def shown(self) -> str:
        """What has been yielded so far, as Markdown: always the start of the final text."""
        return markdown(self._shown)

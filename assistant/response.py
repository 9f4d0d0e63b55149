"""A streamed answer as one object (compare simonw/llm's `Response`): iterate it for the verified text as it
comes, then ask it for the final `Answer`.

    response = assistant.respond("When was the CSTO founded?")
    for piece in response:          # text only, each piece verified and never taken back
        print(piece, end="", flush=True)
    answer = response.answer()      # the Answer: citations, short answer, refusal, timings

`answer()` before (or without) iterating reads the rest of the stream first; a second iteration yields nothing
more. `Assistant.stream` stays the lower-level generator (pieces, then the Answer as its last item).
"""

from __future__ import annotations

from collections.abc import Iterator

from assistant.types import Answer

__all__ = ["Response"]


class Response:
    def __init__(self, pieces: Iterator[str | Answer]) -> None:
        self._pieces = pieces
        self._answer: Answer | None = None
        self._text: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for piece in self._pieces:
            if isinstance(piece, Answer):
                self._answer = piece
                return
            self._text.append(piece)
            yield piece

    def answer(self) -> Answer:
        """The final Answer, once the stream is read to its end (read here if it was not)."""
        for _ in self:
            pass
        if self._answer is None:
            raise RuntimeError("the stream ended without an answer")
        return self._answer

    def text(self) -> str:
        """The whole answer text (`answer().text`)."""
        return self.answer().text

    @property
    def shown(self) -> str:
        """What has been yielded so far: always the start of the final text."""
        return "".join(self._text)

from collections.abc import Callable
from pathlib import Path

from assistant import Assistant
from assistant.pipeline.read import last_exchange
from assistant.pipeline.turn import Turn


def test_the_reader_judges_sentences_and_reorders_the_passages(make_assistant: Callable[..., Assistant],
                                                               small_article: Path) -> None:
    chain = make_assistant(small_article).chain()
    turn = chain.read_step.run(chain.search_step.run(Turn(question="When did the keepers leave the lighthouse?")))
    best = turn.evidence[0]
    assert "The keepers left in 1989" in best.sentence.text and best.span is not None
    assert [e.probability for e in turn.evidence] == sorted((e.probability for e in turn.evidence), reverse=True)
    assert turn.hits[0].passage.start <= best.sentence.start and best.sentence.end <= turn.hits[0].passage.end
    assert [h.rank for h in turn.hits] == list(range(1, len(turn.hits) + 1)) and "read_s" in turn.timings


def test_the_last_exchange_is_its_words_without_marks() -> None:
    history = [{"role": "user", "content": "Who built it?"},
               {"role": "assistant", "content": "**Maria Holt**. The lighthouse was built by Maria Holt. [1]"}]
    assert last_exchange(history) == "Who built it? Maria Holt. The lighthouse was built by Maria Holt."
    assert last_exchange([]) == ""

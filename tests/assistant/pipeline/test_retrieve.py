from collections.abc import Callable
from pathlib import Path

from assistant import Assistant
from assistant.pipeline.turn import Turn


def test_the_search_reads_at_least_the_passages_the_reader_looks_into(make_assistant: Callable[..., Assistant],
                                                                       small_article: Path) -> None:
    chain = make_assistant(small_article, read_passages=3, top_k=2).chain()
    turn = chain.search_step.run(Turn(question="When was the lighthouse of Varn built?"))
    assert turn.standalone == "When was the lighthouse of Varn built?" and len(turn.query_vector) > 0
    assert len(turn.hits) == 3 and "retrieve_s" in turn.timings
    assert "1871" in turn.hits[0].passage.text  # the passage that answers, ranked first
    wider = chain.search_step.run(Turn(question="When was the lighthouse of Varn built?", k=4))
    assert len(wider.hits) == 4  # a caller's k beyond read_passages widens the search

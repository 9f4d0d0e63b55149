from benchmarks.rerank_probe import top1


def test_the_second_opinion_can_change_which_sentence_comes_first() -> None:
    rows = [{"article": "a", "answerable": True, "p": [0.6, 0.5], "ms": [-3.0, 4.0], "holds": [False, True]},
            {"article": "a", "answerable": False, "p": [0.9], "ms": [0.0], "holds": [False]}]
    assert top1(rows, 0.0) == 0.0  # the reader alone puts the wrong sentence first
    assert top1(rows, 1.0) == 1.0  # with the cross-encoder's opinion, the right one

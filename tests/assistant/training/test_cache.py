from collections.abc import Callable
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.errors import InputError
from assistant.training.cache import CANDIDATES, CachedArticle, build_cache, cache_key, load_cache, load_checked
from tests.support.articles import SMALL_ARTICLE

ARTICLE = CachedArticle("varn", SMALL_ARTICLE, (
    ("q1", "When was the lighthouse of Varn built?", ("1871",)),
    ("q2", "How tall is the lighthouse?", ("42 metres",)),
    ("q3", "Who painted the lighthouse?", ()),
))


def test_each_question_gets_the_readers_signals_and_its_labels(tmp_path: Path,
                                                               make_assistant: Callable[..., Assistant]) -> None:
    folder, complete = build_cache([ARTICLE], tmp_path, make_assistant, "sha-a", log=lambda _: None)
    rows = load_cache(folder)
    assert complete and [r["id"] for r in rows] == ["q1", "q2", "q3"]
    built = rows[0]
    assert built["answerable"] and built["span"] == "1871" and built["span_f1"] == 1.0
    assert built["signals"]["type_match"] is True and built["best_holds_answer"]
    assert not rows[2]["answerable"] and rows[2]["span_f1"] == 0.0


def test_the_cache_is_reused_for_the_same_reader_and_rebuilt_for_another(
        tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    made: list[Path] = []

    def counting(article: Path) -> Assistant:
        made.append(article)
        return make_assistant(article)

    first, _ = build_cache([ARTICLE], tmp_path, counting, "sha-a", log=lambda _: None)
    again, _ = build_cache([ARTICLE], tmp_path, counting, "sha-a", log=lambda _: None)
    assert again == first and len(made) == 1  # nothing asked again
    other, _ = build_cache([ARTICLE], tmp_path, counting, "sha-b", log=lambda _: None)
    assert other != first and len(made) == 2
    assert cache_key("sha-a", [ARTICLE]) != cache_key("sha-a", [CachedArticle("varn", SMALL_ARTICLE + "x", ())])


def test_a_run_out_of_time_stops_between_articles_and_resumes(tmp_path: Path,
                                                              make_assistant: Callable[..., Assistant]) -> None:
    two = [ARTICLE, CachedArticle("varn2", SMALL_ARTICLE, ARTICLE.questions[:1])]
    folder, complete = build_cache(two, tmp_path, make_assistant, "sha-a", max_minutes=-1, log=lambda _: None)
    assert not complete and load_cache(folder) == []
    folder, complete = build_cache(two, tmp_path, make_assistant, "sha-a", log=lambda _: None)
    assert complete and len(load_cache(folder)) == 4


class ScoresByLength:
    """A second opinion that prefers longer sentences: enough to see its scores kept beside each candidate."""

    def scores(self, question: str, sentences: list[str]) -> list[float]:
        return [float(len(s)) for s in sentences]


def test_each_row_keeps_its_best_candidates_with_the_second_opinions_scores(
        tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    folder, _ = build_cache([ARTICLE], tmp_path, make_assistant, "sha-a", log=lambda _: None,
                            opinion=ScoresByLength())
    first = load_cache(folder)[0]
    cands = first["candidates"]
    assert 1 <= len(cands) <= CANDIDATES and first["second_opinion"]
    assert [c["p"] for c in cands] == sorted((c["p"] for c in cands), reverse=True)  # the reader's own order
    assert cands[0]["p"] == round(first["answer_score"], 6) and cands[0]["holds"] == first["best_holds_answer"]
    assert cands[0]["span"] == first["span"] == "1871" and cands[0]["span_f1"] == 1.0
    assert all(c["ms"] > 0 for c in cands)
    assert cands[0]["text"] == first["best_sentence"]  # each candidate's sentence, as the second opinion read it
    assert all(c["ms"] == float(len(c["text"])) for c in cands)
    without, _ = build_cache([ARTICLE], tmp_path / "plain", make_assistant, "sha-a", log=lambda _: None)
    assert all(c["ms"] == 0.0 for r in load_cache(without) for c in r["candidates"])


def test_a_fit_reads_only_a_cache_of_its_own_reader(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    folder, _ = build_cache([ARTICLE], tmp_path, make_assistant, "sha-a", log=lambda _: None)
    assert len(load_checked(folder, "sha-a")) == 3
    with pytest.raises(InputError, match="cached for another reader"):
        load_checked(folder, "sha-b")
    with pytest.raises(InputError, match="not a cache folder"):
        load_checked(tmp_path / "nothing", "sha-a")

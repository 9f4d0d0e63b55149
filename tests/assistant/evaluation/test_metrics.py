import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.evaluation import metrics as m
from tests.support.fakes import FakeEmbedder

# -- normalisation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("The Cat", "cat"),
    ("a cat and an apple", "cat and apple"),
    ("theatre Anatomy", "theatre anatomy"),  # only whole words are articles
    ("  Hello,   world!  ", "hello world"),
    ("Putin’s little non-Nato", "putins little nonnato"),
    ("Putin's little non-Nato", "putins little nonnato"),
    ("“Quoted” «text» ¿ok?", "quoted text ok"),
    ("Korea—international", "korea international"),
    ("1992–1993", "1992 1993"),
    ("multi-vector", "multivector"),
    ("ﬁve ＦＩＶＥ", "five five"),  # NFKC: ligature and full-width letters
    ("Straße", "strasse"),
    ("zero\u200bwidth", "zerowidth"),
    ("tab\tand\nnewline\u00a0nbsp", "tab and newline nbsp"),
    ("", ""),
    ("the a an", ""),
    ("$5 + 3%", "5 3"),
])
def test_normalize_answer(text, expected):
    assert m.normalize_answer(text) == expected


@given(st.text())
def test_normalize_is_idempotent(text):
    once = m.normalize_answer(text)
    assert m.normalize_answer(once) == once


@given(st.text())
def test_normalized_text_has_no_articles_or_extra_space(text):
    norm = m.normalize_answer(text)
    assert norm == norm.strip()
    assert "  " not in norm
    assert not {"a", "an", "the"} & set(norm.split())


# -- exact match, F1, containment ------------------------------------------------------------------------

def test_exact_match_is_max_over_golds():
    assert m.exact_match("The 6th of August", ["6 august", "6th of August."]) == 1.0
    assert m.exact_match("six", ["6"]) == 0.0
    assert m.exact_match("Putin’s little non-Nato", ["Putin's little non-Nato"]) == 1.0


def test_empty_gold_list_scores_zero():
    assert m.exact_match("anything", []) == 0.0
    assert m.token_f1("anything", []) == 0.0
    assert m.containment("anything", []) == 0.0


def test_empty_answers():
    assert m.exact_match("", [""]) == 1.0
    assert m.token_f1("", [""]) == 1.0
    assert m.token_f1("", ["1992"]) == 0.0
    assert m.token_f1("1992", [""]) == 0.0
    assert m.containment("", ["1992"]) == 0.0
    assert m.exact_match("the", ["a"]) == 1.0  # both normalise to nothing


def test_token_f1_squad_example():
    # pred: "founded in 1992 by six" (5), gold: "in 1992" (2): 2 shared -> P=2/5 R=1 -> F1=4/7
    assert m.token_f1("Founded in 1992 by six.", ["in 1992"]) == pytest.approx(4 / 7)
    assert m.token_f1("Founded in 1992 by six.", ["nothing here", "in 1992"]) == pytest.approx(4 / 7)
    assert m.token_f1("no overlap", ["1992"]) == 0.0


def test_token_f1_counts_repeated_tokens_once_each():
    assert m.token_f1("no no no", ["no"]) == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))


def test_containment_on_word_boundaries():
    assert m.containment("It was founded in 1992, in Tashkent.", ["1992"]) == 1.0
    assert m.containment("It was founded in 19921.", ["1992"]) == 0.0
    assert m.containment("Nothing known.", ["no"]) == 0.0
    assert m.containment("No. Russia did not ask.", ["no"]) == 1.0
    assert m.containment("Cooperation with South Korea—international sanctions", ["korea international"]) == 1.0
    assert m.containment("Belarus and Kazakhstan.", ["Kazakhstan and Belarus", "Belarus and Kazakhstan"]) == 1.0


_words = st.lists(st.sampled_from(["the", "a", "cat", "Dog", "1992", "x", "Korea—intl", "it’s", ",", "an"]),
                  max_size=6).map(" ".join)


@given(_words, st.lists(_words, max_size=3))
def test_exact_match_implies_containment_and_full_f1(pred, golds):
    if m.exact_match(pred, golds):
        assert m.containment(pred, golds) == 1.0
        assert m.token_f1(pred, golds) == 1.0


@given(_words, st.lists(_words, max_size=3))
def test_scores_are_bounded(pred, golds):
    for fn in (m.exact_match, m.token_f1, m.containment):
        assert 0.0 <= fn(pred, golds) <= 1.0


@given(_words)
def test_a_text_matches_itself(text):
    assert m.exact_match(text, [text]) == m.token_f1(text, [text]) == m.containment(text, [text]) == 1.0


# -- semantic similarity ---------------------------------------------------------------------------------

def test_cosine():
    assert m.cosine([1.0, 0.0], [1.0, 0.0]) == pytest.approx(1.0)
    assert m.cosine([1.0, 0.0], [0.0, 2.0]) == pytest.approx(0.0)
    assert m.cosine([1.0, 1.0], [-1.0, -1.0]) == pytest.approx(-1.0)
    assert m.cosine([0.0, 0.0], [1.0, 0.0]) == 0.0


def test_semantic_similarity_takes_the_best_gold():
    emb = FakeEmbedder()
    same = m.semantic_similarity("lighthouse built engineer", ["unrelated words here", "lighthouse built engineer"],
                                 emb)
    assert same == pytest.approx(1.0)
    assert emb.calls == 1  # one batch
    partial = m.semantic_similarity("lighthouse built engineer", ["lighthouse restored council"], emb)
    assert 0.0 < partial < 1.0


def test_semantic_similarity_blank():
    emb = FakeEmbedder()
    assert m.semantic_similarity("", ["x"], emb) == 0.0
    assert m.semantic_similarity("text", [], emb) == 0.0
    assert m.semantic_similarity("text", ["  "], emb) == 0.0
    assert emb.calls == 0


# -- retrieval -------------------------------------------------------------------------------------------

REF = "On 6 August 2024, the Ukrainian army launched a full-scale military incursion into the Russian Kursk region"


def test_is_relevant_whole_context_or_prefix():
    assert m.is_relevant(f"Background. {REF}, which surprised many.", [REF])
    assert m.is_relevant("Some earlier text.\n" + REF[:70], [REF])  # split: the first 60 characters are here
    assert not m.is_relevant(REF[60:] + " and more.", [REF])
    assert not m.is_relevant("Something else entirely.", [REF])
    assert not m.is_relevant("anything", [])
    assert not m.is_relevant("anything", [""])


def test_is_relevant_ignores_whitespace_runs():
    assert m.is_relevant("Founded   in\n1992, the CSTO brings", ["Founded in 1992, the CSTO"])


def test_any_reference_context_counts():
    assert m.is_relevant("conducted a collective operation only once in history", ["nope", "only once"])


def test_ranks_hits_and_mrr():
    texts = ["irrelevant", "also irrelevant", f"x {REF} y", REF]
    rank = m.first_relevant_rank(texts, [REF])
    assert rank == 3
    assert m.hit_at_k(rank, 1) == 0.0
    assert m.hit_at_k(rank, 3) == 1.0
    assert m.reciprocal_rank(rank) == pytest.approx(1 / 3)
    assert m.first_relevant_rank([REF], [REF]) == 1
    none = m.first_relevant_rank(["irrelevant"], [REF])
    assert none is None
    assert m.hit_at_k(none, 3) == 0.0
    assert m.reciprocal_rank(none) == 0.0
    assert m.first_relevant_rank([], [REF]) is None


# -- citations -------------------------------------------------------------------------------------------

ARTICLE = ("The CSTO was founded in 1992. Founded in 1992, the CSTO brings together six post-Soviet countries. "
           "Belarus condemned Ukraine’s Kursk operation. Kazakhstan stayed neutral.")


def _span(quote):
    start = ARTICLE.index(quote)
    return start, start + len(quote)


def test_citation_containing_the_reference_counts():
    quote = "Founded in 1992, the CSTO brings together six post-Soviet countries."
    assert m.citation_supported(quote, *_span(quote), ARTICLE, ["Founded in 1992, the CSTO"])


def test_citation_inside_the_reference_counts():
    quote = "Belarus condemned"
    assert m.citation_supported(quote, *_span(quote), ARTICLE, ["Belarus condemned Ukraine’s Kursk operation"])


def test_citation_sharing_a_long_run_counts():
    quote = "Belarus condemned Ukraine’s Kursk operation. Kazakhstan stayed neutral."
    ref = "At the time Belarus condemned Ukraine’s Kursk operation loudly"  # not in the article, 40+ shared chars
    assert m.citation_supported(quote, *_span(quote), ARTICLE, [ref])
    assert not m.citation_supported(quote, *_span(quote), ARTICLE, ["Kursk operation loudly"])


def test_citation_overlapping_by_span_counts():
    # the reference spans two sentences; the citation is the second one: spans overlap, no 30-char run needed
    ref = "operation. Kazakhstan"
    quote = "Kazakhstan stayed neutral."
    assert m.citation_supported(quote, *_span(quote), ARTICLE, [ref])


def test_citation_elsewhere_or_not_verbatim_does_not_count():
    quote = "Kazakhstan stayed neutral."
    assert not m.citation_supported(quote, *_span(quote), ARTICLE, ["Founded in 1992, the CSTO"])
    assert not m.citation_supported("Kazakhstan stayed very neutral.", None, None, ARTICLE, ["Kazakhstan stayed"])
    assert not m.citation_supported("", 0, 0, ARTICLE, ["Founded in 1992"])
    quote = "Founded in 1992, the CSTO"
    assert not m.citation_supported(quote, *_span(quote), ARTICLE, [])


def test_citation_with_wrong_offsets_is_located_in_the_text():
    quote = "Kazakhstan stayed neutral."
    assert m.citation_supported(quote, 0, 5, ARTICLE, ["operation. Kazakhstan"])


def test_spans_overlap_is_half_open():
    assert m.spans_overlap((0, 5), (4, 9))
    assert not m.spans_overlap((0, 5), (5, 9))
    assert not m.spans_overlap((3, 3), (0, 9))


# -- aggregation: refusal rates, means, percentiles ------------------------------------------------------

def test_no_answer_accuracy_and_false_abstention():
    # unanswerable rows: refused twice out of three; answerable rows: refused once out of four
    assert m.rate([True, True, False]) == pytest.approx(2 / 3)
    assert m.rate([True, False, False, False]) == pytest.approx(0.25)
    assert m.rate([]) is None


def test_mean_skips_none():
    assert m.mean([1.0, None, 0.0]) == 0.5
    assert m.mean([None]) is None
    assert m.mean([]) is None


def test_percentile_linear_interpolation():
    values = [0.4, 0.1, 0.3, 0.2]
    assert m.percentile(values, 50) == pytest.approx(0.25)
    assert m.percentile(values, 0) == pytest.approx(0.1)
    assert m.percentile(values, 100) == pytest.approx(0.4)
    assert m.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) is None
    with pytest.raises(ValueError):
        m.percentile([1.0], 101)


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1), st.floats(0, 100))
def test_percentile_is_within_range_and_monotonic(values, q):
    p = m.percentile(values, q)
    assert p is not None
    assert min(values) - 1e-9 <= p <= max(values) + 1e-9
    p50, p95 = m.percentile(values, 50), m.percentile(values, 95)
    assert p50 is not None and p95 is not None
    assert p50 <= p95 + 1e-9 * max(1.0, abs(p95))
    assert not math.isnan(p)

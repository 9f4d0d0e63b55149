import math

from benchmarks.reader_probes import (
    ProbeCandidate,
    ProbeQuestion,
    answerability_features,
    answerability_report,
    auc,
    continuity,
    figures,
    fit_answerability,
    fit_weight,
    fused,
    threshold_transfer,
)


def cand(logit: float, cosine: float = 0.0, *, prior: float = 0.0, paragraph: int = 1,
         holds: bool = False, span: float = 0.0) -> ProbeCandidate:
    return ProbeCandidate(logit, cosine, prior, 0.0, paragraph, holds, span)


def test_auc_counts_wins_and_halves_ties() -> None:
    assert auc([2.0, 1.0], [0.0]) == 1.0
    assert auc([1.0], [1.0]) == 0.5
    assert auc([0.0], [1.0, -1.0]) == 0.5
    assert auc([], [1.0]) == 0.0


def test_the_similarity_weight_is_fitted_where_the_cosine_finds_what_the_reader_misses() -> None:
    # The reader prefers the wrong sentence by a little; the cosine points at the right one.
    qs = [ProbeQuestion("a", True, 0, 1, [cand(0.5, 0.1), cand(0.0, 0.9, holds=True)]) for _ in range(3)]
    w, v = fit_weight(qs)
    assert w > 0 and v == 0.0
    assert figures(qs, fused(0.0))[0] == 0.0
    assert figures(qs, fused(w))[0] == 1.0


def test_a_content_free_prior_weight_is_fitted_only_when_it_helps() -> None:
    # The wrong sentence pulls every question (a high prior); subtracting it ranks the right one first.
    hub = [ProbeQuestion("a", True, 0, 1, [cand(1.0, prior=3.0), cand(0.5, prior=-1.0, holds=True)])]
    assert fit_weight(hub, "prior")[1] > 0
    # The right sentence is the one with the pull: subtracting it only hurts.
    plain = [ProbeQuestion("a", True, 0, 1, [cand(1.0, prior=3.0, holds=True), cand(0.5, prior=-1.0)])]
    assert fit_weight(plain, "prior")[1] == 0.0


def test_the_question_score_moves_the_auc_not_the_ranking() -> None:
    qs = [ProbeQuestion("a", True, 0, 1, [cand(1.0, holds=True)]),
          ProbeQuestion("a", False, 2, None, [cand(2.0)])]
    assert figures(qs, fused(0.0)) == (1.0, 0.0)
    assert figures(qs, fused(0.0), lambda q, s: s - q.missing) == (1.0, 1.0)


def test_continuity_breaks_near_ties_towards_the_previous_answers_paragraph() -> None:
    # Two questions in paragraph 2: each one's right sentence is in paragraph 2, a hair below a wrong one.
    qs = [ProbeQuestion("a", True, 0, 2, [cand(1.0, paragraph=5), cand(0.98, paragraph=2, holds=True)])
          for _ in range(2)]
    assert continuity(qs, fused(0.0), 0.0, same=True) == 0.0
    assert continuity(qs, fused(0.0), 0.05, same=True) == 1.0
    # A change of topic: the anchor is another paragraph (none here), so nothing moves.
    assert continuity(qs, fused(0.0), 0.05, same=False) == 0.0
    # A clear winner is never overridden.
    assert continuity(qs, fused(0.0), 0.001, same=True) == 0.0


def test_continuity_can_anchor_where_the_previous_exchange_was_located() -> None:
    # Gold says paragraph 2; the chain would have located the previous exchange in paragraph 5, the wrong one.
    qs = [ProbeQuestion("a", True, 0, 2, [cand(1.0, paragraph=5), cand(0.98, paragraph=2, holds=True)], located=5)
          for _ in range(2)]
    assert continuity(qs, fused(0.0), 0.05, same=True) == 1.0
    assert continuity(qs, fused(0.0), 0.05, same=True, found=True) == 0.0


def test_answerability_features_of_a_question() -> None:
    q = ProbeQuestion("a", True, 2, 1, [cand(1.0, span=0.5), cand(3.0, span=0.9, holds=True)], terms=4)
    f = answerability_features(q, fused(0.0))
    assert f["best"] == 3.0 and f["margin"] == 2.0 and f["missing"] == 2.0 and f["terms"] == 4.0
    assert abs(f["span"] - math.log(0.901)) < 1e-9
    assert 0 < f["entropy"] < math.log(2)
    assert answerability_features(ProbeQuestion("a", False, 0, None, []), fused(0.0))["best"] == -30.0
    tied = ProbeQuestion("a", True, 0, 1, [cand(1.0, paragraph=1), cand(1.0, paragraph=2, holds=True)])
    assert answerability_features(tied, fused(0.0))["margin"] == 0.0


def test_a_second_feature_is_learned_when_the_best_score_cannot_tell() -> None:
    # Every best score is the same; only the margin to the second candidate says which questions are answerable.
    qs = [ProbeQuestion("a", answerable, 0, None, [cand(2.0, holds=answerable), cand(2.0 - gap)])
          for answerable, gap in [(True, 3.0), (False, 0.2)] * 10]
    alone = fit_answerability(qs, fused(0.0), ["best"])
    both = fit_answerability(qs, fused(0.0), ["best", "margin"])
    pos, neg = [q for q in qs if q.answerable], [q for q in qs if not q.answerable]
    assert auc([alone(q) for q in pos], [alone(q) for q in neg]) == 0.5
    assert auc([both(q) for q in pos], [both(q) for q in neg]) == 1.0


def test_a_threshold_chosen_on_one_article_is_measured_on_another() -> None:
    # Article a's answerable questions score 2 and its unanswerable 0; on article b everything scores 1.5 lower.
    def article(name: str, shift: float) -> list[ProbeQuestion]:
        return [ProbeQuestion(name, answerable, 0, None, [cand((2.0 if answerable else 0.0) + shift,
                                                                holds=answerable)])
                for answerable in [True, False] * 5]

    carried, own = threshold_transfer(article("a", 0.0), article("b", -1.5), fused(0.0))
    assert own == (1.0, 1.0, 0.0)
    assert carried == (0.5, 1.0, 1.0)  # a's threshold (2) is over every score of b: it refuses everything
    report = "\n".join(answerability_report(article("a", 0.0) + article("b", -1.5), fused(0.0)))
    assert "| best + margin |" in report and "| the others | b | 0.5 | 1.0 | 1.0 | 1.0, 1.0, 0.0 |" in report

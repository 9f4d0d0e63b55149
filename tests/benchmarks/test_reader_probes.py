from benchmarks.reader_probes import (
    ProbeCandidate,
    ProbeQuestion,
    auc,
    continuity,
    figures,
    fit_weight,
    fused,
)


def cand(logit: float, cosine: float = 0.0, *, prior: float = 0.0, paragraph: int = 1,
         holds: bool = False) -> ProbeCandidate:
    return ProbeCandidate(logit, cosine, prior, 0.0, paragraph, holds)


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

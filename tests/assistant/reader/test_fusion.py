"""Fusion of the reader with the bi-encoder: identity by default, fitted weights that rank and calibrate on sets
where the right answer is known by construction, and loud errors for a bad config."""

from __future__ import annotations

import random

import pytest

from assistant.evidence import EvidenceFinder
from assistant.reader import Candidate, Fusion, Reading
from assistant.reader.fusion import FusionQuestion
from index import Article, Hit, InputError, Passage
from tests.support.fakes import FakeEmbedder, FakeReader


def test_the_default_is_the_readers_own_probability() -> None:
    for p in (0.0, 0.3, 1.0):
        assert Fusion()(p, 0.9) == p
    assert FakeReader().answer_probability(Reading(0.25), 0.8) == 0.25


def _questions(seed: int, n: int = 300) -> list[FusionQuestion]:
    """The reader is right only half the time; the cosine tells the answering sentence apart the other half.
    Unanswerable questions: no candidate answers, and both signals are lower."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        answerable = i % 2 == 0
        cands = []
        for j in range(4):
            good = answerable and j == 0
            reader = 0.6 if good and rng.random() < 0.5 else rng.uniform(0.2, 0.5)
            cosine = rng.uniform(0.55, 0.8) if good else rng.uniform(0.1, 0.5)
            cands.append((reader, cosine, good))
        out.append(FusionQuestion(cands, answerable))
    return out


def _top1(fusion: Fusion, questions: list[FusionQuestion]) -> float:
    ans = [q for q in questions if q.answerable]
    return sum(max(q.candidates, key=lambda c: fusion(c[0], c[1]))[2] for q in ans) / len(ans)


def test_fit_weights_the_cosine_that_ranks_better_on_unseen_questions() -> None:
    fitted = Fusion.fit(_questions(0))
    held = _questions(1)
    assert fitted.similarity_weight > 0
    assert _top1(fitted, held) > _top1(Fusion(), held) + 0.2


def test_fit_is_calibrated_the_probability_matches_how_often_the_best_answers() -> None:
    qs = _questions(2, n=600)
    fitted = Fusion.fit(qs)
    best = [max(q.candidates, key=lambda c: fitted(c[0], c[1])) for q in qs]
    predicted = sum(fitted(p, s) for p, s, _ in best) / len(best)
    observed = sum(q.answerable and ok for q, (_, _, ok) in zip(qs, best)) / len(qs)
    assert abs(predicted - observed) < 0.03
    low, high = fitted(0.2, 0.1), fitted(0.6, 0.7)
    assert low < 0.2 < 0.8 < high


def test_fit_with_one_label_only_keeps_the_identity_scaling() -> None:
    qs = [FusionQuestion([(0.3, 0.2, False), (0.4, 0.1, False)], False)] * 5
    fitted = Fusion.fit(qs)
    assert (fitted.scale, fitted.bias) == (1.0, 0.0)


@pytest.mark.parametrize("config", [
    {"similarity_weight": "high", "scale": 1, "bias": 0},
    {"similarity_weight": 1, "scale": 0, "bias": 0},
    {"similarity_weight": 1, "scale": 1, "bias": float("nan")},
    {"weight": 1},
    [1, 2, 3],
])
def test_a_bad_fusion_config_is_one_clear_error(config: object) -> None:
    with pytest.raises(InputError, match="fusion"):
        Fusion.from_config(config)


def test_config_round_trips_and_none_is_the_identity() -> None:
    f = Fusion(4.5, 0.3, -2.0)
    assert Fusion.from_config(f.to_config()) == f
    assert Fusion.from_config(None) == Fusion()


class _FixedReader(FakeReader):
    """Probabilities by sentence, so the test decides the reader's order."""

    def __init__(self, probabilities: dict[str, float], fusion: Fusion) -> None:
        self.probabilities = probabilities
        self.fusion = fusion

    def read(self, question: str, candidates: list[Candidate]) -> list[Reading]:
        return [Reading(self.probabilities[c.sentence]) for c in candidates]


def test_evidence_is_ranked_by_the_fused_probability() -> None:
    """The reader prefers the sentence the bi-encoder finds farther; a heavy enough cosine weight turns the
    order round, and the probability each Evidence carries is the fused one."""
    text = "Varn\nThe council of Varn meets in spring. Its ships sailed to Kesk in 2019.\n"
    article = Article("Varn", text, "test")
    hits = [Hit(Passage("p1", text, 0, len(text), 0), 1.0, 1, {"dense": 0.5})]
    q = "Where did the ships of Varn sail?"
    embedder = FakeEmbedder()
    qv = embedder.embed([q])[0]
    probe = EvidenceFinder(article, embedder, _FixedReader({}, Fusion()))
    sims = {probe.sentences[i].text: sim for i, _, sim in probe.candidates(hits, qv)}
    near, far = sorted(sims, key=lambda t: -sims[t])
    assert sims[near] > sims[far] + 0.05
    probs = {far: 0.5, near: 0.45}
    plain = EvidenceFinder(article, embedder, _FixedReader(probs, Fusion())).find(q, hits, qv)
    assert [e.sentence.text for e in plain] == [far, near]
    fusion = Fusion(similarity_weight=20.0)
    fused = EvidenceFinder(article, embedder, _FixedReader(probs, fusion)).find(q, hits, qv)
    assert [e.sentence.text for e in fused] == [near, far]
    assert fused[0].probability == fusion(0.45, sims[near])


def test_the_platt_fit_is_the_hand_written_solvers_it_replaced() -> None:
    """scikit-learn's logistic regression at C = 1 / PLATT_PENALTY minimises what the damped Newton solver did;
    on a separated set that solver gave a = 3.9461620952, b = 0 (the penalty keeps a finite)."""
    from assistant.reader.fusion import _platt

    a, b = _platt([(x, x > 0) for x in (-3.0, -2.0, -1.0, 1.0, 2.0, 3.0)])
    assert abs(a - 3.9461620952) < 1e-6 and abs(b) < 1e-6
    assert _platt([(1.0, True), (2.0, True)]) == (1.0, 0.0)  # one label only: the identity
    assert _platt([(x, x < 0) for x in (-2.0, -1.0, 1.0, 2.0)]) == (1.0, 0.0)  # falling with the score: identity

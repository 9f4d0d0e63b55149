import pytest

from assistant.question import analyse
from assistant.yes_no import settle


@pytest.mark.parametrize(("question", "sentence", "answer"), [
    ("Is Uzbekistan a member of the CSTO?", "Uzbekistan, another important player in the region, is not a CSTO member.",
     "No"),
    ("Is Uzbekistan an important player in the region?",
     "Uzbekistan, another important player in the region, is not a CSTO member.", "Yes"),  # denies something else
    ("Is Belarus a member of the CSTO?", "Belarus is a member of the CSTO.", "Yes"),
    ("Did Russia not ask the CSTO for help?", "Russia did not ask the CSTO for help.", "Yes"),
    ("Is Turkmenistan neutral?", "Turkmenistan, for example, has a policy of self-isolation and neutrality.", "Yes"),
    ("Does Kazakhstan view the CSTO as a necessary organization?",
     "The key point is that Kazakhstan does not view the CSTO as a necessary organization.", "No"),
    ("Did Russia request the military bloc's help?",
     "Not only did Russia not request the military bloc's help, it did not even propose a discussion.", "No"),
    ("Did Russia request the military bloc's help?",  # "not only ... but" joins no contrast
     "Not only did Russia not request the military bloc's help, but it did not even propose a discussion.", "No"),
])
def test_a_sentence_that_states_or_denies_the_claim_settles_it(question: str, sentence: str, answer: str) -> None:
    assert settle(analyse(question), sentence).answer == answer


@pytest.mark.parametrize(("question", "sentence", "why"), [
    # the rows: frozen is not withdrawn; "would be the next step" and "de facto" are not facts
    ("Has Armenia withdrawn from the CSTO?", "As a result, Yerevan has frozen its participation in the organization.",
     "not covered"),
    ("Has Armenia withdrawn from the CSTO?",
     "Armenian Prime Minister Nikol Pashinyan said that the next logical step would be the country's withdrawal "
     "from the CSTO.", "hedged"),
    ("Is Armenia still a member of the CSTO?",
     "With Armenia's de facto withdrawal from the bloc, the CSTO has lost its only member in the South Caucasus.",
     "hedged"),
    ("Did Kazakhstan condemn the Kursk operation?",
     "Belarus condemned Ukraine's Kursk operation, while Kazakhstan's Foreign Ministry evaded an assessment.",
     "contrasted"),
    ("Was the CSTO founded in 1995?", "Founded in 1992, the CSTO brings together six countries.", "not covered: 1995"),
    ("Is the CSTO an alliance?", "The CSTO may become an alliance.", "hedged"),
])
def test_hedged_contrasted_or_uncovered_sentences_get_no_bare_answer(question: str, sentence: str, why: str) -> None:
    settled = settle(analyse(question), sentence)
    assert settled.answer is None and settled.why.startswith(why)


def test_the_sentence_before_carries_what_a_pronoun_stands_for() -> None:
    q = analyse("Did Tokayev name the CSTO in his post?")
    sentence = "It is not by chance that he did not name the CSTO when listing in his post the structures."
    assert settle(q, sentence).answer is None
    assert settle(q, sentence, before="Tokayev sets out his vision.").answer == "No"


def test_the_month_may_is_not_a_modal() -> None:
    assert settle(analyse("Was the treaty signed in May?"), "The treaty was signed in May 1992.").answer == "Yes"


def test_only_names_come_from_the_sentence_before_and_comparisons_are_not_settled() -> None:
    q = analyse("Did China express unambiguous support for Russia?")
    before = "Only two states expressed unambiguous support for Russia: Syria and North Korea."
    assert settle(q, "China, a partner for Russia, reiterated its traditional position.", before).answer is None
    once = settle(analyse("Has the CSTO conducted a collective operation more than once?"),
                  "Looking back, we see that the CSTO conducted a collective operation only once.")
    assert once.answer is None and once.why == "compared"

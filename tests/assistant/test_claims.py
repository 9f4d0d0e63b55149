import pytest

from assistant.claims import claims_match, negation_agrees

CITED = ("However, their mission lasted only 5 days: The CSTO peacekeepers, deployed on 7 January, handed over "
         "the facilities they were protecting to Kazakh security forces on 12 January.")


@pytest.mark.parametrize("sentence", [
    "Their mission lasted only 5 days.",
    "The peacekeepers handed over the facilities to Kazakh security forces on 12 January.",
])
def test_a_faithful_rephrasing_keeps_its_claim(sentence: str) -> None:
    assert claims_match(sentence, "What did the peacekeepers do?", CITED)


@pytest.mark.parametrize(("sentence", "cited"), [
    ("Their mission lasted only 7 days.", CITED),  # a number moved to another unit
    ("Ukraine condemned Belarus's Kursk operation.", "Belarus condemned Ukraine's Kursk operation."),  # roles
    ("President Nikol Pashinyan said so.", "Armenian Prime Minister Nikol Pashinyan said so."),  # a title
    ("Pashinyan said the CSTO lost its only member in the Caucasus and was frozen.",  # two sentences merged
     "Armenian Prime Minister Nikol Pashinyan said that the next step would be withdrawal from the CSTO."),
])
def test_a_recombination_of_the_cited_words_is_not_backed(sentence: str, cited: str) -> None:
    assert not claims_match(sentence, "What happened?", cited)


def test_a_passives_agent_and_a_moved_condition_keep_the_claim() -> None:
    assert claims_match("The CSTO press service issued the statement.", "Who issued it?",
                        "The following statement was issued by the CSTO press service.")
    assert claims_match("The base will leave Armenia if Pashinyan continues.", "What will happen?",
                        "If Pashinyan continues, the base will leave Armenia.")


@pytest.mark.parametrize(("sentence", "cited"), [
    # a number stays with the word it follows
    ("The CSTO peacekeepers were deployed on 12 January.", CITED),
    # whom a thing is for, whose it is
    ("Russia expressed unambiguous support for Syria.", "Only two states expressed unambiguous support for Russia."),
    ("It is one of the tools in the CSTO's hands.", "It is one of the tools in Moscow's hands."),
    # who says it
    ("Pashinyan said the CSTO has lost its only member in the South Caucasus.",
     "With Armenia's withdrawal, the CSTO has lost its only member in the South Caucasus."),
    # a possibility stays one
    ("Tokayev envisioned a new regional military alliance.",
     "It is difficult to say whether Tokayev envisioned a new regional military alliance."),
])
def test_a_claim_keeps_its_numbers_places_owners_speakers_and_hedges(sentence: str, cited: str) -> None:
    assert not claims_match(sentence, "What happened?", cited)


@pytest.mark.parametrize(("sentence", "cited"), [
    ("The peacekeepers were deployed on 7 January.", CITED),
    ("Only two states expressed unambiguous support for Russia.",
     "Only two states expressed unambiguous support for Russia."),
    ("It is one of the tools in Moscow's hands.", "Everyone knows it is one of the tools in Moscow's hands."),
    ("Pashinyan said the next step would be withdrawal.", "Pashinyan said that the next step would be withdrawal."),
    ("Whether Tokayev envisioned an alliance is difficult to say.",
     "It is difficult to say whether Tokayev envisioned an alliance."),
    ("Two states expressed support for Russia.", "Only two states expressed unambiguous support for Russia."),
])
def test_the_same_claim_in_other_words_is_kept(sentence: str, cited: str) -> None:
    assert claims_match(sentence, "What happened?", cited)


def test_a_speaker_named_in_the_paragraph_may_stand_for_he_said() -> None:
    paragraph = "Tokayev spoke at the summit. He said the region needs a security architecture."
    assert claims_match("Tokayev said the region needs a security architecture.", "What did Tokayev say?",
                        "He said the region needs a security architecture.", paragraph)


@pytest.mark.parametrize(("sentence", "cited", "agrees"), [
    # a negation elsewhere in the cited sentence does not negate the part the claim rephrases
    ("These nations continue to maintain economic relations with Russia.",
     "These nations continue to maintain economic relations with Russia, yet they proceed cautiously to not incur "
     "sanctions.", True),
    ("Kazakhstan views the CSTO as a necessary organization.",
     "The key point is that Kazakhstan does not view the CSTO as a necessary organization.", False),
    ("Kazakhstan does not view the CSTO as a necessary organization.",
     "The key point is that Kazakhstan does not view the CSTO as a necessary organization.", True),
    # "without" negates to the end of its part, past "as before"
    ("They pursue independent policies with more enthusiasm for institutions Moscow dominates.",
     "They pursue independent policies, without showing as much enthusiasm as before for institutions Moscow "
     "dominates.", False),
])
def test_negation_is_compared_with_the_part_the_claim_rephrases(sentence: str, cited: str, agrees: bool) -> None:
    assert negation_agrees(sentence, cited) is agrees

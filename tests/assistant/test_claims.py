import pytest

from assistant.claims import claims_match

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

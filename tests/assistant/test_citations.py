from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.citations import locate, split_answer, strip_markers

TEXT = "Founded in 1992, the CSTO brings together six countries.\n\nIt is “Putin’s little non-Nato,” they say."


def test_exact_quote_located() -> None:
    start, end = locate("the CSTO brings together", TEXT) or (0, 0)
    assert TEXT[start:end] == "the CSTO brings together"


def test_loose_quote_maps_back_to_exact_offsets() -> None:
    found = locate("putin’s   little NON-NATO", TEXT)
    assert found is not None
    assert TEXT[found[0]:found[1]] == "Putin’s little non-Nato"


def test_missing_quote_is_none() -> None:
    assert locate("founded in 1993", TEXT) is None
    assert locate("   ", TEXT) is None


def test_nearest_occurrence_wins() -> None:
    text = "alpha beta. gamma. alpha beta."
    assert locate("alpha beta", text, near=20) == (19, 29)


def test_split_and_strip_markers() -> None:
    assert strip_markers("It was 1992 [1]. Six states [2].") == "It was 1992. Six states."
    assert split_answer("It was founded in 1992 [1]. It has six members [2].") == [
        "It was founded in 1992.", "It has six members."]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300), st.integers(0, 299), st.integers(1, 60))
def test_property_located_quotes_are_verbatim(text: str, start: int, length: int) -> None:
    quote = text[start:start + length]
    found = locate(quote, text)
    if found is not None:
        assert text[found[0]:found[1]].strip() != "" or quote.strip() == ""
        if quote.strip() and quote == quote.strip():
            assert text[found[0]:found[1]] == quote

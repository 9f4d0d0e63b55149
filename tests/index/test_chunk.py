import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index import Article, ChunkParams, chunk, load_article, split_sentences
from tests.support.articles import ARTICLE


def _covered(article: Article, params: ChunkParams) -> None:
    passages = chunk(article, params)
    for p in passages:
        assert article.text[p.start:p.end] == p.text
        assert p.id.startswith("p") and len(p.id) == 17
    for s in split_sentences(article):
        assert any(p.start <= s.start and s.end <= p.end for p in passages), s.text


def test_default_chunks_are_small_exact_and_cover_everything() -> None:
    article = load_article(ARTICLE)
    params = ChunkParams()
    passages = chunk(article, params)
    _covered(article, params)
    assert all(len(split_sentences(Article("", p.text, ""))) <= 2 for p in passages)
    assert len({p.id for p in passages}) == len(passages)
    assert chunk(article, params) == passages  # stable ids


@pytest.mark.parametrize(("n", "overlap"), [(1, 0), (2, 0), (3, 1), (3, 2), (5, 2)])
def test_parameters(n: int, overlap: int) -> None:
    _covered(load_article(ARTICLE), ChunkParams(max_sentences=n, overlap=overlap))


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        ChunkParams(max_sentences=2, overlap=2)
    with pytest.raises(ValueError):
        ChunkParams(max_sentences=0)


_word = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=9)
_sentence = st.builds(
    lambda ws, end: " ".join(ws).capitalize() + end,
    st.lists(_word, min_size=1, max_size=12), st.sampled_from([".", "!", "?", "", "...", ".”"]),
)
_paragraph = st.builds(" ".join, st.lists(_sentence, min_size=1, max_size=6))


@settings(max_examples=150, deadline=None)
@given(st.lists(_paragraph, min_size=1, max_size=6), st.integers(1, 4), st.integers(0, 3), st.integers(50, 400))
def test_property_offsets_round_trip_and_full_coverage(paragraphs: list[str], n: int, overlap: int, cap: int) -> None:
    overlap = min(overlap, n - 1)
    text = "\n\n".join(["Title", *paragraphs])
    _covered(Article("Title", text, "gen"), ChunkParams(n, overlap, cap))


@pytest.mark.parametrize(("text", "sentences"), [
    ("Packet switching came in the late 1960s. Davies coined the term.", 2),
    ("Condensers run at 30 °C. This gives the efficiency.", 2),
    ("Time is a function of the input size n. Since it varies, we bound it.", 2),
    ("J. Smith met Dr. Holt at the U.S. Army base. They talked.", 2),
    ("See p. 4 of the report (vol. 2) for details. It is short.", 2),
    ("The map (Fig. 3) shows it. The river runs north.", 2),
])
def test_an_abbreviation_holds_a_sentence_together_and_a_number_or_symbol_does_not(text: str, sentences: int) -> None:
    """A word glued to a digit or symbol ("1960s.", "°C.") and a lower-case letter ("n.") end sentences; an
    initial, a title or a listed abbreviation does not (python -m benchmarks.sentence_probe measures both)."""
    found = split_sentences(Article("", text, ""))
    assert len(found) == sentences, [s.text for s in found]
    assert all(text[s.start:s.end] == s.text for s in found)

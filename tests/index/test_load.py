from pathlib import Path

import pytest

from index import InputError, load_article, parse_article
from index.chunk import split_sentences
from tests.support.articles import ARTICLE, SMALL_ARTICLE

SHARED = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "csto-article.txt"


def test_shipped_article_is_byte_identical_to_the_source() -> None:
    if not SHARED.exists():
        pytest.skip("shared corpus not beside this checkout")
    assert ARTICLE.read_bytes() == SHARED.read_bytes()


def test_boilerplate_removed_title_kept_body_intact() -> None:
    article = load_article(ARTICLE)
    assert article.title == "The Demise of CSTO: Why is Russia Left Without Allies?"
    for junk in ("Download article", "image_pdf", "Share article", "FacebookTwitter", "enable JavaScript",
                 "Facebook Comment", "SOCIETY", "Read this article on other language", "\nbg\n"):
        assert junk not in article.text
    raw = ARTICLE.read_text(encoding="utf-8")
    body = [line.strip() for line in raw.splitlines() if len(line.split()) > 8 and "JavaScript" not in line]
    assert body, "the article has body paragraphs"
    for paragraph in body:  # every long paragraph (all sentences) survives verbatim
        assert paragraph in article.text
    assert "Tokayev’s new idea" in article.text  # a body heading is not furniture


def test_small_article_cleaning() -> None:
    article = parse_article(SMALL_ARTICLE.encode(), "varn.txt")
    assert article.title == "The Lighthouse of Varn"
    assert "Harbour News" not in article.text  # repeated label
    assert "JavaScript" not in article.text and "Share article" not in article.text
    assert "Restoration cost 3 million euros and took two years." in article.text


def test_html_and_markdown_articles(tmp_path: Path) -> None:
    html = tmp_path / "a.html"
    html.write_text(
        "<html><head><title>T</title><script>var x=1;</script></head><body><nav>Home | News</nav>"
        "<article><h1>Bridges of Kell</h1><p>The first bridge opened in 1820.</p>"
        "<p>It was <b>rebuilt</b> in 1901.</p><button>Share</button></article><footer>© 2024 Paper</footer>"
        "</body></html>", encoding="utf-8")
    a = load_article(html)
    assert a.title == "Bridges of Kell"
    assert "The first bridge opened in 1820." in a.text and "It was rebuilt in 1901." in a.text
    assert "var x" not in a.text and "Home" not in a.text and "2024 Paper" not in a.text

    md = tmp_path / "a.md"
    md.write_text("# Bridges of Kell\n\nThe first bridge **opened** in 1820. See [the map](http://x).\n\n"
                  "## Later\n\n- It was rebuilt in 1901.\n", encoding="utf-8")
    a = load_article(md)
    assert a.title == "Bridges of Kell"
    assert "The first bridge opened in 1820. See the map." in a.text
    assert "It was rebuilt in 1901." in a.text and "**" not in a.text and "http" not in a.text


def test_hard_wrapped_text_is_joined(tmp_path: Path) -> None:
    p = tmp_path / "w.txt"
    p.write_text("A Title\n\nThis paragraph was wrapped by an editor at a fixed width so\n"
                 "that it spans two lines. It ends here.\n", encoding="utf-8")
    a = load_article(p)
    assert "fixed width so that it spans two lines." in a.text


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"   \n\n", "empty"), (b"\x00\x01\x02binary", "binary"),
     (b"caf\xe9 au lait is fine", "UTF-8")],
)
def test_bad_files_give_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        load_article(p)
    assert "\n" not in str(err.value)


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such article"):
        load_article(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        load_article(tmp_path)


def test_sentences_cover_the_body_and_round_trip() -> None:
    article = load_article(ARTICLE)
    sentences = split_sentences(article)
    assert len(sentences) > 40
    for s in sentences:
        assert article.text[s.start:s.end] == s.text
    # No split inside "World War II," or after the abbreviation-like "Mr." style tokens
    assert any(s.text.startswith("For the first time since World War II") for s in sentences)


def test_readers_are_a_registry_and_each_decodes_its_own_bytes(tmp_path: Path) -> None:
    from index.load import READERS, decode_text

    assert {".txt", ".md", ".html"} <= set(READERS)
    calls: list[bytes] = []

    def binary_reader(data: bytes, source: str) -> tuple[str, list[str]]:
        calls.append(data)  # a binary format sees its raw bytes, NUL bytes and all
        return "Packed Notes", [data.split(b"\x00")[1].decode("utf-8")]

    READERS[".pack"] = binary_reader
    try:
        p = tmp_path / "notes.pack"
        p.write_bytes(b"PK\x00The packed article says the bridge opened in 1932.\x00")
        article = load_article(p)
        assert calls and article.title == "Packed Notes" and "opened in 1932" in article.text
    finally:
        del READERS[".pack"]
    with pytest.raises(InputError, match="binary file"):
        decode_text(b"a\x00b", "x.txt")

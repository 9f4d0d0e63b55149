"""The shipped reader: its card matches its weights, it loads offline, and on questions from the validation
articles (never trained on) it ranks, refuses and marks short answers as the card says."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.evaluation import load_gold
from assistant.evaluation.metrics import containment
from assistant.reader import Candidate
from assistant.reader.cross_encoder import SECOND_OPINION, SPAN_GATE, CrossEncoderReader, default_weights_dir
from index import InputError
from index.embed import default_model_path, loaded_word_embeddings

SQUAD = Path(__file__).resolve().parents[3] / "data" / "squad"


def test_card_and_config_name_the_shipped_weights_sha256() -> None:
    folder = default_weights_dir()
    config = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
    weights = folder / config["weights"]
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert config["sha256"] == digest
    assert digest in (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert weights.stat().st_size < 50_000_000
    assert not set(config["train_articles"]) & set(config["validation_articles"])  # article-level split


def test_a_missing_model_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no reader model"):
        CrossEncoderReader(tmp_path)


@pytest.mark.slow
def test_reader_prefers_the_answering_sentence() -> None:
    reader = CrossEncoderReader()
    title = "Lighthouses"
    cands = [Candidate("The keepers left in 1989, when the light became automatic.", title),
             Candidate("The lighthouse of Varn was built in 1871 by the engineer Maria Holt.", title),
             Candidate("It stands 42 metres tall on the northern cliff.", title)]
    readings = reader.read("Who built the lighthouse of Varn?", cands)
    best = max(range(3), key=lambda i: readings[i].probability)
    assert best == 1 and readings[1].probability >= reader.threshold
    span = readings[1].span
    assert span is not None and "Maria Holt" in cands[1].sentence[span[0]:span[1]]


@pytest.fixture(scope="module")
def normans(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    config = json.loads((default_weights_dir() / "reader.json").read_text(encoding="utf-8"))
    assert "Normans" in config["validation_articles"]
    settings = Settings.resolve(article=SQUAD / "Normans.txt", data_dir=tmp_path_factory.mktemp("data"),
                                backend="extractive")
    return Assistant(settings=settings)


@pytest.mark.slow
def test_answers_and_refusals_on_a_validation_article(normans: Assistant) -> None:
    """Questions far off the article's topic are refused; of 30 answerable questions of this held-out article,
    drawn by seed rather than picked by hand, most replies hold a gold answer (the card measures 0.72 on all
    96), and every short answer is verbatim inside its cited sentence."""
    for q in ["What is the boiling point of mercury?", "Who won the football world cup in 1998?",
              "How many moons does Jupiter have?"]:
        a = normans.ask(q)
        assert a.refused and a.answer_score is not None, q
    rows = [r for r in load_gold(SQUAD / "Normans.jsonl") if r.answerable]
    right = 0
    for row in random.Random(0).sample(rows, 30):
        a = normans.ask(row.question)
        right += (not a.refused) and bool(containment(a.text, row.answers))
        if a.short_answer is not None:
            s = a.short_answer
            assert normans.article_text[s.start:s.end] == s.text
            assert a.citations[0].start <= s.start < s.end <= a.citations[0].end
    assert right >= 18, f"{right}/30 right"


@pytest.mark.slow
def test_a_reader_loaded_beside_the_embedder_shares_its_word_embeddings(normans: Assistant, tmp_path: Path) -> None:
    import torch
    from safetensors import safe_open

    weights = tmp_path / "weights"  # a copy: a reader of its own, not the one the suite already loaded
    shutil.copytree(default_weights_dir(), weights)
    normans.embedder.embed(["the embedder is loaded"])
    net, _ = CrossEncoderReader(weights).load()
    words = net.encoder.embeddings.word_embeddings.weight
    assert words is loaded_word_embeddings(normans.embedder.path)  # one matrix in memory, not two
    with safe_open(str(default_model_path() / "model.safetensors"), "pt") as base:
        assert torch.equal(words, base.get_tensor("embeddings.word_embeddings.weight"))


@pytest.mark.slow
def test_reading_from_many_threads_gives_the_same_answers() -> None:
    from concurrent.futures import ThreadPoolExecutor

    reader = CrossEncoderReader()
    cands = [Candidate("The lighthouse of Varn was built in 1871 by the engineer Maria Holt.", "Lighthouses"),
             Candidate("It stands 42 metres tall on the northern cliff.", "Lighthouses: The lighthouse of Varn.")]
    questions = ["Who built the lighthouse?", "How tall is it?", "When was it built?", "Where does it stand?"] * 4
    alone = [reader.read(q, cands) for q in questions]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: reader.read(q, cands), questions))
    assert together == alone


def test_weights_that_do_not_match_the_card_are_refused(tmp_path: Path) -> None:
    import shutil

    for f in default_weights_dir().iterdir():
        if f.name not in (SPAN_GATE, SECOND_OPINION):  # fitted for the real sha256: refused first
            shutil.copy(f, tmp_path / f.name)
    config = json.loads((tmp_path / "reader.json").read_text(encoding="utf-8"))
    config["sha256"] = "0" * 64
    (tmp_path / "reader.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(InputError, match="is not the"):
        CrossEncoderReader(tmp_path).load()


def test_a_bad_fusion_block_names_the_config_file(tmp_path: Path) -> None:
    config = json.loads((default_weights_dir() / "reader.json").read_text(encoding="utf-8"))
    config["fusion"] = {"similarity_weight": 1, "scale": -1, "bias": 0}
    (tmp_path / "reader.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(InputError, match=r"reader\.json: fusion scale must be positive"):
        CrossEncoderReader(tmp_path)


def test_an_unknown_scoring_names_the_config_file(tmp_path: Path) -> None:
    import shutil

    for f in default_weights_dir().iterdir():
        shutil.copy(f, tmp_path / f.name)
    config = json.loads((tmp_path / "reader.json").read_text(encoding="utf-8"))
    config["score"] = "sum"
    (tmp_path / "reader.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(InputError, match=r"reader\.json: score must be one of cls, joint, not 'sum'"):
        CrossEncoderReader(tmp_path).load()

"""The shared-data recipe's model card names its command, every source with its licence and count."""

from __future__ import annotations

from pathlib import Path

from assistant.training.card import write_shared_card

CONFIG = {
    "base": "all-MiniLM-L6-v2", "weights": "reader.safetensors", "sha256": "ab" * 32, "threshold": 0.3,
    "span_threshold": 0.2, "seed": 0, "device": "cpu", "train_minutes": 90.0, "pairs_per_second": 30.0,
    "recipe": {"epochs": 0.75, "batch_questions": 8, "lr": 1e-4, "train_layers": 3, "removed": 0.3, "swaps": 0.3,
               "other": 0.1, "limit": 0},
    "train_articles": ["Huguenot"], "validation_articles": ["Normans", "Yuan_dynasty"], "train_examples": 12,
    "train_pairs": 60, "examples_by_kind": {"answerable": 10, "removed": 2},
    "examples_by_source": {"squadshifts_new_wiki.json.gz": 9, "Huguenot.jsonl": 3},
    "questions_by_source": {"squadshifts_new_wiki.json.gz": 8, "Huguenot.jsonl": 2},
}


def _card(tmp_path: Path, **changes: object) -> str:
    config = CONFIG | changes
    figures = {k: 0.5 for k in ("top1_contains_answer", "correct", "containment", "no_answer_accuracy",
                                "false_abstention_rate", "short_answer_f1", "short_answer_coverage",
                                "refuse_all_correct")} | {"questions": 10, "answerable": 5}
    point = {"threshold": 0.5, "correct": 0.5, "containment": 0.5, "no_answer_accuracy": 0.5,
             "false_abstention_rate": 0.5}
    write_shared_card(tmp_path / "card.md", config, {"figures": figures, "curve": [point], "threshold": 0.5})
    return (tmp_path / "card.md").read_text(encoding="utf-8")


def test_the_card_names_the_command_every_source_its_licence_and_count(tmp_path: Path) -> None:
    card = _card(tmp_path)
    assert ("python -m assistant.training.shared_recipe --seed 0 --epochs 0.75 --batch 8 --lr 0.0001 --train-layers 3 "
            "--removed 0.3 --swaps 0.3 --other 0.1 --validation 2") in card
    assert "| `squadshifts_new_wiki.json.gz` | SQuADShifts new Wikipedia (Miller et al. 2020); CC BY 4.0" in card
    assert "| 8 | 9 |" in card  # questions used, examples made from them
    assert "| `Huguenot.jsonl` | SQuAD 2.0 dev articles (Rajpurkar, Jia and Liang 2018); CC BY-SA 4.0 | 2 | 3 |" in card
    assert "90.0 minutes on cpu" in card and "(30.0 pairs a second)" in card


def test_every_shipped_source_has_a_licence_line() -> None:
    from assistant.training.card import LICENCES
    from assistant.training.shared_recipe import MIX

    assert set(MIX) == set(LICENCES)
    data = Path(__file__).resolve().parents[3] / "data" / "train"
    assert {p.name for p in data.glob("*.gz")} == set(MIX)

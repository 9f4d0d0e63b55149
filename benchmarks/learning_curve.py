"""The learning curve within one training run: the reader-only validation figures of the weights `make train`
kept after a quarter and a half of its steps (eval-out/train/snapshots) and of the finished weights, on the
held-out articles that reader.json names.

    python -m benchmarks.learning_curve --snapshots eval-out/train/snapshots --weights eval-out/reader-shared

Within one run the learning rate has not yet decayed at a quarter or a half, so these points are not three
runs of the same recipe on a quarter, a half and all of the data; they say whether more steps on new
questions were still paying when the run ended.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

FIGURES = ("top1_contains_answer", "correct", "no_answer_accuracy", "false_abstention_rate", "short_answer_f1")


def main(argv: list[str] | None = None) -> int:
    from assistant.reader.cross_encoder import _load
    from assistant.training.calibrate import validate
    from assistant.training.validation import validation_examples
    from index import SentenceTransformerEmbedder
    from index.embed import default_model_path

    p = argparse.ArgumentParser(prog="python -m benchmarks.learning_curve", description=__doc__.splitlines()[0])
    p.add_argument("--snapshots", default="eval-out/train/snapshots")
    p.add_argument("--weights", default="eval-out/reader-shared")
    p.add_argument("--data", default="data/squad")
    p.add_argument("--out", default="eval-out/learning-curve.json")
    args = p.parse_args(argv)
    config = json.loads((Path(args.weights) / "reader.json").read_text(encoding="utf-8"))
    examples = validation_examples(Path(args.data), config["validation_articles"], SentenceTransformerEmbedder())
    points = sorted(Path(args.snapshots).glob("reader-*.safetensors"), key=lambda f: int(f.stem.split("-")[1]))
    points.append(Path(args.weights) / config["weights"])
    rows = []
    print("| share of the run | " + " | ".join(FIGURES) + " |")
    print("|---|" + "---|" * len(FIGURES))
    for path in points:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(path, Path(tmp) / path.name)
            net, _ = _load(Path(tmp), {"weights": path.name, "score": config.get("score", "cls")})
        figures = validate(net, default_model_path(), examples)["figures"]
        share = f"{path.stem.split('-')[1]}%" if path.stem.startswith("reader-") else "100%"
        rows.append({"share": share, **{k: figures[k] for k in FIGURES}})
        print(f"| {share} | " + " | ".join(str(figures[k]) for k in FIGURES) + " |", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

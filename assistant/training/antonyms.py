"""WordNet 3.0's antonym pairs, derived once into `data/antonyms/wordnet-antonyms.tsv` (shipped with WordNet's
licence), so that training needs neither WordNet nor network: a clone trains from `data/` alone.

    python -m assistant.training.antonyms --wordnet /usr/share/wordnet --out data/antonyms/wordnet-antonyms.tsv

WordNet is Debian's `wordnet-base`. Only single-word lemmas are kept (an edit swaps one word of a question),
in both directions, with their part of speech; inflection is left to `assistant/training/edits.py`. Pairs
made by a prefix ("important"/"unimportant", "order"/"disorder", "function"/"malfunction") are left out: they
made odd questions nobody writes ("the most unimportant policy"), where people swap "first" for "last" or
"largest" for "smallest".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["derive", "load_antonyms"]

_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "mal", "non", "a", "ab", "anti", "counter", "de", "mis")

_FILES = {"adj": "data.adj", "adv": "data.adv", "noun": "data.noun", "verb": "data.verb"}


def _synsets(path: Path) -> dict[int, tuple[list[str], list[tuple[int, int, int]]]]:
    """offset -> (words, antonym pointers as (source word, target offset, target word))."""
    out: dict[int, tuple[list[str], list[tuple[int, int, int]]]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line or line.startswith(" "):
            continue  # the licence header lines start with two spaces
        fields = line.split(" | ", 1)[0].split()
        offset, count = int(fields[0]), int(fields[3], 16)
        words = [fields[4 + 2 * i].split("(")[0].lower() for i in range(count)]
        at = 4 + 2 * count
        pointers = int(fields[at])
        antonyms = []
        for p in range(pointers):
            symbol, target, _pos, st = fields[at + 1 + 4 * p: at + 5 + 4 * p]
            if symbol == "!":
                antonyms.append((int(st[:2], 16), int(target), int(st[2:], 16)))
        out[offset] = (words, antonyms)
    return out


def _prefixed(a: str, b: str) -> bool:
    """Whether `b` is `a` with a negating prefix (or a hyphen) in front."""
    return any(b == p + a or b == f"{p}-{a}" for p in _PREFIXES) or (b.endswith(a) and len(b) - len(a) <= 3)


def derive(wordnet: Path) -> list[tuple[str, str, str]]:
    """(part of speech, word, antonym) for every single-word antonym pair, both directions, sorted."""
    pairs: set[tuple[str, str, str]] = set()
    for pos, name in _FILES.items():
        synsets = _synsets(Path(wordnet) / name)
        for words, antonyms in synsets.values():
            for source, target, tword in antonyms:
                other = synsets.get(target)
                if other is None or not (1 <= source <= len(words)) or not (1 <= tword <= len(other[0])):
                    continue
                a, b = words[source - 1], other[0][tword - 1]
                if a.isalpha() and b.isalpha() and a != b and not _prefixed(a, b) and not _prefixed(b, a):
                    pairs.add((pos, a, b))
                    pairs.add((pos, b, a))
    return sorted(pairs)


def load_antonyms(path: Path) -> dict[str, tuple[str, ...]]:
    """word -> its antonyms (any part of speech), from the shipped table."""
    out: dict[str, list[str]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            _pos, word, antonym = line.split("\t")
            out.setdefault(word, []).append(antonym)
    return {w: tuple(dict.fromkeys(a)) for w, a in out.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.training.antonyms", description=__doc__.splitlines()[0])
    p.add_argument("--wordnet", default="/usr/share/wordnet", help="WordNet 3.0's dict folder (Debian: wordnet-base)")
    p.add_argument("--out", default="data/antonyms/wordnet-antonyms.tsv")
    args = p.parse_args(argv)
    if not (Path(args.wordnet) / "data.adj").exists():
        print(f"antonyms: {args.wordnet} holds no WordNet data.adj (apt-get install wordnet-base)", file=sys.stderr)
        return 2
    pairs = derive(Path(args.wordnet))
    head = "# WordNet 3.0 antonym pairs (part of speech, word, antonym); licence: data/antonyms/LICENSE.md\n"
    Path(args.out).write_text(head + "".join(f"{p}\t{a}\t{b}\n" for p, a, b in pairs), encoding="utf-8")
    print(f"antonyms: {len(pairs)} pairs -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

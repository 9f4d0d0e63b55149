"""The CI gate: bounds per figure from a thresholds TOML file (`load_thresholds`; the packaged thresholds.toml by
default) and the check of a summary against them (`check_gate`), which `eval --gate` turns into the exit code."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.evaluation.metrics import FIGURES

__all__ = ["Bound", "check_gate", "load_thresholds"]


@dataclass(frozen=True)
class Bound:
    figure: str
    min: float | None = None
    max: float | None = None

    def check(self, value: float | None) -> str | None:
        """Why `value` fails this bound, or None when it passes (or was not measured)."""
        if value is None:
            return None
        if self.min is not None and value < self.min:
            return f"{self.figure} {value:.4g} < min {self.min:g}"
        if self.max is not None and value > self.max:
            return f"{self.figure} {value:.4g} > max {self.max:g}"
        return None

    def describe(self) -> str:
        parts = ([f"≥ {self.min:g}"] if self.min is not None else []) + (
            [f"≤ {self.max:g}"] if self.max is not None else [])
        return " and ".join(parts)


def load_thresholds(source: Path | str | Mapping[str, Any] | None = None) -> dict[str, Bound]:
    """Bounds per figure from a TOML file (default: the packaged thresholds.toml) or an equivalent mapping:
    `[figure]` tables with `min` and/or `max`."""
    where = "thresholds.toml"
    if source is None:
        text = resources.files("assistant.evaluation").joinpath("thresholds.toml").read_text(encoding="utf-8")
        data: Mapping[str, Any] = tomllib.loads(text)
    elif isinstance(source, Mapping):
        data, where = source, "thresholds"
    else:
        where = str(source)
        try:
            data = tomllib.loads(Path(source).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{where}: no such thresholds file") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{where}: not valid TOML ({exc})") from None
    bounds: dict[str, Bound] = {}
    for figure, spec in data.items():
        if figure not in FIGURES:
            raise InputError(f"{where}: unknown figure {figure!r}; choose from {', '.join(FIGURES)}")
        if not isinstance(spec, Mapping) or not spec or set(spec) - {"min", "max"}:
            raise InputError(f"{where}: [{figure}] must hold `min` and/or `max` and nothing else")
        for key, v in spec.items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise InputError(f"{where}: [{figure}] {key} must be a number")
        bounds[figure] = Bound(figure, _num(spec.get("min")), _num(spec.get("max")))
    return bounds


def _num(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def check_gate(summary: Mapping[str, Any], thresholds: Mapping[str, Bound]) -> list[str]:
    """One line per figure out of bounds; empty when the gate passes."""
    failed = [b.check(summary.get(name)) for name, b in thresholds.items()]
    return [f for f in failed if f]

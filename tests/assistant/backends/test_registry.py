"""The backend registry is the one list of names: settings, the CLI and the web chat all read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from assistant import InputError, Settings
from assistant.backends import (
    BACKENDS,
    Backend,
    ExtractiveBackend,
    available_backends,
    backend_arguments,
    backend_class,
    make_backend,
)
from ui.cli import build_parser


def test_every_surface_reads_the_registry(tmp_path: Path) -> None:
    assert list(BACKENDS) == ["extractive", "llamacpp", "openai"]
    parser = build_parser()
    for name in BACKENDS:
        assert parser.parse_args(["ask", "q", "--backend", name]).backend == name
    with pytest.raises(SystemExit):
        parser.parse_args(["ask", "q", "--backend", "nope"])
    with pytest.raises(InputError, match="unknown backend 'nope'; choose one of extractive, llamacpp, openai"):
        Settings.resolve(backend="nope")


def test_a_new_backend_is_one_class_and_one_registry_line(monkeypatch: pytest.MonkeyPatch) -> None:
    class Echo(Backend):
        name: ClassVar[str] = "echo"

        def generate(self, messages: list[dict[str, str]], *, max_tokens: int, temperature: float) -> Iterator[str]:
            yield messages[-1]["content"]

    monkeypatch.setitem(BACKENDS, "echo", Echo)
    s = Settings.resolve(backend="echo")
    backend = make_backend(s)
    assert isinstance(backend, Echo) and backend.complete([{"role": "user", "content": "hi"}], max_tokens=4) == "hi"
    assert "echo" in available_backends(s)


def test_extractive_is_a_backend_that_does_not_generate() -> None:
    backend = make_backend(Settings.resolve(backend="extractive"))
    assert isinstance(backend, ExtractiveBackend) and not backend.generates and not backend.rewrites_followups
    assert list(backend.generate([{"role": "user", "content": "q"}], max_tokens=8, temperature=0.0)) == []


def test_only_backends_that_can_run_are_available(tmp_path: Path) -> None:
    bare = Settings.resolve(openai_base_url="", model_path=tmp_path / "missing.gguf")
    assert available_backends(bare) == ["extractive"]
    for name, why in (("llamacpp", "missing.gguf is missing"), ("openai", "OPENAI_BASE_URL")):
        cls = backend_class(name)
        assert why in str(cls.unavailable(**backend_arguments(cls, bare)))
    configured = Settings.resolve(openai_base_url="http://127.0.0.1:9/v1", model_path=tmp_path / "missing.gguf")
    assert available_backends(configured) == ["extractive", "openai"]
    assert backend_class("openai").rewrites_followups and not backend_class("llamacpp").rewrites_followups


def test_reading_the_settings_loads_no_backend_and_no_model_code() -> None:
    import subprocess
    import sys

    code = ("import sys, assistant.settings; print(sorted(m for m in sys.modules if m.startswith(("
            "'assistant.backends', 'assistant.evidence', 'assistant.reader', 'torch', 'transformers', "
            "'llama_cpp', 'langchain_core'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_registered_name_that_is_not_a_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BACKENDS, "broken", "assistant.errors:InputError")
    with pytest.raises(InputError, match="not a Backend class"):
        backend_class("broken")

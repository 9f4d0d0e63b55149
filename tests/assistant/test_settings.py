"""assistant/settings.py: one settings object; the environment first, then CLI flags; bad values are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.evidence import ARTICLE_SENTENCES, MAX_CANDIDATES
from assistant.settings import Settings, default_article_path


def test_the_environment_is_read_and_flags_override_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTICLE_ASSISTANT_TOP_K", "6")
    monkeypatch.setenv("ARTICLE_ASSISTANT_ANSWER_THRESHOLD", "0.4")
    assert Settings.resolve().top_k == 6 and Settings.resolve().answer_threshold == 0.4
    assert Settings.resolve(top_k=3).top_k == 3
    assert Settings.resolve(top_k=None).top_k == 6  # a flag not given leaves the environment's value


@pytest.mark.parametrize(("overrides", "message"), [
    ({"top_k": 0}, "bad setting top_k"),
    ({"backend": "gpt9"}, "unknown backend 'gpt9'; choose one of extractive, llamacpp, openai"),
    ({"answer_threshold": 1.5}, "bad setting answer_threshold"),
    ({"port": "http"}, "bad setting port"),
])
def test_bad_values_are_one_line_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        Settings.resolve(**overrides)
    assert "\n" not in str(err.value)


def test_bad_chunking_is_an_input_error() -> None:
    with pytest.raises(InputError, match="bad chunking settings"):
        Settings.resolve(chunk_sentences=2, chunk_overlap=2).chunking  # noqa: B018 (the property raises)


def test_the_readers_defaults_are_the_measured_constants() -> None:
    s = Settings.resolve()
    assert (s.read_sentences, s.article_sentences) == (MAX_CANDIDATES, ARTICLE_SENTENCES)
    assert s.answer_threshold is None  # None: the reader's validated threshold (OperatingPoint.resolve)


def test_paths_are_expanded_and_blank_hosts_are_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTICLE_ASSISTANT_CHROMA_HOST", "  ")
    s = Settings.resolve(data_dir="~/aa-data")
    assert s.chroma_host is None and s.data_dir == Path.home() / "aa-data"
    assert s.article == default_article_path() and s.article.is_file()
    assert s.index_config().data_dir == s.data_dir


def test_settings_are_frozen() -> None:
    s = Settings.resolve()
    with pytest.raises(Exception, match="frozen"):
        s.top_k = 9  # type: ignore[misc]

"""Prompts are package files, loaded by name, as LangChain ChatPromptTemplates; a missing variable fails loudly."""

from __future__ import annotations

import pytest
from langchain_core.prompts import ChatPromptTemplate

from prompts import PromptError, chat_messages, chat_prompt, render


def test_the_answer_prompt_is_a_chat_prompt_template() -> None:
    prompt = chat_prompt("answer")
    assert isinstance(prompt, ChatPromptTemplate) and set(prompt.input_variables) == {"passages", "question"}
    messages = chat_messages("answer", passages="[1] The tower is 42 m tall.", question="How tall?")
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Use only the passages" in messages[0]["content"] and "42 m tall" in messages[1]["content"]
    assert [m["role"] for m in chat_messages("rewrite", system=None, history="user: hi", question="q")] == ["user"]


def test_missing_or_extra_variables_and_unknown_templates_fail_loudly() -> None:
    with pytest.raises(PromptError, match="needs question"):
        chat_messages("answer", passages="x")
    with pytest.raises(PromptError, match="has no variable extra"):
        chat_messages("answer", passages="x", question="q", extra=1)
    with pytest.raises(PromptError, match="no prompt template named 'nope'"):
        render("nope")

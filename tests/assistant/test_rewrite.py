from assistant.rewrite import plausible_rewrite, rewrite_followup


def _h(q: str, a: str = "Some answer.") -> list[dict[str, str]]:
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


def test_no_history_no_rewrite() -> None:
    assert rewrite_followup("When was it founded?", []) == "When was it founded?"


def test_standalone_question_is_left_alone() -> None:
    q = "When did Ukraine enter the Kursk region?"
    assert rewrite_followup(q, _h("What is the CSTO?")) == q


def test_singular_pronoun_resolved_to_named_thing() -> None:
    assert rewrite_followup("When was it founded?", _h("What is the CSTO?")) == "When was the CSTO founded?"
    assert "Nikol Pashinyan" in rewrite_followup("What did he say next?", _h("Who is Nikol Pashinyan?"))


def test_plural_pronoun_resolved_to_the_asked_group() -> None:
    out = rewrite_followup("Which of them condemned the Kursk operation?", _h("Which countries are in the CSTO?"))
    assert out == "Which of the countries that are in the CSTO condemned the Kursk operation?"


def test_elliptical_followup_carries_the_previous_question() -> None:
    out = rewrite_followup("And Belarus?", _h("How did Kazakhstan react?"))
    assert "Belarus" in out and "How did Kazakhstan react?" in out


def test_plausible_rewrite() -> None:
    assert plausible_rewrite("When was it founded?", "When was the CSTO founded?")
    assert not plausible_rewrite("When was it founded?", "")
    assert not plausible_rewrite("When was it founded?", "Sure!\nHere is a poem about cats")
    assert not plausible_rewrite("When was it founded?", "What is the weather like?")

"""The terminal's rendering of an answer's sources: a reader can find each quote in their own file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant import Assistant
from assistant.cli import format_sources


def test_sources_name_the_line_of_the_users_file(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    article = tmp_path / "varn.txt"
    article.write_text("The Lighthouse of Varn\n\nHarbour News\n\nThe lighthouse of Varn was built in 1871 by\n"
                       "the engineer Maria Holt.\n\nIts lamp was converted to electricity in 1936.\n", encoding="utf-8")
    a = make_assistant(article)
    answer = a.ask("When was the lamp converted to electricity?")
    c = answer.citations[0]
    assert c.quote == "Its lamp was converted to electricity in 1936." and c.source_start is not None
    line = format_sources(answer, a.index).splitlines()[0]
    assert line.endswith(f"(varn.txt line 8, characters {c.source_start}-{c.source_end}; "
                         f"article text {c.start}-{c.end})")
    wrapped = a.ask("Who built the lighthouse of Varn?")
    assert "varn.txt lines 5-6" in format_sources(wrapped, a.index)


def test_without_a_file_position_only_the_article_text_offsets(tmp_path: Path,
                                                                make_assistant: Callable[..., Assistant]) -> None:
    page = tmp_path / "varn.html"
    page.write_text("<html><body><h1>Varn</h1><p>The lamp was converted to electricity in 1936.</p></body></html>",
                    encoding="utf-8")
    a = make_assistant(page)
    answer = a.ask("When was the lamp converted to electricity?")
    c = answer.citations[0]
    assert c.source_start is None
    assert format_sources(answer, a.index) == f"  [1] “{c.quote}” (article text {c.start}-{c.end})"


def test_bold_is_bold_on_a_terminal_and_plain_in_a_pipe() -> None:
    from assistant.cli import terminal_markdown

    text = "**1992**. The treaty was signed in 1992 [1]."
    assert terminal_markdown(text, tty=False) == "1992. The treaty was signed in 1992 [1]."
    assert terminal_markdown(text, tty=True) == "\033[1m1992\033[0m. The treaty was signed in 1992 [1]."


def test_bad_input_names_what_was_wrong_and_where(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from assistant.cli import main

    assert main(["search", "   "]) == 2
    assert capsys.readouterr().err.strip() == "article-assistant: error: the search query is empty"
    history = tmp_path / "h.json"
    history.write_text(json.dumps([{"role": "robot", "content": "hi"}]), encoding="utf-8")
    assert main(["ask", "Who?", "--history", str(history)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"article-assistant: error: {history}: history[0].role must be one of user, assistant, system")


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`... | head -1` closes the pipe early: exit without a traceback (the fake command prints 10 MB)."""
    import subprocess
    import sys

    code = ("import sys; from assistant import cli\n"
            "def flood(args):\n    [print('x' * 1000) for _ in range(10000)]\n    return 0\n"
            "cli.cmd_index = flood\n"
            "sys.exit(cli.main(['index']))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(timeout=60) == 141, err
    assert "Traceback" not in err


def test_the_core_loads_neither_the_web_page_nor_gradio() -> None:
    """The core stands alone: importing its Python API, CLI and HTTP API (in a fresh interpreter, so nothing
    is loaded yet) loads no `ui` module and no Gradio; `serve` lives on top (ui.cli, ui.server)."""
    import subprocess
    import sys

    code = ("import sys\nimport assistant.api, assistant.cli, assistant.http_api\n"
            "print('\\n'.join(m for m in sys.modules if m.split('.')[0] in {'ui', 'gradio', 'gradio_client'}))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == []


def test_no_module_of_the_core_imports_ui_or_gradio() -> None:
    """Not even lazily in a function, nor by a module name given to importlib or __import__ as a string."""
    import ast

    import assistant

    banned = {"ui", "gradio", "gradio_client"}
    root = Path(assistant.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and (
                        (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                        or (isinstance(node.func, ast.Name) and node.func.id in {"__import__", "import_module"})):
                names = [node.args[0].value]
            found += [f"{path.relative_to(root.parent)}:{getattr(node, 'lineno', 0)}: {n}" for n in names
                      if n.split(".")[0] in banned]
    assert found == []


class _Interrupting:
    """A stream that stops as Ctrl-C would stop it, after its first piece."""

    def __init__(self, inner: Assistant) -> None:
        self.inner, self.title, self.index = inner, inner.title, inner.index
        self.histories: list[list[dict[str, str]]] = []

    def stream(self, question: str, history: list[dict[str, str]]):  # type: ignore[no-untyped-def]
        self.histories.append(list(history))
        if question.startswith("stop"):
            yield "**1871**. "
            raise KeyboardInterrupt
        yield from self.inner.stream(question, history)


def test_ctrl_c_stops_the_answer_not_the_chat(make_assistant: Callable[..., Assistant], small_article: Path,
                                             capsys) -> None:  # type: ignore[no-untyped-def]
    from assistant.cli import chat_loop

    a = _Interrupting(make_assistant(small_article))
    lines = iter(["stop: when was it built?", "When was the lighthouse of Varn built?", ""])
    assert chat_loop(a, lambda _: next(lines)) == 0
    out = capsys.readouterr().out
    assert "assistant> 1871.  (stopped)" in out and out.count("assistant> ") == 2
    assert a.histories[1] == []  # the stopped answer is not leaned on

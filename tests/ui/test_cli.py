"""The console script (ui.cli): the terminal's rendering of an answer's sources (a reader can find each quote in
their own file), the chat loop, what it loads, and `serve`."""

from __future__ import annotations

import importlib
import socket
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import ui.server
from assistant import Assistant
from assistant.response import Response
from assistant.types import Answer, Segment
from ui import cli
from ui.cli import format_sources

ROOT = Path(__file__).resolve().parents[2]


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
    """Rendered from the answer's segments; Markdown in a quoted sentence is never read as bold."""
    from assistant.types import Segment
    from ui.cli import terminal_text

    segments = [Segment("short", "1992"), Segment("sentence", "The **treaty** was signed in 1992.", 1),
                Segment("sentence", "It has six members.", 2)]
    rest = "The **treaty** was signed in 1992. [1] It has six members. [2]"
    assert terminal_text(segments, tty=False) == f"1992. {rest}"
    assert terminal_text(segments, tty=True) == f"\033[1m1992\033[0m. {rest}"


def test_bad_input_names_what_was_wrong_and_where(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from ui.cli import main

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

    code = ("import sys; from ui import cli\n"
            "def flood(args):\n    [print('x' * 1000) for _ in range(10000)]\n    return 0\n"
            "cli.cmd_index = flood\n"
            "sys.exit(cli.main(['index']))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(timeout=60) == 141, err
    assert "Traceback" not in err


def test_the_command_line_and_http_api_load_no_gradio() -> None:
    """Importing the Python API, the command line and the HTTP API (in a fresh interpreter, so nothing is loaded
    yet) loads no Gradio: only `serve` does, when it runs (ui.server)."""
    import subprocess
    import sys

    code = ("import sys\nimport assistant.api, ui.cli, ui.http_api\n"
            "print('\\n'.join(m for m in sys.modules if m.split('.')[0] in {'gradio', 'gradio_client'}))\n")
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

    def respond(self, question: str, history: list[dict[str, str]]) -> Response:
        self.histories.append(list(history))
        if question.startswith("stop"):
            def cut() -> Iterator[Segment | Answer]:
                yield Segment("short", "1871")
                raise KeyboardInterrupt
            return Response(cut())
        return self.inner.respond(question, history)


def test_ctrl_c_stops_the_answer_not_the_chat(make_assistant: Callable[..., Assistant], small_article: Path,
                                             capsys) -> None:  # type: ignore[no-untyped-def]
    from ui.cli import chat_loop

    a = _Interrupting(make_assistant(small_article))
    lines = iter(["stop: when was it built?", "When was the lighthouse of Varn built?", ""])
    assert chat_loop(a, lambda _: next(lines)) == 0
    out = capsys.readouterr().out
    assert "assistant> 1871.  (stopped)" in out and out.count("assistant> ") == 2
    assert a.histories[1] == []  # the stopped answer is not leaned on


# -- serve and the console script ---------------------------------------------------------------------

def test_the_console_script_is_this_layer() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module, _, name = scripts["article-assistant"].partition(":")
    assert getattr(importlib.import_module(module), name) is cli.main


def test_serve_is_listed_after_chat_with_its_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "{index,search,ask,chat,serve,eval}" in capsys.readouterr().out
    args = cli.build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8123", "--backend", "extractive",
                                          "--article", "a.txt", "--data-dir", "d"])
    assert (args.host, args.port, args.backend, args.article, args.data_dir) == ("0.0.0.0", 8123, "extractive",
                                                                                 "a.txt", "d")
    assert args.func is cli.cmd_serve


def test_serve_runs_the_server_with_the_flags_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(ui.server, "serve", seen.append)
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8123", "--data-dir", str(tmp_path)]) == 0
    (settings,) = seen
    assert (settings.host, settings.port, settings.data_dir) == ("0.0.0.0", 8123, tmp_path)


def _serve_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    for name in ("GRADIO_ANALYTICS_ENABLED", "HF_HUB_DISABLE_TELEMETRY"):  # serve sets them; restored after
        monkeypatch.setenv(name, "1")
    code = cli.main(["serve", *args])
    return code, capsys.readouterr().err


def test_serve_errors_are_one_line_before_anything_loads(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("ARTICLE_ASSISTANT_AUTH", "no-colon")
    assert _serve_error(monkeypatch, capsys, "--data-dir", str(tmp_path)) == (
        2, "article-assistant: error: auth must be USER:PASSWORD (ARTICLE_ASSISTANT_AUTH)\n")
    monkeypatch.delenv("ARTICLE_ASSISTANT_AUTH")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = _serve_error(monkeypatch, capsys, "--port", str(port), "--data-dir", str(tmp_path))
    assert code == 2 and err.startswith(f"article-assistant: error: cannot listen on 127.0.0.1:{port}: ")
    assert err.count("\n") == 1

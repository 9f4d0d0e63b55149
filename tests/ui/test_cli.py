"""The console script (ui.cli): the core's commands plus `serve`, which only this layer knows."""

from __future__ import annotations

import importlib
import socket
import tomllib
from pathlib import Path
from typing import Any

import pytest

import ui.server
from assistant import cli as core
from assistant.cli import Command
from ui import cli

ROOT = Path(__file__).resolve().parents[2]


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
    with pytest.raises(SystemExit):  # the core alone has no server
        core.build_parser().parse_args(["serve"])


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


def test_a_layer_above_places_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    extra = [Command("first", "added last", lambda args: 0), Command("second", "after index", lambda args: 3,
                                                                    generation=False, after="index")]
    parser = core.build_parser(extra)
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    assert "{index,second,search,ask,chat,eval,first}" in capsys.readouterr().out
    assert core.main(["second"], commands=extra) == 3
    with pytest.raises(SystemExit):
        parser.parse_args(["second", "--backend", "extractive"])  # generation=False: no --backend
    with pytest.raises(ValueError, match="'nowhere', which is not a command"):
        core.build_parser([Command("x", "x", lambda args: 0, after="nowhere")])

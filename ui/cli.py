"""`article-assistant`, the console script: the core's commands (`assistant.cli`: index, search, ask, chat,
eval) and, from this layer, `serve`, which runs the server (`ui.server`). Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from assistant import cli as core
from assistant.cli import Command

__all__ = ["build_parser", "commands", "main"]


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.server import serve  # imported when serving: FastAPI, Gradio and uvicorn are slow to import

    serve(core.settings_from_args(args))
    return 0


def _serve_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--host", help="bind address (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default 7860)")


def commands() -> list[Command]:
    """What this layer adds to the core's commands (made when called, as `assistant.cli.core_commands`)."""
    return [Command("serve", "web chat and HTTP API", cmd_serve, _serve_arguments, after="chat")]


def build_parser() -> argparse.ArgumentParser:
    return core.build_parser(commands())


def main(argv: Sequence[str] | None = None) -> int:
    return core.main(argv, commands=commands())


if __name__ == "__main__":
    sys.exit(main())

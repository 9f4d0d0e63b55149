"""`article-assistant`, the console script: index, search, ask, chat, serve, eval. Bad input: one line on
stderr, exit 2. A surface: it reads flags, calls the assistant (or a running serve) and prints; the answering
is `assistant`'s."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import BackendError, InputError
from assistant.progress import IndexProgress

if TYPE_CHECKING:  # imported lazily at run time: the CLI starts before torch loads
    from assistant.settings import Settings
    from assistant.types import Answer, Segment
    from index import ArticleIndex

__all__ = ["Command", "build_parser", "chat_loop", "commands", "main", "settings_from_args"]


@dataclass(frozen=True)
class Command:
    """A subcommand. Every one takes --article and --data-dir, and --backend and --model-path as well when
    `generation`; `arguments(parser)` adds its own; `run(args)` returns the exit code (an InputError or a
    BackendError becomes one line on stderr and exit 2)."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    generation: bool = True


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The Settings a command's flags ask for (over ARTICLE_ASSISTANT_* variables, over the defaults)."""
    return _settings(args)


def _settings(args: argparse.Namespace) -> Any:
    from assistant.settings import Settings

    fields = ("article", "data_dir", "backend", "model_path", "top_k", "host", "port")
    return Settings.resolve(**{f: getattr(args, f, None) for f in fields})


def _models(args: argparse.Namespace) -> dict[str, Any]:
    """The prebuilt models `main` was given (embedder, reader, generator), each used instead of loading one."""
    return dict(getattr(args, "models", None) or {})


def _embedder(args: argparse.Namespace, model: str) -> Any:
    from index import SentenceTransformerEmbedder

    return _models(args).get("embedder") or SentenceTransformerEmbedder(model)


def _assistant(args: argparse.Namespace) -> Any:
    from assistant.api import Assistant

    return Assistant(settings=_settings(args), progress=IndexProgress(), **_models(args))


def cmd_index(args: argparse.Namespace) -> int:
    from index import build_index

    s = _settings(args)
    report = build_index(s.index_config(), _embedder(args, s.embedding_model), rebuild=args.rebuild,
                         progress=IndexProgress())
    if report.status == "unchanged":
        print(f"index is up to date: {report.passages} passages of “{report.title}” in {report.where} "
              f"(collection {report.collection}); nothing to do")
    else:
        print(f"indexed {report.passages} passages of “{report.title}” into {report.where} "
              f"(collection {report.collection})")
    if report.dropped:
        print(f"removed {len(report.dropped)} older or unfinished collection(s): {', '.join(report.dropped)}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.history import validate_k, validate_question
    from index import ArticleIndex

    s = _settings(args)
    query = validate_question(args.query, s.max_question_chars, "search query")
    validate_k(args.k, "-k")
    found: list[dict[str, Any]] | None = None
    if (serve := _running_serve(args, s)) is not None:
        try:
            found = serve.search(query, args.k)
        except ConnectionError:
            found = None  # the serve went away: search here
    if found is None:
        idx = ArticleIndex.open(s.index_config(), _embedder(args, s.embedding_model), progress=IndexProgress())
        found = [h.to_dict() for h in idx.search(query, args.k)]
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        for h in found:
            print(f"{h['rank']}. [{h['score']:.4f}] ({h['start']}-{h['end']}) {h['text']}")
    return 0


def _read_history(path: str | None) -> list[dict[str, Any]] | None:
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such history file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: history is not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: history must be a JSON list of {{\"role\", \"content\"}} messages")
    return data


def terminal_piece(segment: Segment, after: Segment | None, tty: bool) -> str:
    """One segment of an answer for the terminal: the short answer in bold on a terminal (plain words in a pipe
    or a file), each sentence followed by its `[n]`, as the Sources list below numbers them."""
    from assistant.markup import piece

    if segment.kind == "short":
        return f"\033[1m{segment.text}\033[0m. " if tty else f"{segment.text}. "
    return piece(segment, after)  # the rest reads the same in Markdown and on a terminal


def terminal_text(segments: Sequence[Segment], tty: bool) -> str:
    from assistant.markup import render

    return render(segments, lambda segment, after: terminal_piece(segment, after, tty))


def format_sources(answer: Answer, index: ArticleIndex | None = None) -> str:
    """One line per citation. Where the quote was found in the user's own .txt/.md file, its lines and
    characters there come first (what a reader can open); the cleaned text's offsets (`GET /v1/article`)
    follow."""
    lines = []
    for c in answer.citations:
        where = f"article text {c.start}-{c.end}"
        if index is not None and c.source_start is not None and c.source_end is not None:
            at = index.source_lines(c.source_start, c.source_end)
            if at is not None:
                rows = f"line {at[0]}" if at[0] == at[1] else f"lines {at[0]}-{at[1]}"
                where = f"{Path(index.article.source).name} {rows}, characters {c.source_start}-{c.source_end}; {where}"
        lines.append(f"  [{c.n}] “{c.quote}” ({where})")
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.history import validate_history, validate_question

    s = _settings(args)
    question = validate_question(args.question, s.max_question_chars)
    try:
        history = validate_history(_read_history(args.history), s.max_history_turns)
    except InputError as exc:
        message = str(exc)
        raise InputError(message if message.startswith(f"{args.history}:") else f"{args.history}: {message}") from None
    reply: tuple[Answer, dict[str, Any]] | None = None
    if (serve := _running_serve(args, s)) is not None:
        try:
            reply = serve.ask(question, history, args.backend)
        except ConnectionError:
            reply = None  # the serve went away or does not offer this backend: answer here
    index = None
    if reply is None:
        started = time.perf_counter()
        assistant = _assistant(args)
        assistant.warm_up()  # the models load here, so that the answer's own timings are the answer's alone
        load_s = time.perf_counter() - started
        answer = assistant.ask(question, history)
        data = answer.to_dict()
        data["timings"] = {"load_s": round(load_s, 4), **data["timings"]}
        reply, index = (answer, data), assistant.index
    answer, data = reply
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(terminal_text(answer.segments, sys.stdout.isatty()) if answer.segments else answer.text)
        if answer.refused and answer.reason:
            print(answer.reason)  # why, in the words the web chat and the HTTP API give
        if answer.citations:
            print("\nSources:\n" + format_sources(answer, index))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    print("article-assistant: loading the models…", file=sys.stderr, flush=True)
    assistant.warm_up()  # now, not as a blank wait after the first question (about 20 s for the local model)
    return chat_loop(assistant, input)


def chat_loop(assistant: Any, read: Callable[[str], str]) -> int:
    """The terminal chat on `assistant`, questions from `read(prompt)`: an empty line, Ctrl-D or Ctrl-C at the
    prompt ends it; Ctrl-C during an answer stops that answer only (it is marked, and not leaned on later)."""

    history: list[dict[str, str]] = []
    print(f"Chatting about “{assistant.title}”. Empty line or Ctrl-D to quit; Ctrl-C stops an answer.")
    while True:
        try:
            question = read("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question:
            return 0
        try:
            print("assistant> ", end="", flush=True)
            response = assistant.respond(question, history)
            after: Segment | None = None
            for segment in response.segments():  # verified: nothing shown is taken back
                print(terminal_piece(segment, after, sys.stdout.isatty()), end="", flush=True)
                after = segment
            final = response.answer()
            print()
            if final.refused and final.reason:
                print(final.reason)
            if final.citations:
                print(format_sources(final, assistant.index))
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": final.text}]
        except KeyboardInterrupt:
            print(" (stopped)")
        except (InputError, BackendError) as exc:
            print(f"\nerror: {exc}")


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluation import compare_dirs, run_eval, run_suite
    from assistant.evaluation.asking import default_factory

    if args.compare:
        if args.gold or args.suite:
            raise InputError("--compare DIR_A DIR_B takes no gold file or --suite")
        print(compare_dirs(Path(args.compare[0]), Path(args.compare[1])))
        return 0
    if args.suite and args.gold:
        raise InputError(f"give a gold file ({args.gold}) or --suite {args.suite}, not both")
    if args.thresholds and not args.gate:
        raise InputError("--thresholds only applies with --gate")
    if not args.suite and not args.gold:
        raise InputError("give a gold file (GOLD.jsonl, or a SQuAD 2.0 .json), --suite DIR or --compare DIR_A DIR_B")
    s = _settings(args)
    options = {"out": Path(args.out), "k": args.k, "gate": args.gate, "sample": args.sample, "seed": args.seed,
               "thresholds": Path(args.thresholds) if args.thresholds else None,
               "make_assistant": default_factory(s, True, in_suite=bool(args.suite) or str(args.gold).endswith(".json"),
                                                 models=_models(args))}
    if args.suite:
        return run_suite(Path(args.suite), s, **options)
    return run_eval(Path(args.gold), s, **options)


def _index_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--rebuild", action="store_true", help="rebuild even when up to date")


def _serve_client_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--server", metavar="URL", help="the serve to answer through when it runs on this article "
                                                   "(default: http://HOST:PORT of the settings)")
    s.add_argument("--local", action="store_true", help="answer in this process even when a serve runs")


def _search_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("query")
    s.add_argument("-k", type=int, default=4)
    s.add_argument("--json", action="store_true")
    _serve_client_arguments(s)


def _ask_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("question")
    s.add_argument("--history", help="JSON file: a list of {role, content} messages")
    s.add_argument("--json", action="store_true")
    _serve_client_arguments(s)


def _running_serve(args: argparse.Namespace, s: Any) -> Any:
    """A serve on this article to answer through (ui/remote.py), or None: answer in this process."""
    if getattr(args, "local", False):
        return None
    from ui.remote import find_serve

    host = "127.0.0.1" if s.host in ("0.0.0.0", "::", "") else s.host
    url = args.server or f"http://{'[' + host + ']' if ':' in host else host}:{s.port}"
    found = find_serve(url, s.article, s.api_key.get_secret_value() if s.api_key else None)
    if found is not None:
        print(f"article-assistant: answered by the serve at {found.url} (--local: in this process)",
              file=sys.stderr)
    return found


def _eval_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("gold", nargs="?", help="gold questions: JSON lines about --article, or a SQuAD 2.0 .json file")
    s.add_argument("--suite", metavar="DIR", help="evaluate every NAME.txt + NAME.jsonl article of DIR, pooled")
    s.add_argument("--sample", type=int, metavar="N", help="only N questions per article, half unanswerable")
    s.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    s.add_argument("--out", default="eval-out", help="folder for results.jsonl, summary.json, report.md")
    s.add_argument("-k", "--k", dest="top_k", type=int, help="passages to retrieve")
    s.add_argument("--gate", action="store_true", help="exit 1 when a figure is below the thresholds")
    s.add_argument("--thresholds", help="TOML file of the bounds --gate checks (default: the packaged "
                                        "assistant/evaluation/thresholds.toml)")
    s.add_argument("--compare", nargs=2, metavar=("DIR_A", "DIR_B"), help="print two runs side by side")
    s.set_defaults(k=None)


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.server import serve  # imported when serving: FastAPI, Gradio and uvicorn are slow to import

    serve(settings_from_args(args))
    return 0


def _serve_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--host", help="bind address (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default 7860)")


def commands() -> list[Command]:
    """The commands, in the order `--help` lists them (made when called: a test may replace a cmd_*)."""
    return [
        Command("index", "build the index (does nothing when up to date)", cmd_index, _index_arguments,
                generation=False),
        Command("search", "ranked passages for a query", cmd_search, _search_arguments, generation=False),
        Command("ask", "answer one question with citations", cmd_ask, _ask_arguments),
        Command("chat", "interactive chat in the terminal", cmd_chat),
        Command("serve", "web chat and HTTP API", cmd_serve, _serve_arguments),
        Command("eval", "compare answers with gold answers", cmd_eval, _eval_arguments),
    ]


def build_parser() -> argparse.ArgumentParser:
    from assistant.registry import BACKENDS

    p = argparse.ArgumentParser(prog="article-assistant",
                                description="Answers questions about one article, only from it, with citations.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--article", help="article file (.txt, .md, .html); default: the shipped article")
    common.add_argument("--data-dir", help="where the index lives (default ~/.cache/article-assistant)")
    gen = argparse.ArgumentParser(add_help=False)
    gen.add_argument("--backend", choices=list(BACKENDS))
    gen.add_argument("--model-path", help="a GGUF file for the llamacpp backend")
    sub = p.add_subparsers(dest="command", required=True)
    for c in commands():
        s = sub.add_parser(c.name, parents=[common, gen] if c.generation else [common], help=c.help)
        if c.arguments is not None:
            c.arguments(s)
        s.set_defaults(func=c.run)
    return p


def main(argv: Sequence[str] | None = None, models: Mapping[str, Any] | None = None) -> int:
    """Runs one command line. `models`: prebuilt `embedder`, `reader` or `generator` that every assistant the
    command builds uses instead of loading its own (how tests run the command line on fakes, and a program
    on models it already holds)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # Before torch or llama.cpp load OpenMP: threads that spin collapse the local model on a busy machine
    # (assistant/backends/llamacpp.py: wait_passively).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    args = build_parser().parse_args(argv)
    args.models = dict(models or {})
    notices = logging.StreamHandler(sys.stderr)  # repairs and other things a user should know, one line each
    notices.setFormatter(logging.Formatter("article-assistant: %(message)s"))
    logger = logging.getLogger("article-assistant")
    if not logger.handlers:
        logger.addHandler(notices)
        logger.propagate = False
    try:
        return int(args.func(args))
    except (InputError, BackendError) as exc:
        print(f"article-assistant: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("article-assistant: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `search ... --json | head`: the reader has what it wanted; no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail again
        return 141


if __name__ == "__main__":
    sys.exit(main())

"""The `twinbot` command: subcommands, their options, and exit codes.

Each subcommand imports what it needs only when it runs, so `twinbot ask` starts without
python-telegram-bot. Exit codes: 0 success, 1 the work found problems (invalid knowledge,
failed run), 2 usage errors (argparse's own convention).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from twinbot import __version__
from twinbot.errors import TwinbotError


def _add_knowledge_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--knowledge",
        metavar="DIR",
        type=Path,
        default=None,
        help="knowledge base folder (default: $TWINBOT_KNOWLEDGE or the bundled one)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="twinbot",
        description=(
            "twinbot answers German, Russian and English questions about German-Russian "
            "partner cities."
        ),
    )
    parser.add_argument("--version", action="version", version=f"twinbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate a knowledge base folder and list every problem with file:line",
        description="Validate knowledge/*.yaml; exit 0 when valid, 1 on errors.",
    )
    check.add_argument("directory", nargs="?", type=Path, default=None, metavar="DIR")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")

    ask = commands.add_parser(
        "ask",
        help="answer a question (or one per stdin line) as the bot would",
        description=(
            "Answer QUESTION, or each line of stdin until EOF, exactly as the bot would."
        ),
    )
    _add_knowledge_option(ask)
    ask.add_argument("--lang", choices=("de", "ru", "en"), help="the user's language setting")
    ask.add_argument("--json", action="store_true", help="one JSON object per reply")
    ask.add_argument(
        "--explain", action="store_true", help="also show the top candidates with scores"
    )
    ask.add_argument("question", nargs="?", metavar="QUESTION")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `twinbot` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "ask":
            return _ask(args)
    except TwinbotError as exc:
        print(f"twinbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command!r}")
    return 2


def _check(args: argparse.Namespace) -> int:
    raise TwinbotError("twinbot check is not implemented yet")


def _ask(args: argparse.Namespace) -> int:
    raise TwinbotError("twinbot ask is not implemented yet")


if __name__ == "__main__":
    sys.exit(main())

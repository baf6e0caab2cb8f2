"""The `twinbot` command: subcommands, their options, and exit codes.

Each subcommand imports what it needs only when it runs, so `twinbot ask` starts without
python-telegram-bot. Exit codes: 0 success, 1 the work found problems (invalid knowledge,
failed run), 2 usage errors (argparse's own convention).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from twinbot import __version__
from twinbot.errors import TwinbotError
from twinbot.knowledge import KnowledgeBase

if TYPE_CHECKING:
    from twinbot.calibration import Match
    from twinbot.i18n import Catalogs
    from twinbot.responder import Reply, Responder


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
        description=("Answer QUESTION, or each line of stdin until EOF, exactly as the bot would."),
    )
    _add_knowledge_option(ask)
    ask.add_argument("--lang", choices=("de", "ru", "en"), help="the user's language setting")
    ask.add_argument("--json", action="store_true", help="one JSON object per reply")
    ask.add_argument(
        "--explain", action="store_true", help="also show the top candidates with scores"
    )
    ask.add_argument("question", nargs="?", metavar="QUESTION")

    chat = commands.add_parser(
        "chat",
        help="talk to the bot locally: the real bot, without Telegram, token or network",
        description=(
            "Run the bot in the terminal: type questions, /commands, or a button's number. "
            "Piped input is answered line by line; the chat ends at EOF."
        ),
    )
    _add_knowledge_option(chat)
    _add_data_dir_option(chat)
    chat.add_argument(
        "--lang", choices=("de", "ru", "en"), help="your Telegram language (default: the locale)"
    )
    chat.add_argument(
        "--admin",
        action="store_true",
        help="make you an admin, to try /reload, /unanswered and /stats",
    )
    _add_reload_options(chat)
    chat.add_argument("--verbose", action="store_true", help="debug logging on stderr")

    run = commands.add_parser(
        "run",
        help="run the Telegram bot (long polling, or a webhook with --webhook-url)",
        description=(
            "Run the bot for real. The token comes from TWINBOT_TOKEN. Stops cleanly on "
            "SIGINT or SIGTERM."
        ),
    )
    _add_knowledge_option(run)
    _add_data_dir_option(run)
    run.add_argument(
        "--api-url",
        metavar="URL",
        help="Bot API base URL, for a self-hosted Bot API server "
        "(default: $TWINBOT_API_URL or https://api.telegram.org/bot)",
    )
    run.add_argument(
        "--webhook-url",
        metavar="URL",
        help="public https URL Telegram posts updates to (default: long polling)",
    )
    run.add_argument("--listen", metavar="HOST", help="webhook server address (default: 127.0.0.1)")
    run.add_argument("--port", type=int, metavar="N", help="webhook server port (default: 8080)")
    _add_reload_options(run)
    run.add_argument("--verbose", action="store_true", help="debug logging for twinbot")

    links = commands.add_parser(
        "links",
        help="deep links (and QR codes) that open an answer or a topic, for posters",
        description=(
            "One https://t.me/<bot>?start=<entry-id> per entry and ?start=topic-<id> per "
            "topic, with the question it opens in each language. The bot's username comes "
            "from --bot, else from Telegram (getMe) when TWINBOT_TOKEN is set."
        ),
    )
    _add_knowledge_option(links)
    links.add_argument("--bot", metavar="USERNAME", help="the bot's username, e.g. @twinbot")
    links.add_argument(
        "--format", choices=("text", "csv", "json"), default="text", help="output format"
    )
    links.add_argument(
        "--qr", metavar="DIR", type=Path, help="also write a PNG and an SVG QR code per link"
    )

    report = commands.add_parser(
        "report",
        help="the most frequent unanswered questions, or usage statistics, from the question log",
        description=(
            "List what participants asked that the bot could not answer (not found, or only "
            "'did you mean' suggestions), grouped by normalized text, most frequent first; with "
            "--stats, questions per day and language, outcome shares and the most answered "
            "entries. Days are calendar days in the local time zone (TZ)."
        ),
    )
    _add_data_dir_option(report)
    period = report.add_mutually_exclusive_group()
    period.add_argument(
        "--days",
        type=_positive_int,
        metavar="N",
        help="the last N days, today included (default: 7)",
    )
    period.add_argument(
        "--since", type=_iso_date, metavar="YYYY-MM-DD", help="from this day until now"
    )
    period.add_argument("--all", action="store_true", help="the whole log")
    report.add_argument(
        "--limit", type=_positive_int, default=20, metavar="N", help="list at most N questions"
    )
    report.add_argument(
        "--format", choices=("text", "csv", "json"), default="text", help="output format"
    )
    report.add_argument("--stats", action="store_true", help="usage statistics instead")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2015-06-27") from None


def _add_reload_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reload",
        choices=("auto", "poll", "off"),
        help="how edits to the knowledge folder go live: auto (file events, polling where "
        "there are none), poll, or off (only /reload) (default: $TWINBOT_RELOAD or auto)",
    )
    parser.add_argument(
        "--reload-interval",
        type=float,
        metavar="SECONDS",
        help="how often polling looks at the files (default: $TWINBOT_RELOAD_INTERVAL or 2)",
    )


def _add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="where language choices and the question log are kept "
        "(default: $TWINBOT_DATA_DIR or ~/.local/share/twinbot)",
    )


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
        if args.command == "chat":
            return _chat(args)
        if args.command == "run":
            return _run(args)
        if args.command == "report":
            return _report(args)
        if args.command == "links":
            return _links(args)
    except TwinbotError as exc:
        print(f"twinbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `twinbot report | head`: the reader left; that's not an error worth a traceback.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return 0
    parser.error(f"unknown command {args.command!r}")
    return 2


def _check(args: argparse.Namespace) -> int:
    """Validate a knowledge folder: one line per problem, then the totals; exit 1 if invalid."""
    from twinbot.paths import bundled_knowledge_dir
    from twinbot.validate import check_knowledge

    directory: Path | None = args.directory
    if directory is None:
        directory = bundled_knowledge_dir()
        # Show the bundled files relative to where the user is, when they are below it.
        if directory.is_relative_to(Path.cwd()):
            directory = directory.relative_to(Path.cwd())
    report = check_knowledge(directory, strict=args.strict)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def _ask(args: argparse.Namespace) -> int:
    """Answer one question, or every stdin line, exactly as the bot would."""
    import json
    import os

    from twinbot.i18n import Catalogs
    from twinbot.paths import bundled_knowledge_dir

    directory = args.knowledge or _env_path(os.environ.get("TWINBOT_KNOWLEDGE"))
    responder = _ask_responder(directory or bundled_knowledge_dir(), Catalogs.load())
    if responder is None:
        return 1

    def answer(question: str) -> str:
        if args.explain:
            reply, match = responder.explain(question, args.lang)
        else:
            reply, match = responder.reply(question, args.lang), None
        if args.json:
            record = reply.to_json()
            if match is not None:
                record["candidates"] = [
                    {
                        "entry": c.entry_id,
                        "score": c.score,
                        "coverage": c.coverage,
                        "fit": c.fit,
                        "phrasing": c.phrasing,
                        "signals": dict(c.signals or {}),
                    }
                    for c in match.candidates
                ]
                record["reading"] = [list(pair) for pair in match.reading]
                record["rankers"] = _mode_line(match.mode)
                record["reason"] = match.reason
            return json.dumps(record, ensure_ascii=False)
        return _plain_reply(reply, match)

    if args.question is not None:
        print(answer(args.question), flush=True)
        return 0
    for line in sys.stdin:
        print(answer(line.rstrip("\r\n")), flush=True)
    return 0


def _ask_responder(directory: Path, catalogs: Catalogs) -> Responder | None:
    """A responder for `twinbot ask`; None after printing the knowledge base's problems."""
    return _cached_responder(directory, catalogs, _load_or_report)


def _cached_responder(
    directory: Path, catalogs: Catalogs, load: Callable[[Path], KnowledgeBase | None]
) -> Responder | None:
    """A responder over the valid knowledge in *directory*, through the index cache."""
    from twinbot.assembly import cached_responder, configured_encoder

    return cached_responder(directory, catalogs, load, configured_encoder())


def _env_path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def _load_or_report(directory: Path) -> KnowledgeBase | None:
    """The valid knowledge base, or None after printing its problems to stderr."""
    from twinbot.errors import KnowledgeError
    from twinbot.validate import load_valid_knowledge

    try:
        return load_valid_knowledge(directory)
    except KnowledgeError as exc:
        print(f"twinbot: the knowledge base in {directory} has errors:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return None


def _mode_line(mode: str) -> str:
    """Which rankers answered, and why only one when the encoder is unavailable."""
    if mode == "fused":
        return "lexical + semantic (e5), one calibrated confidence"
    from twinbot.ranking.dense import encoder_problem

    problem = encoder_problem()
    return "lexical only" + (f" (the semantic ranker is unavailable: {problem})" if problem else "")


def _plain_reply(reply: Reply, match: Match | None) -> str:
    """A reply as a terminal user reads it: text, then numbered follow-ups."""
    from twinbot.terminal import terminal_text

    lines = [terminal_text(reply.text)]
    for number, link in enumerate(reply.links, start=1):
        lines.append(f"  [{number}] {link.label}")
    if match is not None:
        lines.append(
            f"-- outcome: {reply.outcome.value}{f' ({match.reason})' if match.reason else ''}, "
            f"language: {reply.lang} (written in: {match.detected or 'unclear'})"
        )
        lines.append(f"-- rankers: {_mode_line(match.mode)}")
        lines.append("-- read as: " + " ".join(f"{w}={k}" for w, k in match.reading))
        for candidate in match.candidates:
            lines.append(
                f"-- {candidate.score:5.1f}  {candidate.entry_id}  "
                f"(coverage {candidate.coverage:.2f}, fit {candidate.fit:.2f}) "
                f"best phrasing: {candidate.phrasing!r}"
            )
            if candidate.signals:
                lines.append(
                    "--        "
                    + ", ".join(f"{name} {value:.3f}" for name, value in candidate.signals.items())
                )
    return "\n".join(lines)


def _chat(args: argparse.Namespace) -> int:
    # Imported here: `twinbot ask` and `check` must start without python-telegram-bot.
    from twinbot.bot.logs import configure_logging
    from twinbot.config import load_settings
    from twinbot.console import run_chat

    settings = load_settings(
        knowledge_dir=args.knowledge,
        data_dir=args.data_dir,
        reload=args.reload,
        reload_interval=args.reload_interval,
        verbose=args.verbose,
    )
    configure_logging(verbose=settings.verbose, secrets=settings.secret_values(), quiet=True)
    responder = _bot_responder(settings.knowledge_dir)
    return run_chat(
        settings,
        responder.knowledge,
        stdin=sys.stdin,
        stdout=sys.stdout,
        lang=args.lang,
        admin=args.admin,
        responder=responder,
    )


def _run(args: argparse.Namespace) -> int:
    from twinbot.bot.app import make_services, run_bot
    from twinbot.bot.logs import configure_logging
    from twinbot.config import load_settings

    settings = load_settings(
        knowledge_dir=args.knowledge,
        data_dir=args.data_dir,
        api_url=args.api_url,
        webhook_url=args.webhook_url,
        listen=args.listen,
        port=args.port,
        reload=args.reload,
        reload_interval=args.reload_interval,
        verbose=args.verbose,
        require_token=True,
    )
    configure_logging(verbose=settings.verbose, secrets=settings.secret_values())
    services = make_services(settings, _bot_responder(settings.knowledge_dir))
    try:
        run_bot(settings, services)
    finally:
        services.storage.close()
    return 0


def _report(args: argparse.Namespace) -> int:
    """Unanswered questions (or --stats) from the question log, as text, CSV or JSON."""
    from datetime import UTC, datetime

    from twinbot import report
    from twinbot.config import load_settings
    from twinbot.storage import DATABASE_NAME, Storage

    settings = load_settings(data_dir=args.data_dir)
    if not (settings.data_dir / DATABASE_NAME).is_file():
        print(
            f"twinbot: no question log in {settings.data_dir} — pass the bot's data directory "
            "with --data-dir (or TWINBOT_DATA_DIR)",
            file=sys.stderr,
        )
        return 1
    zone, now = report.local_zone(), datetime.now(UTC)
    if args.all or args.since is not None:
        period = report.Period.starting(args.since, now, zone)
    else:
        period = report.Period.last_days(args.days or report.DEFAULT_DAYS, now, zone)
    with Storage.open(settings.data_dir) as storage:
        logged = storage.questions_between(period.since, None, unanswered_only=not args.stats)
        votes = storage.votes_between(period.since, None)
    if args.stats:
        smalltalk = _smalltalk_ids(settings.knowledge_dir)
        stats = report.stats(logged, period, zone, smalltalk=smalltalk, votes=votes)
        if args.format == "json":
            print(report.as_json(stats))
        else:
            print(report.stats_csv(stats) if args.format == "csv" else report.stats_text(stats))
        return 0
    listing = report.unanswered(logged, period, limit=args.limit, votes=votes)
    if args.format == "json":
        print(report.as_json(listing))
    else:
        print(
            report.unanswered_csv(listing)
            if args.format == "csv"
            else report.unanswered_text(listing)
        )
    return 0


def _links(args: argparse.Namespace) -> int:
    """Deep links per entry and topic (and QR codes); exit 1 without a bot username."""
    from twinbot import links
    from twinbot.config import load_settings
    from twinbot.paths import bundled_knowledge_dir

    settings = load_settings(knowledge_dir=args.knowledge)
    if args.bot is not None:
        username = links.normalize_username(args.bot)
        if username is None:
            print(
                f"twinbot: --bot {args.bot!r} is not a Telegram username (5-32 letters, "
                "digits and _, starting with a letter)",
                file=sys.stderr,
            )
            return 2
    elif settings.token is not None:
        import asyncio

        from twinbot.bot.identity import fetch_username

        username = asyncio.run(fetch_username(settings))
    else:
        print(
            "twinbot: the bot's username is missing — pass --bot USERNAME (as in "
            "t.me/USERNAME), or set TWINBOT_TOKEN so twinbot can ask Telegram (getMe)",
            file=sys.stderr,
        )
        return 1
    knowledge = _load_or_report(settings.knowledge_dir or bundled_knowledge_dir())
    if knowledge is None:
        return 1
    found, skipped = links.deep_links(knowledge, username)
    for note in skipped:
        print(f"twinbot: skipped {note}", file=sys.stderr)
    if args.format == "json":
        print(links.links_json(found))
    elif args.format == "csv":
        print(links.links_csv(found))
    else:
        print(links.links_text(found))
    if args.qr is not None:
        written = links.write_qr_codes(found, args.qr)
        print(f"twinbot: wrote {len(written)} QR code files to {args.qr}", file=sys.stderr)
    return 0


def _smalltalk_ids(directory: Path | None) -> frozenset[str]:
    """The small-talk entries of the bot's knowledge (counted apart in --stats); none if the
    folder does not load."""
    from twinbot.loader import load_knowledge
    from twinbot.paths import bundled_knowledge_dir

    knowledge = load_knowledge(directory or bundled_knowledge_dir()).knowledge
    return frozenset(e.id for e in knowledge if knowledge.is_smalltalk(e.id))


def _bot_knowledge(directory: Path) -> KnowledgeBase:
    """The validated knowledge base for `chat` and `run`; KnowledgeError lists file:line."""
    from twinbot.validate import load_valid_knowledge

    return load_valid_knowledge(directory)


def _bot_responder(directory: Path | None) -> Responder:
    """The responder `chat` and `run` start with: its index from the cache when this
    knowledge was indexed before (a restart of a large knowledge base takes seconds less);
    KnowledgeError lists file:line when the knowledge is not valid."""
    from twinbot.i18n import Catalogs
    from twinbot.paths import bundled_knowledge_dir

    responder = _cached_responder(
        directory or bundled_knowledge_dir(), Catalogs.load(), _bot_knowledge
    )
    assert responder is not None  # _bot_knowledge raises rather than returning None
    return responder


if __name__ == "__main__":
    sys.exit(main())

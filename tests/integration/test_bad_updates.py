"""Bad input through the real Application and handlers, property-tested.

The Application runs in process over `LocalRequest` (the seam `twinbot chat` uses), so hypothesis
can try hundreds of updates a second: text of every kind, names with markup, forged callback
data, deep links that are no entry ids, inline queries of 0 to 256 characters, in private chats
and groups. Each must be handled without reaching the error handler, with a reply in valid
Telegram HTML that fits one message — or with deliberate silence where Telegram convention
asks for it (group chatter, commands for other bots) — and the user's own text never comes back
unescaped.
"""

from __future__ import annotations

import asyncio
import html
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from telegram import Update

from auxil.bot_harness import GROUP, LOADED_AT, callback, catalogs, inline_query, message
from auxil.fake_bot_api import BOT
from auxil.sample_knowledge import sample_knowledge
from auxil.telegram_html import assert_telegram_html
from twinbot.assembly import build_responder
from twinbot.bot.app import LOCAL_TOKEN, build_application
from twinbot.bot.context import BotApplication, BotContext, Services
from twinbot.bot.local import LocalRequest
from twinbot.bot.split import MESSAGE_LIMIT, text_content, utf16_len
from twinbot.config import Settings
from twinbot.storage import Storage

KB = sample_knowledge()
SORRY = "Sorry, something went wrong"
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
NASTY = st.sampled_from(
    [
        " ",
        "\u200b\u200d\ufeff",
        "\u202eKarlsruhe\u202c",
        "e\u0301" * 40,
        "😀👨‍👩‍👧‍👦🇩🇪",
        "<b>bold</b> </a> <script>x</script> & &amp; &#0;",
        "*bold* _it_ `code` ```pre```",
        "/",
        "/start@otherbot",
        "/help@twinbot_test_bot extra",
        "/nonsense",
        "a" * 10_000,
        "Jugendaustausch " * 700,
        "\x00\x1b[31m\x7f",
    ]
)
TEXT = st.one_of(NASTY, ANY_TEXT)


@dataclass
class Recorder:
    """A Bot API that answers everything and remembers what the bot sent."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(5000))

    async def call(self, method: str, params: Mapping[str, object]) -> object:
        self.calls.append((method, dict(params)))
        if method == "getMe":
            return BOT
        if method in {"sendMessage", "editMessageText"}:
            return {
                "message_id": next(self.message_ids),
                "date": 0,
                "chat": {"id": int(str(params.get("chat_id") or 42)), "type": "private"},
                "from": BOT,
                "text": str(params.get("text", "")),
            }
        return True


@dataclass
class InProcessBot:
    application: BotApplication
    recorder: Recorder
    runner: asyncio.Runner
    errors: list[BaseException]
    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def handle(self, **update: Any) -> list[tuple[str, dict[str, Any]]]:
        before = len(self.recorder.calls)
        data = {"update_id": next(self.update_ids), **update}
        parsed = Update.de_json(data, self.application.bot)
        self.runner.run(self.application.process_update(parsed))
        assert self.errors == [], self.errors
        return self.recorder.calls[before:]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessBot]:
    data_dir: Path = tmp_path_factory.mktemp("data")
    # No flood control here: hypothesis sends hundreds of updates from one user.
    settings = Settings(data_dir=data_dir, flood_burst=0)
    storage = Storage.open(data_dir)
    services = Services(build_responder(KB, catalogs(), None), storage, LOADED_AT)
    recorder = Recorder()
    application = build_application(
        settings, services, request=LocalRequest(recorder), token=LOCAL_TOKEN, delivery=None
    )
    errors: list[BaseException] = []

    async def remember(update: object, context: BotContext) -> None:
        if context.error is not None:
            errors.append(context.error)

    application.add_error_handler(remember)
    runner = asyncio.Runner()
    runner.run(application.initialize())
    try:
        yield InProcessBot(application, recorder, runner, errors)
    finally:
        runner.run(application.shutdown())
        runner.close()
        storage.close()


def sent_texts(calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [str(p["text"]) for m, p in calls if m in {"sendMessage", "editMessageText"}]


def check_sent(calls: list[tuple[str, dict[str, Any]]], users_text: str = "") -> None:
    for text in sent_texts(calls):
        assert_telegram_html(text)
        assert 0 < utf16_len(text_content(text)) <= MESSAGE_LIMIT
        assert SORRY not in text
        risky = users_text.strip()
        if len(risky) > 3 and html.escape(risky, quote=False) != risky:
            assert risky not in text, "the user's text came back unescaped"


SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(text=TEXT, lang=st.sampled_from([None, "de", "ru", "en", "uk", "fr", "zz-ZZ", ""]))
@example(text="\u3000 \t", lang="de")
def test_any_private_message_gets_a_reply(bot: InProcessBot, text: str, lang: str | None) -> None:
    calls = bot.handle(message=message(text, lang=lang or None))
    assert sent_texts(calls), f"no reply to {text[:40]!r}"
    check_sent(calls, text)


@SETTINGS
@given(text=TEXT)
def test_group_chatter_gets_silence_and_a_mention_gets_a_reply(
    bot: InProcessBot, text: str
) -> None:
    chatter = bot.handle(message=message(text, chat=GROUP))
    command = text.split()[0] if text.split() else ""
    is_ours = (command.startswith("/") and "@" not in command) or "@twinbot_test_bot" in text
    if not is_ours:
        assert chatter == []
    check_sent(chatter, text)
    mentioned = bot.handle(message=message(f"@twinbot_test_bot {text}", chat=GROUP))
    assert sent_texts(mentioned)
    check_sent(mentioned, text)


@SETTINGS
@given(name=TEXT.filter(lambda n: n.strip()), payload=st.one_of(TEXT, st.just("")))
@example(name="<b>Max</b> & </a>", payload="../../etc/passwd")
@example(name="*_`", payload="conference-dates<script>")
def test_deep_links_and_names_never_break_the_greeting(
    bot: InProcessBot, name: str, payload: str
) -> None:
    update = message(f"/start {payload}".strip())
    update["from"]["first_name"] = name[:64]
    calls = bot.handle(message=update)
    (text,) = sent_texts(calls)
    check_sent(calls, payload)
    if "Hi " in text:
        assert html.escape(name[:64]) in text


@SETTINGS
@given(data=st.one_of(st.text(max_size=80), st.sampled_from(["a:en:", "t:en:x" * 20, "l:ru"])))
@example(data="a:en:conference-dates")
@example(data="a:de:../../etc")
def test_any_callback_data_is_answered(bot: InProcessBot, data: str) -> None:
    calls = bot.handle(callback_query=callback(data, lang="de"))
    methods = [m for m, _ in calls]
    assert methods.count("answerCallbackQuery") == 1
    check_sent(calls, data)


@SETTINGS
@given(query=st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=256), NASTY))
@example(query="")
@example(query="x" * 256)
def test_any_inline_query_is_answered(bot: InProcessBot, query: str) -> None:
    calls = bot.handle(inline_query=inline_query(query[:256]))
    ((method, params),) = calls
    assert method == "answerInlineQuery"
    for result in params["results"]:
        content = result["input_message_content"]["message_text"]
        assert_telegram_html(content)
        assert utf16_len(text_content(content)) <= MESSAGE_LIMIT

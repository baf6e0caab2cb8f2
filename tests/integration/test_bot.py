"""The real Application end to end, over HTTP, against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from auxil.bot_harness import (
    GROUP,
    bot_message,
    callback,
    catalogs,
    inline_query,
    message,
    only,
    running_bot,
    wait_until,
)
from auxil.fake_bot_api import BOT, TOKEN, FakeBotApi
from auxil.sample_knowledge import sample_knowledge
from twinbot.assembly import build_responder
from twinbot.bot.logs import configure_logging
from twinbot.calibration import Candidate, Match, Outcome
from twinbot.knowledge import KnowledgeBase, Lang
from twinbot.responder import Responder

KB = sample_knowledge()
DATES_EN = KB.entries[0].questions["en"][0]


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def kb() -> KnowledgeBase:
    return KB


# --- start-up --------------------------------------------------------------------------------


async def test_start_up_registers_commands_and_descriptions_per_language(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path):
        pass
    commands = {
        c.params.get("language_code"): c.params["commands"] for c in api.calls_to("setMyCommands")
    }
    assert set(commands) == {None, "en", "de", "ru"}
    assert commands[None] == commands["en"]
    names = [c["command"] for c in commands["de"]]
    assert names == ["start", "topics", "language", "help", "about", "privacy"]
    assert {c["command"]: c["description"] for c in commands["de"]}["topics"] == (
        "Alle Themen ansehen"
    )
    assert {c["command"]: c["description"] for c in commands["ru"]}["language"] == ("Выбрать язык")
    descriptions = {c.params.get("language_code"): c for c in api.calls_to("setMyDescription")}
    assert set(descriptions) == {None, "en", "de", "ru"}
    assert "Städtepartnerschaften" in descriptions["de"].params["description"]
    short = {c.params.get("language_code"): c for c in api.calls_to("setMyShortDescription")}
    assert "городах-партнёрах" in short["ru"].params["short_description"]
    assert all(len(c.params["short_description"]) <= 120 for c in short.values())


async def test_profile_registration_failure_does_not_stop_the_bot(
    api: FakeBotApi, tmp_path: Path
) -> None:
    api.fail("setMyCommands", 400, "Bad Request: something")
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/help"))
    assert "How to use twinbot" in only(calls, "sendMessage").params["text"]


# --- commands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "greeting", "topic_button"),
    [
        ("de", "Hallo Anna!", "Die Konferenz (2)"),
        ("ru", "Привет, Anna!", "Конференция (2)"),
        ("en", "Hi Anna!", "The conference (2)"),
        ("fr", "Hi Anna!", "The conference (2)"),
        ("uk", "Привет, Anna!", "Конференция (2)"),
    ],
)
async def test_start_greets_in_the_telegram_language_with_topic_buttons(
    api: FakeBotApi, tmp_path: Path, lang: str, greeting: str, topic_button: str
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/start", lang=lang))
    sent = only(calls, "sendMessage")
    assert sent.params["text"].startswith(greeting)
    assert sent.params["parse_mode"] == "HTML"
    assert sent.buttons()[0]["text"] == topic_button
    assert sent.buttons()[0]["callback_data"].startswith("t:")


async def test_start_without_language_code_is_english(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/start", lang=None))
    assert only(calls, "sendMessage").params["text"].startswith("Hi Anna!")


async def test_deep_link_opens_the_answer(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/start conference-venue", lang="de"))
        shouted = await bot.process(message=message("/start Conference-VENUE", lang="ru"))
        topic = await bot.process(message=message("/start topic-Exchange", lang="en"))
        unknown = await bot.process(message=message("/start no-such-entry", lang="de"))
    sent = only(calls, "sendMessage")
    assert "Kongresszentrum" in sent.params["text"]
    assert sent.params["text"].startswith("Im ")
    assert [b["callback_data"] for b in sent.buttons()] == [
        "a:de:conference-dates",
        "v:de:+conference-venue",
        "v:de:-conference-venue",
    ]
    # Payloads are case-insensitive: QR scanners and people typing links change case.
    assert "конгресс-центре" in only(shouted, "sendMessage").params["text"]
    opened = only(topic, "sendMessage")
    assert opened.params["text"].startswith("<b>Youth exchange</b>")
    assert [b["callback_data"] for b in opened.buttons()][:2] == [
        "a:en:youth-exchange",
        "a:en:language-course",
    ]
    outdated = only(unknown, "sendMessage")
    assert "veraltet" in outdated.params["text"]
    assert [b["callback_data"] for b in outdated.buttons()] == ["t:de"]


@pytest.mark.parametrize(
    ("command", "lang", "expected"),
    [
        ("/help", "en", "How to use twinbot"),
        ("/help", "de", "@twinbot_test_bot"),
        ("/about", "ru", "4 ответа, 2 темы."),
        ("/about", "de", "geladen am 27.06.2015: 4 Antworten, 2 Themen."),
        ("/about", "en", "loaded on Jun 27, 2015: 4 answers, 2 topics."),
        ("/topics", "ru", "2 темы — выбери:"),
        ("/topics", "de", "2 Themen – wähl eins aus:"),
        ("/language", "en", "Choose your language:"),
        ("/nonsense", "en", "How to use twinbot"),
    ],
)
async def test_commands(
    api: FakeBotApi, tmp_path: Path, command: str, lang: str, expected: str
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message(command, lang=lang))
    assert expected in only(calls, "sendMessage").params["text"]


async def test_language_buttons_are_endonyms(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/language", lang="ru"))
    buttons = only(calls, "sendMessage").buttons()
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        ("Deutsch", "l:de"),
        ("Русский", "l:ru"),
        ("English", "l:en"),
    ]


# --- free text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "user_lang", "expected", "related"),
    [
        (DATES_EN, "en", "The conference takes place", "a:en:conference-venue"),
        ("Wann ist die Städtepartnerkonferenz?", "de", "Die Konferenz findet", "a:de:"),
        ("Когда пройдёт конференция городов-партнёров?", "en", "Конференция проходит", "a:ru:"),
    ],
)
async def test_free_text_is_answered_in_its_language_with_related_buttons(
    api: FakeBotApi, tmp_path: Path, text: str, user_lang: str, expected: str, related: str
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message(text, lang=user_lang))
        logged = bot.storage.questions()
    sent = only(calls, "sendMessage")
    assert sent.params["text"].startswith(expected)
    buttons = sent.buttons()
    assert 1 <= len(buttons) <= 5
    assert buttons[0]["callback_data"].startswith(related)
    # The last row asks whether the answer helped.
    assert [b["callback_data"].split(":")[0] for b in sent.markup()[-1]] == ["v", "v"]
    assert "reply_parameters" not in sent.params  # no quoting in private chats
    assert [(q.outcome, q.entry_id, q.text) for q in logged] == [
        ("answer", "conference-dates", None)
    ]


async def test_answer_only_in_english_says_so(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(callback_query=callback("a:ru:language-course", lang="ru"))
    sent = only(calls, "sendMessage")
    assert sent.params["text"].startswith("<i>Этот ответ есть только на английском.</i>")


async def test_unknown_question_gets_the_fallback_and_is_logged(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("qwxz vbnm plkj", lang="de"))
        logged = bot.storage.questions()
    sent = only(calls, "sendMessage")
    assert "Die Konferenz, Jugendaustausch" in sent.params["text"]
    assert "/topics" in sent.params["text"]
    assert [b["callback_data"] for b in sent.buttons()] == ["t:de"]
    assert [(q.outcome, q.text) for q in logged] == [("not_found", "qwxz vbnm plkj")]


class _Unsure(Responder):
    """A responder that is never sure: "did you mean" these two."""

    def understand(self, text: str, hint: Lang | None = None) -> Match:
        lang = hint or "en"
        return Match(
            Outcome.SUGGESTIONS,
            lang,
            None,
            (Candidate("conference-venue", 70.0), Candidate("youth-exchange", 65.0)),
        )


def _unsure() -> _Unsure:
    lexical = build_responder(KB, catalogs(), None)
    return _Unsure(KB, lexical.catalogs, lexical.fuser, lexical.calibration)


async def test_suggestions_are_buttons_in_the_users_language(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path, responder=_unsure()) as bot:
        calls = await bot.process(message=message("konferenz wo", lang="de"))
        logged = bot.storage.questions()
    sent = only(calls, "sendMessage")
    assert sent.params["text"] == (
        "Ich bin mir nicht sicher, was du meinst. Meinst du eine dieser Fragen?"
    )
    assert [(b["text"], b["callback_data"]) for b in sent.buttons()] == [
        ("Wo findet die Konferenz statt?", "a:de:conference-venue"),
        ("Wie kann ich an einem Jugendaustausch teilnehmen?", "a:de:youth-exchange"),
        ("Nichts davon → 📚 Themen", "t:de"),
    ]
    assert [(q.outcome, q.lang, q.text) for q in logged] == [("suggestions", "de", "konferenz wo")]


# --- buttons ---------------------------------------------------------------------------------


async def test_menus_change_in_place_and_answers_come_as_new_messages(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        answer = await bot.process(callback_query=callback("a:en:conference-venue"))
        topics = await bot.process(callback_query=callback("t:ru"))
        topic = await bot.process(callback_query=callback("t:de:exchange"))
    assert only(answer, "answerCallbackQuery").params.get("text") is None
    # The message with the button (an answer just read, or a menu) stays as it was.
    assert "editMessageText" not in [c.method for c in answer]
    sent = only(answer, "sendMessage")
    assert sent.params["text"].startswith("In the <a href=")
    assert sent.params["chat_id"] == "42"
    assert [b["callback_data"] for b in sent.buttons()] == [
        "a:en:conference-dates",
        "v:en:+conference-venue",
        "v:en:-conference-venue",
    ]

    listing = only(topics, "editMessageText")
    assert listing.params["text"] == "2 темы — выбери:"
    assert [b["callback_data"] for b in listing.buttons()] == ["t:ru:conference", "t:ru:exchange"]

    entries = only(topic, "editMessageText")
    assert entries.params["text"].startswith("<b>Jugendaustausch</b>\n2 Fragen")
    assert [b["callback_data"] for b in entries.buttons()] == [
        "a:de:youth-exchange",
        "a:de:language-course",
        "t:de",
    ]


@pytest.mark.parametrize(
    "data",
    [
        "a:en:no-such-entry",
        "t:en:no-such-topic",
        "zz:en:x",
        "a:xx:conference-dates",
        "",
        "a:en",
        "l:de:extra",
        "x" * 64,
    ],
)
async def test_stale_or_forged_buttons_get_a_localized_note(
    api: FakeBotApi, tmp_path: Path, data: str
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(callback_query=callback(data, lang="de"))
    answered = only(calls, "answerCallbackQuery")
    assert (
        answered.params["text"] == "Dieser Knopf ist veraltet. Schick /topics, um neu anzufangen."
    )
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_button_pressed_twice_is_not_an_error(api: FakeBotApi, tmp_path: Path) -> None:
    api.fail(
        "editMessageText",
        400,
        "Bad Request: message is not modified: specified new "
        "message content and reply markup are exactly the same",
    )
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(callback_query=callback("t:en"))
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]


# --- language --------------------------------------------------------------------------------


async def test_language_choice_is_saved_and_survives_a_restart(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        chosen = await bot.process(callback_query=callback("l:ru", lang="en"))
        after = await bot.process(message=message("/help", lang="en"))
        # The text's own language still wins over the saved choice.
        english = await bot.process(message=message(DATES_EN, lang="en"))
    confirmation = only(chosen, "editMessageText").params["text"]
    assert confirmation.startswith("Хорошо, теперь я говорю с тобой по-русски.")
    assert "Как пользоваться twinbot" in only(after, "sendMessage").params["text"]
    english_text = only(english, "sendMessage").params["text"]
    assert english_text.startswith("The conference") or english_text.startswith("Конференция")

    async with running_bot(api, KB, tmp_path) as bot:
        restarted = await bot.process(message=message("/start", lang="de"))
        other_user = await bot.process(message=message("/start", lang="de", user_id=43))
    assert only(restarted, "sendMessage").params["text"].startswith("Привет, Anna!")
    assert only(other_user, "sendMessage").params["text"].startswith("Hallo Anna!")


# --- other messages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 2}},
        {"location": {"latitude": 49.0, "longitude": 8.4}},
    ],
)
async def test_non_text_messages_get_a_short_hint(
    api: FakeBotApi, tmp_path: Path, content: dict[str, Any]
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message(lang="ru", **content))
        in_group = await bot.process(message=message(lang="ru", chat=GROUP, **content))
    assert only(calls, "sendMessage").params["text"] == (
        "Я понимаю только текст. Напиши мне вопрос или отправь /topics."
    )
    assert in_group == []


# --- groups ----------------------------------------------------------------------------------


async def test_groups_answer_only_when_addressed(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        chatter = await bot.process(message=message(DATES_EN, chat=GROUP))
        other_bot = await bot.process(message=message("/help@some_other_bot", chat=GROUP))
        reply_to_someone = await bot.process(
            message=message(
                DATES_EN,
                chat=GROUP,
                reply_to_message={
                    **bot_message("hi", GROUP, 5),
                    "from": {"id": 7, "is_bot": False, "first_name": "Max"},
                },
            )
        )
        mentioned = await bot.process(message=message(f"@twinbot_test_bot {DATES_EN}", chat=GROUP))
        replied = await bot.process(
            message=message(DATES_EN, chat=GROUP, reply_to_message=bot_message("…", GROUP))
        )
        command = await bot.process(message=message("/topics", chat=GROUP))
        addressed = await bot.process(message=message("/help@twinbot_test_bot", chat=GROUP))
        bare_mention = await bot.process(message=message("@twinbot_test_bot", chat=GROUP))
        logged = bot.storage.questions()
    assert chatter == other_bot == reply_to_someone == []
    for calls in (mentioned, replied):
        sent = only(calls, "sendMessage")
        assert sent.params["text"].startswith("The conference takes place")
        assert sent.params["chat_id"] == str(GROUP["id"])
        assert "reply_parameters" in sent.params  # quotes the question in groups
    assert only(command, "sendMessage").params["text"] == "2 topics — pick one:"
    assert "How to use twinbot" in only(addressed, "sendMessage").params["text"]
    assert only(bare_mention, "sendMessage").params["text"].startswith("Hi Anna!")
    assert len(logged) == 2


# --- inline mode -----------------------------------------------------------------------------


async def test_inline_query_offers_answers_in_the_querys_language(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        english = await bot.process(inline_query=inline_query(DATES_EN))
        russian = await bot.process(
            inline_query=inline_query("Когда пройдёт конференция городов-партнёров?")
        )
        empty = await bot.process(inline_query=inline_query("", lang="de"))
        nothing = await bot.process(inline_query=inline_query("qwxz vbnm plkj"))
    results = only(english, "answerInlineQuery").params["results"]
    assert 1 <= len(results) <= 10
    first = results[0]
    assert first["type"] == "article"
    assert first["id"] == "conference-dates"
    assert first["title"] == DATES_EN
    assert first["input_message_content"]["parse_mode"] == "HTML"
    assert "27 to 30 June 2015" in first["input_message_content"]["message_text"]
    assert first["reply_markup"]["inline_keyboard"][0][0]["url"] == (
        "https://t.me/twinbot_test_bot?start=conference-dates"
    )
    assert only(english, "answerInlineQuery").params["is_personal"] == "true"

    ru_results = only(russian, "answerInlineQuery").params["results"]
    assert ru_results[0]["input_message_content"]["message_text"].startswith("Конференция")
    assert ru_results[0]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Спросить twinbot"

    empty_results = only(empty, "answerInlineQuery").params["results"]
    assert [r["id"] for r in empty_results] == [e.id for e in KB.entries]
    assert empty_results[0]["title"] == "Wann ist die Städtepartnerkonferenz?"
    assert only(nothing, "answerInlineQuery").params["results"] == []


# --- failures --------------------------------------------------------------------------------


async def test_a_failing_send_is_logged_and_the_bot_keeps_going(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("sendMessage", 400, "Bad Request: chat not found")
    async with running_bot(api, KB, tmp_path) as bot:
        failed = await bot.process(message=message("/help", lang="de"))
        later = await bot.process(message=message("/help", lang="de"))
    assert [c.method for c in failed] == ["sendMessage", "sendMessage"]
    assert failed[1].params["text"] == (
        "Entschuldige, bei mir ist etwas schiefgelaufen. Versuch es gleich noch einmal."
    )
    assert "So funktioniert twinbot" in only(later, "sendMessage").params["text"]
    errors = [r for r in caplog.records if r.name == "twinbot.bot.app" and r.levelname == "ERROR"]
    assert errors and errors[0].exc_info is not None
    assert "chat not found" in str(errors[0].exc_info[1]).lower()


async def test_verbose_logs_never_contain_the_token(api: FakeBotApi, tmp_path: Path) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    levels = {n: logging.getLogger(n).level for n in ("twinbot", "httpx", "httpcore")}
    stream = io.StringIO()
    try:
        configure_logging(verbose=True, secrets=[TOKEN], stream=stream)
        api.fail("sendMessage", 400, f"Bad Request: echo {TOKEN}")
        async with running_bot(api, KB, tmp_path) as bot:
            await bot.process(message=message("/help"))
            await bot.process(message=message(DATES_EN))
            logging.getLogger("twinbot.test").warning("token %s", TOKEN)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    logs = stream.getvalue()
    assert "DEBUG twinbot" in logs  # --verbose really is verbose
    assert "echo [redacted]" in logs.lower()  # the error was logged, the token cut out
    assert TOKEN not in logs
    assert TOKEN.split(":")[1] not in logs


# --- webhook ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_webhook_mode_requires_the_secret_token(api: FakeBotApi, tmp_path: Path) -> None:
    port = _free_port()
    settings: dict[str, Any] = {
        "webhook_url": "https://bot.example.org/twinbot/hook",
        "listen": "127.0.0.1",
        "port": port,
    }
    async with running_bot(api, KB, tmp_path, **settings) as bot:
        set_webhook = only(api.calls, "setWebhook")
        secret = set_webhook.params["secret_token"]
        assert set_webhook.params["url"] == "https://bot.example.org/twinbot/hook"
        assert len(secret) >= 32
        assert "getUpdates" not in [c.method for c in api.calls]
        update = {"update_id": 501, "message": message("/help", lang="ru")}
        url = f"http://127.0.0.1:{port}/twinbot/hook"
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=update)
            wrong = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            await asyncio.sleep(0.1)
            assert 501 not in bot.done
            accepted = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            )
        await wait_until(lambda: 501 in bot.done)
    assert (missing.status_code, wrong.status_code, accepted.status_code) == (403, 403, 200)
    assert "Как пользоваться twinbot" in only(api.calls, "sendMessage").params["text"]
    assert BOT["username"] in only(api.calls, "sendMessage").params["text"]


# --- the shipped knowledge base ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "de", "ru"])
async def test_shipped_knowledge_answers_its_own_questions(
    api: FakeBotApi, tmp_path: Path, lang: Lang
) -> None:
    validate = pytest.importorskip("twinbot.validate")
    from twinbot.paths import bundled_knowledge_dir

    shipped = validate.load_valid_knowledge(bundled_knowledge_dir())
    entries = [e for e in shipped if lang in e.answer and e.questions.get(lang)][:3]
    answered = 0
    async with running_bot(api, shipped, tmp_path) as bot:
        for entry in entries:
            calls = await bot.process(message=message(entry.questions[lang][0], lang=lang))
            answered += only(calls, "sendMessage").params["text"] == entry.answer[lang]
        topics = await bot.process(message=message("/topics", lang=lang))
    # The wiring is under test here, not the matcher's recall: most canonical questions suffice.
    assert answered >= 2, f"only {answered} of {[e.id for e in entries]} answered in {lang}"
    # Small talk (greetings, thanks) answers but is not a topic to browse.
    buttons = only(topics, "sendMessage").buttons()
    assert len(buttons) == len(shipped.topics) - 1
    assert f"t:{lang}:bot" not in [b["callback_data"] for b in buttons]

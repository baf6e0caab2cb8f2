"""Closing the loop with people, through the real Application and the fake Bot API:
acknowledgements, "Helpful?" votes, messages to the organisers and back, /privacy."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auxil.bot_harness import GROUP, message, only, running_bot, user, wait_until
from auxil.fake_bot_api import BOT, Call, FakeBotApi
from auxil.responders import e5_responder
from auxil.sample_knowledge import sample_knowledge
from twinbot.bot.split import text_content, utf16_len
from twinbot.knowledge import Entry, KnowledgeBase, Topic
from twinbot.storage import DATABASE_NAME, Storage

KB = sample_knowledge()
ADMIN, ANNA = 7, 42
DATES_QUESTION = "When is the partner cities conference?"
HELLO = Entry(
    "hello",
    "chat",
    {"en": ("Hi!",), "de": ("Hallo!",), "ru": ("Привет!",)},
    {"en": "Hi! 👋", "de": "Hallo! 👋", "ru": "Привет! 👋"},
)
WITH_CHAT = KnowledgeBase(
    (Topic("chat", {"en": "Chat"}, ("hello",), kind="smalltalk"), *KB.topics),
    (HELLO, *KB.entries),
)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def press(data: str, sent: Call, *, user_id: int = ANNA, lang: str = "en") -> dict[str, Any]:
    """A press of a button under the message *sent* (as the bot sent it)."""
    result = sent.result
    return {
        "id": f"cb{time.monotonic_ns()}",
        "from": user(lang, user_id),
        "chat_instance": "instance-1",
        "data": data,
        "message": {
            "message_id": result["message_id"],
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Anna"},
            "from": BOT,
            "text": result["text"],
            "reply_markup": result.get("reply_markup"),
        },
    }


# --- acknowledgements and small talk ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("ok", "en", "👍 Anything else?"),
        ("👍", "de", "👍 Sonst noch was?"),
        ("ага", "ru", "👍 Что-нибудь ещё?"),
        ("jo", "de", "👍 Sonst noch was?"),
        ("lol", "en", "👍 Anything else?"),
    ],
)
async def test_acknowledgements_get_a_short_line_and_are_not_logged(
    api: FakeBotApi, tmp_path: Path, text: str, lang: str, expected: str
) -> None:
    async with running_bot(api, WITH_CHAT, tmp_path) as bot:
        calls = await bot.process(message=message(text, lang=lang))
        logged = bot.storage.questions()
    sent = only(calls, "sendMessage")
    assert sent.params["text"].startswith(expected)
    assert "reply_markup" not in sent.params
    assert logged == []


async def test_small_talk_answers_without_votes_and_is_counted_as_answered(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, WITH_CHAT, tmp_path) as bot:
        calls = await bot.process(message=message("Hallo!", lang="de"))
        empty_inline = await bot.process(
            inline_query={"id": "iq1", "from": user("en"), "query": "", "offset": ""}
        )
        logged = bot.storage.questions()
    sent = only(calls, "sendMessage")
    assert sent.params["text"] == "Hallo! 👋"
    assert "reply_markup" not in sent.params
    assert [(q.outcome, q.entry_id) for q in logged] == [("answer", "hello")]
    results = only(empty_inline, "answerInlineQuery").params["results"]
    assert "hello" not in [r["id"] for r in results]
    assert [r["id"] for r in results][:1] == ["conference-dates"]


# --- votes -----------------------------------------------------------------------------------


async def test_one_vote_per_answer_stored_without_ids_and_the_buttons_go(
    api: FakeBotApi, tmp_path: Path
) -> None:
    question = "When is the partner cities conference?"
    async with running_bot(api, KB, tmp_path) as bot:
        answer = only(await bot.process(message=message(question)), "sendMessage")
        down = await bot.process(callback_query=press("v:en:-conference-dates", answer))
        again = await bot.process(callback_query=press("v:en:+conference-dates", answer))
        votes = bot.storage.votes_between()
    assert only(down, "answerCallbackQuery").params["text"].startswith("Thanks for telling me")
    # The vote row goes; the follow-up buttons stay.
    kept = only(down, "editMessageReplyMarkup").params["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for row in kept for b in row] == [
        "a:en:conference-venue",
        "a:en:youth-exchange",
    ]
    assert only(again, "answerCallbackQuery").params["text"] == (
        "You already rated this answer. Thanks!"
    )
    assert [(v.entry_id, v.helpful, v.question) for v in votes] == [
        ("conference-dates", False, question)
    ]


async def test_no_votes_in_groups(api: FakeBotApi, tmp_path: Path) -> None:
    text = f"@{BOT['username']} When is the partner cities conference?"
    async with running_bot(api, KB, tmp_path) as bot:
        answer = only(await bot.process(message=message(text, chat=GROUP)), "sendMessage")
        in_group = press("a:en:conference-venue", answer)
        in_group["message"]["chat"] = GROUP
        followed = only(await bot.process(callback_query=in_group), "sendMessage")
    for sent in (answer, followed):
        data = [b["callback_data"] for b in sent.buttons()]
        assert data and not [d for d in data if d.startswith("v:")]
    assert followed.params["chat_id"] == str(GROUP["id"])


# --- a way to the organisers -----------------------------------------------------------------


async def test_without_admins_feedback_is_an_unknown_command(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/feedback"))
        refusal = await bot.process(message=message("zzzz qqqq xxxx"))
    text = only(calls, "sendMessage").params["text"]
    assert text.startswith("I don't know the command /feedback.\n\n<b>How to use twinbot</b>")
    assert "/feedback —" not in text
    assert [b["callback_data"] for b in only(refusal, "sendMessage").buttons()] == ["t:en"]


async def test_a_message_goes_to_the_admins_and_their_reply_comes_back(
    api: FakeBotApi, tmp_path: Path
) -> None:
    admins = frozenset({ADMIN})
    async with running_bot(api, KB, tmp_path, admins=admins) as bot:
        refusal = only(await bot.process(message=message("zzzz qqqq", lang="de")), "sendMessage")
        assert [b["callback_data"] for b in refusal.buttons()] == ["t:de", "o:de"]
        prompt = await bot.process(callback_query=press("o:de", refusal, lang="de"))
        passed = await bot.process(message=message("Wo kann ich parken?", lang="de"))
        copy = passed[0]
        reply_to = {
            "message_id": copy.result["message_id"],
            "date": int(time.time()),
            "chat": {"id": ADMIN, "type": "private", "first_name": "Olga"},
            "from": BOT,
            "text": copy.result["text"],
        }
        answered = await bot.process(
            message=message("Am Bahnhof.", lang="en", user_id=ADMIN, reply_to_message=reply_to)
        )
        after = await bot.process(message=message("Wo kann ich parken?", lang="de"))
        logged = bot.storage.questions()
    assert (
        "Telegram-Namen (nicht deiner Telefonnummer)" in only(prompt, "sendMessage").params["text"]
    )
    to_admin, to_user = passed
    assert (to_admin.params["chat_id"], to_user.params["chat_id"]) == (str(ADMIN), str(ANNA))
    assert to_admin.params["text"].startswith("✉️ <b>Message from Anna</b> (de):")
    assert "Wo kann ich parken?" in to_admin.params["text"]
    assert to_user.params["text"].startswith("✅ An das Orga-Team gesendet.")
    delivered = {c.params["chat_id"]: c.params["text"] for c in answered}
    assert delivered[str(ANNA)] == "✉️ <b>Antwort vom Orga-Team:</b>\n\nAm Bahnhof."
    assert delivered[str(ADMIN)] == "✅ Your reply was delivered."
    # Only the one message went to the organisers; the next one is a question again.
    assert only(after, "sendMessage").params["chat_id"] == str(ANNA)
    assert [q.text for q in logged] == ["Wo kann ich parken?", "zzzz qqqq"]  # newest first


async def test_feedback_command_and_cancel(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path, admins=frozenset({ADMIN})) as bot:
        prompt = await bot.process(message=message("/feedback", lang="ru"))
        cancelled = await bot.process(message=message("/cancel", lang="ru"))
        question = await bot.process(message=message("zzzz qqqq", lang="ru"))
        help_ = await bot.process(message=message("/help"))
    assert "не номером телефона" in only(prompt, "sendMessage").params["text"]
    assert only(cancelled, "sendMessage").params["text"] == "Хорошо, ничего не отправлено."
    assert only(question, "sendMessage").params["chat_id"] == str(ANNA)
    assert "/feedback —" in only(help_, "sendMessage").params["text"]


# --- /privacy and unknown commands -----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "What twinbot stores"), ("de", "Was twinbot speichert"), ("ru", "Что хранит twinbot")],
)
async def test_privacy_in_three_languages(
    api: FakeBotApi, tmp_path: Path, lang: str, expected: str
) -> None:
    async with running_bot(api, KB, tmp_path, retention_days=90) as bot:
        calls = await bot.process(message=message("/privacy", lang=lang))
    text = only(calls, "sendMessage").params["text"]
    assert expected in text
    assert "90" in text


async def test_an_unknown_command_says_so_before_the_help(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/foo", lang="de"))
    text = only(calls, "sendMessage").params["text"]
    assert text.startswith("Den Befehl /foo kenne ich nicht.\n\n<b>So funktioniert twinbot</b>")


# --- retention -------------------------------------------------------------------------------


async def test_old_questions_votes_and_unused_choices_are_deleted_at_start(
    api: FakeBotApi, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from twinbot.storage import Storage

    long_ago = datetime.now(UTC) - timedelta(days=40)
    with Storage.open(tmp_path) as storage:
        storage.log_question("en", "not_found", None, "old, with a name in it", now=long_ago)
        storage.log_question("en", "not_found", None, "recent")
        storage.record_vote("v", "en", "conference-dates", False, "old", now=long_ago)
        storage.set_language(ANNA, "ru")
        storage.set_language(43, "de")
        storage._db.execute(
            "UPDATE user_languages SET seen = ? WHERE user_id = 43", (long_ago.isoformat(),)
        )
    async with running_bot(api, KB, tmp_path, retention_days=30) as bot:
        await bot.process(message=message("/help"))
        kept = [q.text for q in bot.storage.questions()]
        votes = bot.storage.votes_between()
        languages = (bot.storage.language_of(ANNA), bot.storage.language_of(43))
    assert kept == ["recent"]
    assert votes == []
    assert languages == ("ru", None)


# --- menus within Telegram's limits ------------------------------------------------------------


async def test_thousands_of_topics_are_paged(api: FakeBotApi, tmp_path: Path) -> None:
    count = 3006
    entries = tuple(
        Entry(f"e{n}", f"t{n}", {"en": (f"Question number {n}?",)}, {"en": "A."})
        for n in range(count)
    )
    topics = tuple(
        Topic(f"t{n}", {"en": f"Topic {n} with a title of some length"}, (f"e{n}",))
        for n in range(count)
    )
    many = KnowledgeBase(topics, entries)
    async with running_bot(api, many, tmp_path) as bot:
        first = only(await bot.process(message=message("/topics")), "sendMessage")
        press = {
            "id": "cb-page",
            "from": user("en"),
            "chat_instance": "instance-1",
            "data": "p:en:1",
            "message": {
                "message_id": first.result["message_id"],
                "date": int(time.time()),
                "chat": {"id": ANNA, "type": "private", "first_name": "Anna"},
                "from": BOT,
                "text": first.result["text"],
            },
        }
        second = only(await bot.process(callback_query=press), "editMessageText")
    assert first.params["text"] == "3,006 topics — pick one:"
    for sent in (first, second):
        assert len(sent.buttons()) <= 100
        assert len(json.dumps(sent.params["reply_markup"]).encode()) < 10_000
    assert [b["callback_data"] for b in first.buttons()][:2] == ["t:en:t0", "t:en:t1"]
    assert [b["text"] for b in first.markup()[-1]] == ["1 of 151", "›"]
    assert second.buttons()[0]["callback_data"] == "t:en:t20"
    assert [b["text"] for b in second.markup()[-1]] == ["‹", "2 of 151", "›"]


async def test_a_long_message_to_the_organisers_still_fits_one_message(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path, admins=frozenset({ADMIN})) as bot:
        await bot.process(message=message("/feedback"))
        passed = await bot.process(message=message("<&> " * 1000))
    to_admin = passed[0]
    assert to_admin.params["chat_id"] == str(ADMIN)
    # Telegram counts the text as shown (entities decoded, tags removed), in UTF-16 units.
    shown = text_content(to_admin.params["text"])
    assert utf16_len(shown) <= 4096
    assert "&lt;&amp;&gt;" in to_admin.params["text"]


# --- through the durable inbox ---------------------------------------------------------------


def inbox_states(data_dir: Path) -> dict[int, str]:
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        return dict(db.execute("SELECT update_id, state FROM inbox ORDER BY update_id"))


async def test_votes_messages_to_the_organisers_and_replies_go_through_the_inbox(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path, admins=frozenset({ADMIN})) as bot:
        answer = only(await bot.process(message=message(DATES_QUESTION)), "sendMessage")
        await bot.process(callback_query=press("v:en:-conference-dates", answer))
        await bot.process(message=message("/feedback"))
        copy = (await bot.process(message=message("Where can I park?")))[0]
        reply_to = {
            "message_id": copy.result["message_id"],
            "date": int(time.time()),
            "chat": {"id": ADMIN, "type": "private", "first_name": "Olga"},
            "from": BOT,
            "text": copy.result["text"],
        }
        await bot.process(
            message=message("At the station.", user_id=ADMIN, reply_to_message=reply_to)
        )
        await wait_until(lambda: len(inbox_states(tmp_path)) == 5)
        await wait_until(lambda: set(inbox_states(tmp_path).values()) == {"done"})
        votes = bot.storage.votes_between()
    assert [(v.entry_id, v.helpful) for v in votes] == [("conference-dates", False)]
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        assert db.execute("SELECT count(*) FROM relays").fetchone() == (1,)
        # Answered updates keep no text, ids or names.
        assert db.execute("SELECT count(*) FROM inbox WHERE body IS NOT NULL").fetchone() == (0,)


async def test_a_vote_left_unfinished_by_a_crash_is_answered_again_and_counted_once(
    api: FakeBotApi, tmp_path: Path
) -> None:
    # The last run stored the vote, then died before the update was marked done.
    answer = {"message_id": 500, "date": int(time.time()), "text": "The conference…"}
    pressed = {
        "update_id": 1,
        "callback_query": {
            "id": "cb-crash",
            "from": user("en", ANNA),
            "chat_instance": "instance-1",
            "data": "v:en:+conference-dates",
            "message": {
                **answer,
                "chat": {"id": ANNA, "type": "private", "first_name": "Anna"},
                "from": BOT,
            },
        },
    }
    with Storage.open(tmp_path) as storage:
        voter = storage.voter_key(ANNA, ANNA, 500)
        assert storage.record_vote(voter, "en", "conference-dates", True)
        storage.inbox_add([(1, json.dumps(pressed))])
    async with running_bot(api, KB, tmp_path) as bot:
        await wait_until(lambda: inbox_states(tmp_path) == {1: "done"})
        votes = bot.storage.votes_between()
    [told] = api.calls_to("answerCallbackQuery")
    assert told.params["text"] == "You already rated this answer. Thanks!"
    assert [(v.entry_id, v.helpful) for v in votes] == [("conference-dates", True)]


async def test_with_e5_small_talk_answers_thanks_but_not_a_bare_acknowledgement(
    api: FakeBotApi, tmp_path: Path
) -> None:
    # e5 puts "haha" near the greeting and "🙂" near the thanks (confidence ~75), though no
    # word of theirs is in small talk: those stay acknowledgements; "ok danke" is thanks.
    responder = e5_responder()
    async with running_bot(api, responder.knowledge, tmp_path, responder=responder) as bot:
        replies = {
            text: only(await bot.process(message=message(text, lang="de")), "sendMessage")
            for text in ("haha", "🙂", "ja", "ok danke")
        }
        logged = bot.storage.questions()
    for text in ("haha", "🙂", "ja"):
        assert (
            replies[text].params["text"] == "👍 Sonst noch was? Frag einfach oder schick /topics."
        )
    assert replies["ok danke"].params["text"].startswith("Gern geschehen!")
    assert [q.entry_id for q in logged] == ["thanks"]

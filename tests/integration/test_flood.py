"""Floods and long texts through the real Application: a flooding user is slowed down with one
note while everyone else is answered; answers over 4096 characters arrive in balanced parts.

Flood control runs on a clock the tests hold still or move by hand: no test depends on timing.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from auxil.bot_harness import GROUP, callback, inline_query, message, running_bot, wait_until
from auxil.fake_bot_api import Call, FakeBotApi
from auxil.sample_knowledge import CONFERENCE_DATES, sample_knowledge
from auxil.telegram_html import assert_telegram_html
from twinbot.bot.split import MESSAGE_LIMIT, text_content, utf16_len
from twinbot.bot.throttle import Throttle
from twinbot.knowledge import KnowledgeBase

KB = sample_knowledge()
DATES_EN = CONFERENCE_DATES.questions["en"][0]
SLOW_DOWN = {
    "en": "You're sending messages faster than I can read them.",
    "de": "Du schickst Nachrichten schneller, als ich sie lesen kann.",
    "ru": "Ты присылаешь сообщения быстрее, чем я успеваю их читать.",
}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def sent_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in api.calls_to("sendMessage")
        if c.params.get("chat_id") == str(chat_id)
    ]


# --- floods ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "de", "ru"])
async def test_a_flooding_user_gets_one_note_and_everyone_else_is_answered(
    api: FakeBotApi, tmp_path: Path, lang: str
) -> None:
    clock = Clock()
    throttle = Throttle(3, 6, clock=clock)
    async with running_bot(api, KB, tmp_path, throttle=throttle) as bot:
        ids = []
        for number in range(50):  # "50 messages a second": the clock does not move
            ids.append(api.push(message=message(DATES_EN, lang=lang, user_id=1)))
            if number % 10 == 0:
                ids.append(api.push(message=message("/help", user_id=2 + number)))
        await wait_until(lambda: set(ids) <= bot.done)
        flooder = sent_to(api, 1)
        assert len(flooder) == 3 + 1
        assert [t for t in flooder if t.startswith(SLOW_DOWN[lang])] == [flooder[3]]
        for number in range(0, 50, 10):
            (reply,) = sent_to(api, 2 + number)
            assert "/topics" in reply  # everyone else: the help text, not a note
        # Ten seconds later one token is back: the flooder is answered again, no second note.
        clock.now += 10
        await bot.process(message=message(DATES_EN, lang=lang, user_id=1))
        await bot.process(message=message(DATES_EN, lang=lang, user_id=1))
        logged = bot.storage.questions(limit=100)
    flooder = sent_to(api, 1)
    assert len(flooder) == 5
    assert sum(t.startswith(SLOW_DOWN[lang]) for t in flooder) == 1
    assert len(logged) == 4  # dropped questions are not answered, so not logged either


async def test_group_chatter_never_counts_against_anyone(api: FakeBotApi, tmp_path: Path) -> None:
    throttle = Throttle(1, 1, clock=Clock())
    async with running_bot(api, KB, tmp_path, throttle=throttle) as bot:
        for _ in range(10):
            await bot.process(message=message(DATES_EN, chat=GROUP))
            await bot.process(message=message("/help@some_other_bot", chat=GROUP))
        mentioned = await bot.process(message=message(f"@twinbot_test_bot {DATES_EN}", chat=GROUP))
        again = await bot.process(message=message(f"@twinbot_test_bot {DATES_EN}", chat=GROUP))
        third = await bot.process(message=message(f"@twinbot_test_bot {DATES_EN}", chat=GROUP))
    assert [c.method for c in mentioned] == ["sendMessage"]
    assert "The conference takes place" in mentioned[0].params["text"]
    assert again[0].params["text"].startswith(SLOW_DOWN["en"])
    assert "reply_parameters" in again[0].params  # in a group the note says whom it means
    assert third == []


async def test_button_floods_get_the_note_as_a_toast(api: FakeBotApi, tmp_path: Path) -> None:
    throttle = Throttle(2, 1, clock=Clock())
    async with running_bot(api, KB, tmp_path, throttle=throttle) as bot:
        calls: list[Call] = []
        for _ in range(6):
            calls += await bot.process(callback_query=callback("t:de", lang="de"))
    answers = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
    assert len([c for c in calls if c.method == "editMessageText"]) == 2
    # two presses answered, one toast, then silence
    assert answers[:2] == [None, None]
    assert len(answers) == 3 and str(answers[2]).startswith(SLOW_DOWN["de"])


async def test_inline_floods_are_dropped_silently_and_spare_the_chat(
    api: FakeBotApi, tmp_path: Path
) -> None:
    throttle = Throttle(2, 1, clock=Clock())
    async with running_bot(api, KB, tmp_path, throttle=throttle) as bot:
        for _ in range(5):
            await bot.process(inline_query=inline_query(DATES_EN))
        chat = await bot.process(message=message(DATES_EN))
    assert len(api.calls_to("answerInlineQuery")) == 2
    assert "The conference takes place" in chat[0].params["text"]


async def test_flood_control_can_be_turned_off(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path, flood_burst=0) as bot:
        assert bot.application.bot_data.throttle is None
        ids = [api.push(message=message("/help")) for _ in range(30)]
        await wait_until(lambda: set(ids) <= bot.done)
    assert len(sent_to(api, 42)) == 30


# --- long answers ----------------------------------------------------------------------------


def long_knowledge() -> tuple[KnowledgeBase, str]:
    paragraph = (
        "<b>Karlsruhe</b> and <i>Krasnodar</i> have been partner cities since 1992 &amp; "
        'their <a href="https://example.org/?a=1&amp;b=2">youth exchange</a> is older still. '
    ) * 12
    answer = "\n\n".join([paragraph] * 5) + "\n\n<b>" + "Nochmal. " * 200 + "</b>"
    entry = replace(CONFERENCE_DATES, answer={**CONFERENCE_DATES.answer, "en": answer})
    knowledge = KnowledgeBase(
        KB.topics, tuple(entry if e.id == entry.id else e for e in KB.entries)
    )
    return knowledge, answer


def check_parts(parts: list[Call], answer: str) -> None:
    texts = [str(c.params["text"]) for c in parts]
    assert len(texts) >= 2
    for text in texts:
        assert utf16_len(text_content(text)) <= MESSAGE_LIMIT
        assert_telegram_html(text)
    assert "".join(text_content(t) for t in texts) == text_content(answer)
    for text in texts[:-1]:
        assert text_content(text).endswith("\n\n")  # cut at paragraphs
    assert all(not c.markup() for c in parts[:-1])
    assert parts[-1].markup()  # the buttons come last


async def test_a_long_answer_arrives_in_parts_with_the_buttons_last(
    api: FakeBotApi, tmp_path: Path
) -> None:
    knowledge, answer = long_knowledge()
    async with running_bot(api, knowledge, tmp_path) as bot:
        calls = await bot.process(message=message("/start conference-dates"))
    check_parts([c for c in calls if c.method == "sendMessage"], answer)


async def test_a_long_answer_behind_a_button_comes_as_new_messages(
    api: FakeBotApi, tmp_path: Path
) -> None:
    knowledge, answer = long_knowledge()
    async with running_bot(api, knowledge, tmp_path) as bot:
        calls = await bot.process(callback_query=callback("a:en:conference-dates"))
    methods = [c.method for c in calls if c.method != "answerCallbackQuery"]
    # The message with the button stays; the answer follows it, in parts.
    assert len(methods) > 1
    assert set(methods) == {"sendMessage"}
    check_parts([c for c in calls if c.method == "sendMessage"], answer)


async def test_a_users_name_is_escaped_and_the_reply_stays_valid(
    api: FakeBotApi, tmp_path: Path
) -> None:
    update = message("/start")
    update["from"]["first_name"] = "<b>Max</b> & </a> *_`"
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=update)
    text = str(calls[0].params["text"])
    assert_telegram_html(text)
    assert html.escape("<b>Max</b> & </a> *_`") in text

"""Bot API faults, injected by the fake server: the bot backs off, retries, keeps every reply it
owes, keeps chats apart, and after a restart answers each update exactly once."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.request import HTTPXRequest

from auxil.bot_harness import message, only, running_bot, wait_until
from auxil.fake_bot_api import Answer, Delay, Drop, Fail, FakeBotApi, Fault
from auxil.sample_knowledge import sample_knowledge

KB = sample_knowledge()
HELP_EN = "How to use twinbot"
SORRY_EN = "Sorry, something went wrong on my side"


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def texts(api: FakeBotApi) -> list[str]:
    return [str(c.params.get("text", "")) for c in api.calls_to("sendMessage")]


# --- sending ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fail(429, "Too Many Requests: retry after 1", {"retry_after": 1}),
        Fail(500, "Internal Server Error"),
        Fail(502, "Bad Gateway"),
        Fail(504, "Gateway Timeout"),
        Drop(),
        Delay(1.0),  # longer than the client's read timeout below
    ],
    ids=["429", "500", "502", "504", "dropped", "read-timeout"],
)
async def test_a_reply_that_failed_on_the_way_is_sent_again(
    api: FakeBotApi, tmp_path: Path, fault: Fault
) -> None:
    api.inject("sendMessage", fault, times=2 if not isinstance(fault, Fail) else 1)
    request = HTTPXRequest(connection_pool_size=8, read_timeout=0.3)
    async with running_bot(api, KB, tmp_path, request=request) as bot:
        calls = await bot.process(message=message("/help"))
        later = await bot.process(message=message("/about"))
    sends = [c for c in calls if c.method == "sendMessage"]
    assert len(sends) >= 2
    assert all(HELP_EN in str(c.params["text"]) for c in sends)  # the same reply, never "sorry"
    assert "loaded on" in only(later, "sendMessage").params["text"]


async def test_retries_are_bounded_and_the_user_is_told(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("sendMessage", 502, "Bad Gateway", times=6)  # every attempt of the reply
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/help"))
        later = await bot.process(message=message("/help"))
    sends = [str(c.params["text"]) for c in calls if c.method == "sendMessage"]
    assert len(sends) == 7
    assert sends[-1].startswith(SORRY_EN)
    assert HELP_EN in only(later, "sendMessage").params["text"]
    assert "sendMessage failed 6 times, giving up" in caplog.text


async def test_refused_replies_are_not_repeated(api: FakeBotApi, tmp_path: Path) -> None:
    api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/help"))
    # one refused reply, then one attempt at the error note (which arrives)
    assert [c.method for c in calls] == ["sendMessage", "sendMessage"]


# --- polling -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "logged"),
    [
        (Fail(500, "Internal Server Error"), "getUpdates failed: Internal Server Error"),
        (Fail(502, "Bad Gateway"), "getUpdates failed: Bad Gateway"),
        (
            Fail(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            ),
            "another process is polling with this token",
        ),
        (Drop(), "getUpdates failed: httpx.RemoteProtocolError"),
        (Fail(429, "Too Many Requests: retry after 1", {"retry_after": 1}), ""),
    ],
    ids=["500", "502", "409-conflict", "dropped", "429"],
)
async def test_polling_survives_failures_and_loses_nothing(
    api: FakeBotApi,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    logged: str,
) -> None:
    api.inject("getUpdates", fault, times=2)
    update_id = api.push(message=message("/help"))
    async with running_bot(api, KB, tmp_path) as bot:
        await wait_until(lambda: update_id in bot.done, timeout=15)
        calls = await bot.process(message=message("/about"))
    assert sum(HELP_EN in t for t in texts(api)) == 1
    assert "loaded on" in only(calls, "sendMessage").params["text"]
    assert logged in caplog.text
    # one warning line per failure, no tracebacks
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- order and fairness ------------------------------------------------------------------------


async def test_a_chat_waiting_for_its_reply_holds_up_nobody_else(
    api: FakeBotApi, tmp_path: Path
) -> None:
    release = api.hold("sendMessage", when=lambda call: call.params.get("chat_id") == "201")
    async with running_bot(api, KB, tmp_path) as bot:
        slow = api.push(message=message("/help", user_id=201))
        slow_again = api.push(message=message("/about", user_id=201))
        other = api.push(message=message("/help", user_id=202))
        await wait_until(lambda: other in bot.done)
        assert slow not in bot.done and slow_again not in bot.done
        release.set()
        await wait_until(lambda: {slow, slow_again} <= bot.done)
    by_chat = [(c.params["chat_id"], str(c.params["text"])) for c in api.calls_to("sendMessage")]
    # chat 201's replies in the order it asked, the second only after the first was through
    replies_201 = [text for chat, text in by_chat if chat == "201"]
    assert HELP_EN in replies_201[0] and "loaded on" in replies_201[1]


# --- restarts ------------------------------------------------------------------------------


async def test_a_restart_neither_repeats_nor_loses_an_update(
    api: FakeBotApi, tmp_path: Path
) -> None:
    users = list(range(300, 320))
    # The bot is asked to stop while it still owes chat 305 its reply.
    release = api.hold("sendMessage", when=lambda call: call.params.get("chat_id") == "305")
    first = [api.push(message=message("/help", user_id=u)) for u in users[:10]]
    async with running_bot(api, KB, tmp_path) as bot:
        await wait_until(lambda: len(bot.done) >= 9)

        async def release_once_stopping() -> None:
            inbox = bot.application.bot_data.inbox
            await wait_until(lambda: inbox is not None and not inbox.polling)
            release.set()

        releasing = asyncio.create_task(release_once_stopping())
    await releasing
    assert set(first) <= bot.done
    assert api.pending() == []  # everything fetched was confirmed on the way out
    # Questions keep coming while the bot is down …
    second = [api.push(message=message("/help", user_id=u)) for u in users[10:]]
    async with running_bot(api, KB, tmp_path) as restarted:
        await wait_until(lambda: set(second) <= restarted.done)
    assert not set(first) & restarted.done  # … and only those are handled after the restart
    answered = Counter(c.params["chat_id"] for c in api.calls_to("sendMessage"))
    assert answered == Counter({str(u): 1 for u in users})


@pytest.mark.parametrize("result", [{"unexpected": "shape"}, [1, 2], "text"])
async def test_a_sent_message_whose_answer_cannot_be_read_is_still_sent(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture, result: object
) -> None:
    api.inject("sendMessage", Answer(result))
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("qwxz vbnm plkj"))
        logged = bot.storage.questions(limit=5)
    # One message, no "something went wrong" on top of it; the question is logged all the same.
    assert len([c for c in calls if c.method == "sendMessage"]) == 1
    assert [q.text for q in logged] == ["qwxz vbnm plkj"]
    assert "a message was sent, but Telegram's answer could not be read" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

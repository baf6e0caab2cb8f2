"""The durable inbox through the real Application and the fake Bot API: updates are committed
before they are confirmed, unfinished ones are answered first after a restart, and an update
nobody can handle is set aside while everything after it is answered."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auxil.bot_harness import message, running_bot, wait_until
from auxil.fake_bot_api import Call, FakeBotApi
from auxil.sample_knowledge import sample_knowledge
from twinbot.bot.inbox import MAX_TRIES
from twinbot.storage import DATABASE_NAME, Storage

KB = sample_knowledge()
HELP_EN = "How to use twinbot"


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def texts_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in api.calls_to("sendMessage")
        if c.params.get("chat_id") == str(chat_id)
    ]


def states(data_dir: Path) -> dict[int, str]:
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        return dict(db.execute("SELECT update_id, state FROM inbox ORDER BY update_id"))


async def test_an_update_is_in_the_inbox_before_the_offset_confirms_it(
    api: FakeBotApi, tmp_path: Path
) -> None:
    seen_at_confirmation: list[dict[int, str]] = []

    def on_call(call: Call) -> None:
        # The moment a getUpdates carries an offset, everything below it must be committed.
        if call.method == "getUpdates" and call.params.get("offset"):
            seen_at_confirmation.append(states(tmp_path))

    async with running_bot(api, KB, tmp_path) as bot:
        api.on_call = on_call
        update_id = api.push(message=message("/help", user_id=51))
        await wait_until(lambda: update_id in bot.done)
        await wait_until(lambda: bool(seen_at_confirmation))
    assert all(update_id in seen for seen in seen_at_confirmation)
    assert states(tmp_path) == {update_id: "done"}
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:  # the body is gone once answered
        assert db.execute("SELECT body FROM inbox").fetchall() == [(None,)]


async def test_an_unreadable_update_is_set_aside_and_the_next_is_answered(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A message without chat or date: python-telegram-bot cannot build an Update from it.
    poison = api.push(message={"message_id": 1, "text": "secret words of Anna"})
    good = api.push(message=message("/help", user_id=52))
    with caplog.at_level(logging.INFO):
        async with running_bot(api, KB, tmp_path) as bot:
            await wait_until(lambda: good in bot.done)
            await wait_until(lambda: api.pending() == [])  # confirmed: not fetched again
            getupdates = len(api.calls_to("getUpdates"))
            await wait_until(lambda: len(api.calls_to("getUpdates")) > getupdates + 3)
    assert HELP_EN in texts_to(api, 52)[0]
    assert states(tmp_path) == {poison: "set_aside", good: "done"}
    lines = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert lines == [
        f"update {poison} cannot be read (KeyError); set aside in the inbox, answering the next"
    ]
    assert "secret words" not in caplog.text  # no user data in the log
    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:  # kept for the organisers
        [(body,)] = db.execute("SELECT body FROM inbox WHERE state = 'set_aside'")
    assert json.loads(body)["message"]["text"] == "secret words of Anna"


def _leave_unfinished(data_dir: Path, updates: list[dict[str, Any]], tries: int = 0) -> None:
    """An inbox as a crashed run leaves it: committed, never marked done."""
    with Storage.open(data_dir) as storage:
        storage.inbox_add((int(u["update_id"]), json.dumps(u)) for u in updates)
    with sqlite3.connect(data_dir / DATABASE_NAME) as db:
        db.execute("UPDATE inbox SET tries = ?", (tries,))


async def test_unfinished_updates_are_answered_first_in_each_chats_order(
    api: FakeBotApi, tmp_path: Path
) -> None:
    left = [
        {"update_id": 10, "message": message("/help", user_id=61)},
        {"update_id": 11, "message": message("/about", user_id=61)},
        {"update_id": 12, "message": message("/help", user_id=62)},
    ]
    _leave_unfinished(tmp_path, left)
    newer = api.push(message=message("/topics", user_id=61))
    async with running_bot(api, KB, tmp_path) as bot:
        await wait_until(lambda: {10, 11, 12, newer} <= bot.done)
    replies = texts_to(api, 61)
    assert len(replies) == 3
    assert HELP_EN in replies[0] and "loaded on" in replies[1]  # then /topics, the new one
    assert HELP_EN in texts_to(api, 62)[0]
    assert set(states(tmp_path).values()) == {"done"}


async def test_an_update_unfinished_in_every_run_is_set_aside(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _leave_unfinished(
        tmp_path, [{"update_id": 20, "message": message("/help", user_id=63)}], tries=MAX_TRIES
    )
    async with running_bot(api, KB, tmp_path) as bot:
        await bot.process(message=message("/help", user_id=64))
    assert texts_to(api, 63) == []
    assert states(tmp_path)[20] == "set_aside"
    assert f"update 20 was not finished in {MAX_TRIES} runs; set aside" in caplog.text


async def test_an_update_delivered_again_is_answered_once(api: FakeBotApi, tmp_path: Path) -> None:
    # Update 1 was answered and marked done, but its confirmation never reached Telegram.
    with Storage.open(tmp_path) as storage:
        body = {"update_id": 1, "message": message("/help", user_id=65)}
        storage.inbox_add([(1, json.dumps(body))])
        storage.finish_update(1)
    again = api.push(message=message("/help", user_id=65))
    new = api.push(message=message("/about", user_id=65))
    assert again == 1
    async with running_bot(api, KB, tmp_path) as bot:
        await wait_until(lambda: new in bot.done)
        await wait_until(lambda: api.pending() == [])
    assert again not in bot.done
    [reply] = texts_to(api, 65)
    assert "loaded on" in reply


async def test_a_database_that_refuses_writes_does_not_stop_the_answers(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        # SQLite's own read-only switch: every write fails as on a read-only file.
        with bot.storage._lock:
            bot.storage._db.execute("PRAGMA query_only = ON")
        calls = await bot.process(message=message("/help", user_id=66))
        assert HELP_EN in str(calls[-1].params["text"])
        assert "answering them without the inbox" in caplog.text
        with bot.storage._lock:
            bot.storage._db.execute("PRAGMA query_only = OFF")
        again = api.push(message=message("/about", user_id=66))
        await wait_until(lambda: again in bot.done)
        await wait_until(lambda: states(tmp_path).get(again) == "done")
    assert len(texts_to(api, 66)) == 2

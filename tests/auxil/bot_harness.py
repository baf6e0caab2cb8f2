"""Runs the real Application against `FakeBotApi` and builds Bot API updates as JSON.

`RunningBot.process(update)` queues one update on the fake server and returns the Bot API calls
the bot made while handling it: the Application records each update it has finished handling,
so the tests wait for exactly that instead of sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.request import BaseRequest

from auxil.fake_bot_api import BOT, TOKEN, Call, FakeBotApi
from twinbot.assembly import build_responder
from twinbot.bot.app import build_application, serve
from twinbot.bot.context import BotApplication, Services
from twinbot.bot.delivery import DeliveryPolicy
from twinbot.bot.throttle import Throttle
from twinbot.config import Secret, Settings
from twinbot.i18n import Catalogs
from twinbot.knowledge import KnowledgeBase
from twinbot.responder import Responder
from twinbot.storage import Storage

LOADED_AT = datetime(2015, 6, 27, 9, 30, tzinfo=UTC)
_message_ids = itertools.count(1)
_CATALOGS: Catalogs | None = None


def catalogs() -> Catalogs:
    global _CATALOGS
    if _CATALOGS is None:
        _CATALOGS = Catalogs.load()
    return _CATALOGS


def settings_for(api: FakeBotApi, data_dir: Path, **changes: Any) -> Settings:
    # No folder watching unless a test asks for it: the shipped knowledge/ is not the bot's.
    base = Settings(token=Secret(TOKEN), api_url=api.base_url, data_dir=data_dir, reload="off")
    return replace(base, **changes)


class RunningBot:
    """The Application serving updates from the fake API."""

    def __init__(self, api: FakeBotApi, application: BotApplication, storage: Storage) -> None:
        self.api = api
        self.application = application
        self.storage = storage
        self.done: set[int] = set()

    async def process(self, timeout: float = 5.0, **update: Any) -> list[Call]:
        """Queue one update and return the calls made while the bot handled it."""
        before = len(self.api.calls)
        update_id = self.api.push(**update)
        await wait_until(lambda: update_id in self.done, timeout)
        return [c for c in self.api.calls[before:] if c.method != "getUpdates"]


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.01)


#: Retries as in production, but with pauses short enough for tests.
FAST_DELIVERY = DeliveryPolicy(transient_delays=(0.01, 0.02, 0.05, 0.1, 0.2))


@asynccontextmanager
async def running_bot(
    api: FakeBotApi,
    knowledge: KnowledgeBase,
    data_dir: Path,
    *,
    responder: Responder | None = None,
    delivery: DeliveryPolicy | None = FAST_DELIVERY,
    throttle: Throttle | None = None,
    request: BaseRequest | None = None,
    **settings_changes: Any,
) -> AsyncIterator[RunningBot]:
    """Start the bot (polling unless a webhook is configured) and stop it afterwards.

    *request* replaces python-telegram-bot's HTTP client, e.g. one with a short read timeout.
    """
    settings = settings_for(api, data_dir, **settings_changes)
    storage = Storage.open_or_recover(data_dir)  # as make_services does
    if responder is None:
        responder = build_responder(knowledge, catalogs(), None)
    services = Services(responder, storage, LOADED_AT)
    application = build_application(
        settings, services, delivery=delivery, throttle=throttle, request=request
    )
    bot = RunningBot(api, application, storage)
    handle = application.process_update

    async def handle_and_mark_done(update: object) -> None:
        # Done means every handler and the error handler have finished, whatever stopped them.
        try:
            await handle(update)
        finally:
            if isinstance(update, Update):
                bot.done.add(update.update_id)

    application.process_update = handle_and_mark_done  # type: ignore[method-assign]
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, settings, stop))
    try:
        await wait_until(lambda: application.running or task.done())
        if task.done():
            task.result()
        yield bot
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        storage.close()


# --- updates ---------------------------------------------------------------------------------


def user(lang: str | None = "en", user_id: int = 42, name: str = "Anna") -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
    if lang is not None:
        data["language_code"] = lang
    return data


def _entities(text: str) -> list[dict[str, Any]]:
    entities = []
    if text.startswith("/"):
        command = text.split()[0]
        entities.append({"type": "bot_command", "offset": 0, "length": len(command)})
    at = "@" + str(BOT["username"])
    if at in text:
        entities.append({"type": "mention", "offset": text.index(at), "length": len(at)})
    return entities


def message(
    text: str | None = None,
    *,
    lang: str | None = "en",
    user_id: int = 42,
    chat: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A message update's `message`; private chat unless *chat* is given."""
    sender = user(lang, user_id)
    data: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat or {"id": user_id, "type": "private", "first_name": sender["first_name"]},
        "from": sender,
        **extra,
    }
    if text is not None:
        data["text"] = text
        entities = _entities(text)
        if entities:
            data["entities"] = entities
    return data


GROUP = {"id": -100123, "type": "supergroup", "title": "Exchange 2015"}


def bot_message(text: str, chat: dict[str, Any], message_id: int = 77) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat,
        "from": BOT,
        "text": text,
    }


def callback(data: str, *, lang: str | None = "en", user_id: int = 42) -> dict[str, Any]:
    """A button press on a bot message in the private chat."""
    chat = {"id": user_id, "type": "private", "first_name": "Anna"}
    return {
        "id": f"cb{next(_message_ids)}",
        "from": user(lang, user_id),
        "chat_instance": "instance-1",
        "data": data,
        "message": bot_message("earlier", chat),
    }


def inline_query(query: str, *, lang: str | None = "en") -> dict[str, Any]:
    return {"id": f"iq{next(_message_ids)}", "from": user(lang), "query": query, "offset": ""}


def only(calls: list[Call], method: str) -> Call:
    """The one call of *method* among *calls*."""
    found = [c for c in calls if c.method == method]
    assert len(found) == 1, f"expected one {method}, got {[c.method for c in calls]}"
    return found[0]

"""The durable inbox: no question is lost when the bot process dies.

python-telegram-bot's `Updater` confirms an update to Telegram (the next `getUpdates` offset)
as soon as it has fetched it, so a crash between fetching and answering loses it. Here the
Application runs without an Updater (`ApplicationBuilder().updater(None)`) and `Inbox` feeds
`Application.update_queue` itself:

- `poll` fetches raw updates (JSON, not yet parsed), commits them to the inbox table
  (`Storage.inbox_add`) and only then asks for the next batch, whose offset is what confirms
  them. The webhook server (`webhook.py`) calls `accept` and answers 200 only after it returns.
- Each update is parsed only when it is taken from the inbox; one python-telegram-bot cannot
  parse is set aside (kept in the inbox, logged once without user data) and the next is
  answered, instead of being fetched again forever.
- `InboxProcessor` (chat-ordered, like `ChatOrderedProcessor`) handles an update inside
  `storage.handling_update()`, so its question-log row and its "done" are committed together,
  and lets the chat's next update start only once that commit is through: after a crash only
  the replies that were on their way can be sent again (at-least-once) — at most one per chat,
  and no more than the sends on the wire at once (`DeliveryPolicy.connections`).
- `recover` (start-up) queues what the last run left unfinished, oldest first, before anything
  new is fetched. An update unfinished `MAX_TRIES` times (it crashed the bot every time) is set
  aside.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import TelegramError

from twinbot.bot.delivery import ChatOrderedProcessor, on_polling_error
from twinbot.errors import TwinbotError
from twinbot.storage import Storage, handling_update

if TYPE_CHECKING:
    from twinbot.bot.context import BotApplication

_log = logging.getLogger(__name__)

#: How often an update is tried across restarts before it is set aside.
MAX_TRIES = 3
#: Long polling: how long one getUpdates waits for updates at Telegram.
POLL_TIMEOUT = 10
#: Updates per getUpdates (Telegram's maximum).
POLL_LIMIT = 100
#: Pauses after failed getUpdates calls grow from the first to the last.
RETRY_PAUSES = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)


class Inbox:
    """Updates between Telegram and the handlers, in the database."""

    def __init__(self, storage: Storage, allowed_updates: Sequence[str]) -> None:
        self.storage = storage
        #: The update types asked of Telegram, by `poll` and by the webhook's registration.
        self.allowed_updates = list(allowed_updates)
        # Inbox updates handed to the Application and not finished yet.
        self._open: set[int] = set()
        #: The next getUpdates offset (the highest update id committed, plus one).
        self.offset: int | None = None
        #: True while `poll` runs (tests wait for it).
        self.polling = False

    def owns(self, update_id: int) -> bool:
        """Whether *update_id* came from the inbox and still has to be marked done."""
        return update_id in self._open

    async def recover(self, application: BotApplication) -> int:
        """Queue the updates the last run left unfinished, oldest first; returns how many."""
        unfinished, aside = await asyncio.to_thread(self.storage.inbox_unfinished, MAX_TRIES)
        for update_id in aside:
            _log.error(
                "update %d was not finished in %d runs; set aside in the inbox",
                update_id,
                MAX_TRIES,
            )
        if unfinished:
            _log.info("answering %d updates left unfinished by the last run", len(unfinished))
        for update_id, body in unfinished:
            await self._dispatch(application, update_id, body)
        return len(unfinished)

    async def accept(self, application: BotApplication, raw: Sequence[object]) -> int | None:
        """Commit raw updates to the inbox, then queue the new ones; the highest id, if any.

        Raises when the database cannot take them: the caller must not confirm them then.
        """
        rows: list[tuple[int, str]] = []
        for item in raw:
            update_id = item.get("update_id") if isinstance(item, Mapping) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                _log.error("an update without a valid update_id was dropped")
                continue
            rows.append((update_id, json.dumps(item, ensure_ascii=False)))
        if not rows:
            return None
        try:
            added = set(await asyncio.to_thread(self.storage.inbox_add, rows))
        except (sqlite3.Error, TwinbotError) as exc:
            # The database is deleted, read-only or full (the admins are told): answering
            # without the inbox beats not answering at all.
            _log.warning(
                "could not store %d updates (%s); answering them without the inbox", len(rows), exc
            )
            for update_id, body in rows:
                await self._dispatch(application, update_id, body, durable=False)
        else:
            for update_id, body in rows:
                if update_id in added:
                    await self._dispatch(application, update_id, body)
        return max(update_id for update_id, _ in rows)

    async def _dispatch(
        self, application: BotApplication, update_id: int, body: str, *, durable: bool = True
    ) -> None:
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except Exception as exc:
            # Logged once, by type only: the message could quote the update's content.
            _log.error(
                "update %d cannot be read (%s); set aside in the inbox, answering the next",
                update_id,
                type(exc).__name__,
            )
            if durable:
                await asyncio.to_thread(self.storage.inbox_set_aside, update_id)
            return
        if durable:
            self._open.add(update_id)
        await application.update_queue.put(update)

    def finish(self, update_id: int) -> None:
        """Mark *update_id* done, with its questions, committed before this returns."""
        try:
            self.storage.finish_update(update_id)
        except (sqlite3.Error, TwinbotError) as exc:
            # Answered, but not marked: it is answered again at the next start.
            _log.warning("could not mark update %d done (%s)", update_id, exc)
        finally:
            self._open.discard(update_id)

    # --- long polling ---------------------------------------------------------------------------

    async def poll(self, application: BotApplication, stop: asyncio.Event) -> None:
        """Fetch, commit, confirm, until *stop* is set; failures are retried, never raised."""
        failures = 0
        self.polling = True
        try:
            while not stop.is_set():
                fetch = asyncio.ensure_future(self._fetch(application, POLL_TIMEOUT))
                stopping = asyncio.ensure_future(stop.wait())
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not fetch.done():
                    # Stopped mid-poll: whatever this call returns is not confirmed, so
                    # Telegram keeps it for the next start.
                    fetch.cancel()
                    await asyncio.gather(fetch, return_exceptions=True)
                    break
                try:
                    raw = fetch.result()
                    highest = await self.accept(application, raw)
                except TelegramError as exc:
                    failures += 1
                    on_polling_error(exc)
                    await _pause(stop, RETRY_PAUSES[min(failures, len(RETRY_PAUSES)) - 1])
                    continue
                except Exception:
                    failures += 1
                    _log.exception("could not store fetched updates; fetching them again")
                    await _pause(stop, RETRY_PAUSES[min(failures, len(RETRY_PAUSES)) - 1])
                    continue
                failures = 0
                if highest is not None:
                    self.offset = highest + 1
        finally:
            self.polling = False
        await self._confirm(application)

    async def _fetch(self, application: BotApplication, timeout: float) -> list[object]:
        data: dict[str, Any] = {
            "timeout": timeout,
            "limit": POLL_LIMIT,
            "allowed_updates": self.allowed_updates,
        }
        if self.offset is not None:
            data["offset"] = self.offset
        # Bot._post, not Bot.get_updates: the updates must reach the inbox as JSON, since one
        # update python-telegram-bot cannot parse would otherwise fail the whole batch forever.
        result = await application.bot._post(
            "getUpdates", data, read_timeout=timeout + _READ_MARGIN
        )
        if not isinstance(result, list):
            raise TelegramError("getUpdates returned no list of updates")
        return list(result)

    async def _confirm(self, application: BotApplication) -> None:
        """On the way out, tell Telegram what is safely in the inbox (best effort)."""
        if self.offset is None:
            return
        try:
            await application.bot._post(
                "getUpdates",
                {"offset": self.offset, "limit": 1, "timeout": 0},
                read_timeout=_READ_MARGIN,
            )
        except TelegramError as exc:
            _log.info("could not confirm the last updates (%s); they come again, once", exc)


#: Seconds a long poll may take beyond its timeout before it counts as failed.
_READ_MARGIN = 10.0


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class InboxProcessor(ChatOrderedProcessor):
    """Chat-ordered processing; an inbox update is marked done before its chat goes on."""

    def __init__(self, max_concurrent_updates: int, inbox: Inbox) -> None:
        super().__init__(max_concurrent_updates)
        self._inbox = inbox

    async def handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update) or not self._inbox.owns(update.update_id):
            await coroutine
            return
        with handling_update():
            await coroutine
            # python-telegram-bot has run the handlers and the error handler by now; an update
            # whose handling raised was answered with the error note and is done as well.
            self._inbox.finish(update.update_id)

"""Getting every reply to Telegram, in order, despite flood limits, outages and slow chats.

Three parts, each a python-telegram-bot extension point:

- `RetryingRateLimiter` (every Bot API call except `getUpdates`): `AIORateLimiter` keeps within
  Telegram's flood limits (a short burst, then the steady rate) and waits out a 429's
  `retry_after`; on top of it, a call that failed
  for a transient reason — a 5xx, a timeout, a dropped connection — is retried a bounded number
  of times with growing pauses, so a reply the bot owes survives a short outage. A timed-out
  `sendMessage` may in fact have arrived: retrying risks a rare duplicate, which is the better
  failure than a question left unanswered. Requests Telegram refused (400, 403) are not retried.
  At most `DeliveryPolicy.connections` requests are on the wire at once; the others wait on a
  semaphore, which is cheap, rather than in httpcore's pool, which rescans its whole queue on
  every request.
- `ChatOrderedProcessor`: updates are handled concurrently, but those of one chat strictly in
  the order they arrived. A chat whose reply is being retried, or a group held back by
  Telegram's per-group limit, therefore delays only itself — never the other users.
- `on_polling_error`: what `getUpdates` failures look like in the log — one warning line, not a
  traceback per retry. The Updater itself retries them forever with growing pauses (1 s up to
  30 s), so an outage or a second instance polling with the same token never stops the bot.

Fetching updates and confirming them to Telegram is the inbox's (`inbox.py`): an update is
committed to SQLite before the offset that confirms it is sent, so a crash loses none.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Conflict, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

_log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard the bot tries to deliver, and how fast it may send."""

    #: Telegram's limit for one bot: about 30 messages per second overall (0: no limit;
    #: `twinbot run` takes it from TWINBOT_SEND_RATE) …
    overall_per_second: float = 30.0
    #: How many seconds' worth of messages may leave at once before the rate applies.
    #: Telegram counts with some slack; a bot that spends all of it on a burst makes its next
    #: replies, bunched by the network, trip a 429 (measured against a fake API that enforces
    #: 30 a second as a bucket of 30: with a burst of 30, 8 of 60 replies were refused; at
    #: 10 a second with a burst of 10, 7 of 60; with a third of a second, none).
    overall_burst_seconds: float = 1 / 3
    #: … and 20 per minute into one group.
    group_per_minute: float = 20.0
    #: How often a call is repeated after a 429 ("retry after n seconds").
    retry_after_attempts: int = 3
    #: Pauses before each retry of a call that failed for a transient reason (≈ 15 s in all).
    transient_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
    #: How many updates (of different chats) are handled at the same time.
    concurrent_updates: int = 64
    #: HTTP connections for sending. httpcore looks at every pooled connection on each
    #: request (a system call or two each), so a few busy connections beat one per chat.
    connections: int = 4
    #: How long a send may wait for a free connection before it counts as timed out.
    connection_wait: float = 30.0


class RetryingRateLimiter(AIORateLimiter):
    """`AIORateLimiter` plus bounded retries of transient failures and a cap on requests
    in flight."""

    def __init__(self, policy: DeliveryPolicy) -> None:
        rate = policy.overall_per_second
        burst = max(1.0, rate * policy.overall_burst_seconds)
        super().__init__(
            # `burst` messages at once, refilled at `rate` a second (0: no limit)
            overall_max_rate=burst if rate else 0,
            overall_time_period=burst / rate if rate else 0,
            group_max_rate=policy.group_per_minute,
            group_time_period=60,
            max_retries=policy.retry_after_attempts,
        )
        self._delays = policy.transient_delays
        # Requests beyond the pool would queue inside httpcore, which rescans its whole queue
        # on every request; here they wait on a semaphore instead, after any flood-limit wait.
        self._in_flight = asyncio.Semaphore(policy.connections)
        # python-telegram-bot 22 warns on every 429 that `retry_after` will become a timedelta
        # unless the program opts in to that now; twinbot reads no such periods itself.
        os.environ.setdefault("PTB_TIMEDELTA", "1")

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        attempts = len(self._delays) + 1

        async def send(*args: Any, **kwargs: Any) -> JSONResult:
            async with self._in_flight:
                return await callback(*args, **kwargs)

        for attempt, delay in enumerate((*self._delays, None), start=1):
            try:
                return await super().process_request(
                    send, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise  # Telegram understood and refused: the same request would fail again
            except NetworkError as exc:  # 5xx, timeouts, dropped connections
                if delay is None:
                    _log.warning("%s failed %d times, giving up: %s", endpoint, attempts, exc)
                    raise
                _log.warning(
                    "%s failed (%s); attempt %d of %d in %.1f s",
                    endpoint,
                    exc,
                    attempt + 1,
                    attempts,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")


def conversation(update: object) -> Hashable:
    """The key whose updates must be handled in order: the chat, else the user."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("other", id(update))


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in arrival order within one chat."""

    # python-telegram-bot's own semaphore is taken before `do_process_update` runs, so a chat
    # with a backlog (a flood, a reply being retried) would sit on its slots while waiting
    # for its turn. It is set out of reach; the real limit is taken after the chat's turn.
    _UNBOUNDED = 1 << 20

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(self._UNBOUNDED)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._turns: dict[Hashable, asyncio.Lock] = {}
        self._queued: dict[Hashable, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # asyncio.Lock wakes its waiters first come, first served: arrival order.
        key = conversation(update)
        turn = self._turns.setdefault(key, asyncio.Lock())
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with turn, self._slots:
                await self.handle(update, coroutine)
        except asyncio.CancelledError:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled before it ran: not an "unawaited coroutine"
            raise
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:
                del self._queued[key], self._turns[key]

    async def handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run one update's handlers, in its chat's turn (subclasses add to this)."""
        await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def on_polling_error(error: TelegramError) -> None:
    """One line per failed `getUpdates`; python-telegram-bot retries with growing pauses."""
    if isinstance(error, Conflict):
        _log.warning(
            "getUpdates conflict: %s — another process is polling with this token (or a "
            "webhook is set); retrying. Stop the other instance.",
            error,
        )
    else:
        _log.warning("getUpdates failed: %s; retrying", error)

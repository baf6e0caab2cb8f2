"""Delivery: bounded retries of transient failures, and chats served side by side in order."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Chat, Message, Update, User
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from twinbot.bot.delivery import (
    ChatOrderedProcessor,
    DeliveryPolicy,
    RetryingRateLimiter,
    conversation,
    on_polling_error,
)

NO_PAUSES = DeliveryPolicy(overall_per_second=0, transient_delays=(0.0, 0.0, 0.0))


class Flaky:
    """A Bot API call that fails with the given errors, then succeeds."""

    def __init__(self, *errors: TelegramError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"message_id": 1}


async def send(limiter: RetryingRateLimiter, call: Flaky) -> object:
    return await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 42}, None)


@pytest.mark.parametrize(
    "error",
    [
        NetworkError("Bad Gateway"),
        NetworkError("Internal Server Error (500)"),
        TimedOut("Timed out"),
        NetworkError("httpx.RemoteProtocolError: Server disconnected"),
    ],
)
async def test_transient_failures_are_retried_until_the_reply_is_out(error: TelegramError) -> None:
    call = Flaky(error, error, error)
    assert await send(RetryingRateLimiter(NO_PAUSES), call) == {"message_id": 1}
    assert call.calls == 4


async def test_retries_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    call = Flaky(*[NetworkError("Bad Gateway")] * 10)
    with pytest.raises(NetworkError):
        await send(RetryingRateLimiter(NO_PAUSES), call)
    assert call.calls == 4
    assert "sendMessage failed 4 times, giving up" in caplog.text


@pytest.mark.parametrize(
    "error",
    [BadRequest("Bad Request: chat not found"), Forbidden("Forbidden: bot was blocked")],
)
async def test_refusals_are_not_retried(error: TelegramError) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)):
        await send(RetryingRateLimiter(NO_PAUSES), call)
    assert call.calls == 1


async def test_retry_after_is_waited_out() -> None:
    limiter = RetryingRateLimiter(NO_PAUSES)
    call = Flaky(RetryAfter(timedelta(0)), RetryAfter(timedelta(0)))
    assert await send(limiter, call) == {"message_id": 1}
    assert call.calls == 3


async def test_no_more_requests_in_flight_than_connections() -> None:
    limiter = RetryingRateLimiter(
        DeliveryPolicy(overall_per_second=0, transient_delays=(0.05,), connections=2)
    )
    running = peak = 0
    failed_once: set[int] = set()

    async def call(number: int) -> dict[str, Any]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        if number % 3 == 0 and number not in failed_once:
            failed_once.add(number)
            raise NetworkError("Bad Gateway")  # its pause must not hold a connection
        return {"message_id": number}

    results = await asyncio.gather(
        *[
            limiter.process_request(call, (n,), {}, "sendMessage", {"chat_id": n}, None)
            for n in range(12)
        ]
    )
    assert results == [{"message_id": n} for n in range(12)]
    assert peak == 2


# --- ordering ----------------------------------------------------------------------------------


def update(update_id: int, chat_id: int) -> Update:
    user = User(chat_id, "Anna", is_bot=False)
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, datetime(2015, 6, 27, tzinfo=UTC), chat, from_user=user)
    return Update(update_id, message=message)


async def test_one_chat_in_order_other_chats_alongside() -> None:
    processor = ChatOrderedProcessor(8)
    release_first = asyncio.Event()
    finished: list[int] = []

    async def handle(update_id: int) -> None:
        if update_id == 1:
            await release_first.wait()  # the first reply to chat 7 hangs (a retry, a slow API)
        finished.append(update_id)

    tasks = [
        asyncio.create_task(processor.process_update(update(i, chat), handle(i)))
        for i, chat in [(1, 7), (2, 7), (3, 8), (4, 7), (5, 9)]
    ]
    while len(finished) < 2:
        await asyncio.sleep(0)
    assert finished == [3, 5]  # other chats are not held up by chat 7
    release_first.set()
    await asyncio.gather(*tasks)
    assert finished == [3, 5, 1, 2, 4]  # chat 7 in arrival order


async def test_waiting_chats_do_not_use_up_the_slots() -> None:
    processor = ChatOrderedProcessor(2)
    release = asyncio.Event()
    finished: list[int] = []

    async def handle(update_id: int) -> None:
        if update_id < 100:
            await release.wait()
        finished.append(update_id)

    # Fifty messages of one chat queue up behind a stuck one; another chat still gets a slot.
    flood = [
        asyncio.create_task(processor.process_update(update(i, 7), handle(i))) for i in range(50)
    ]
    other = asyncio.create_task(processor.process_update(update(100, 8), handle(100)))
    await other
    assert finished == [100]
    release.set()
    await asyncio.gather(*flood)
    assert finished == [100, *range(50)]
    assert processor._turns == {}  # nothing kept per chat once it is idle


async def test_a_cancelled_update_leaves_no_unawaited_coroutine() -> None:
    processor = ChatOrderedProcessor(1)
    release = asyncio.Event()

    async def handle() -> None:
        await release.wait()

    first = asyncio.create_task(processor.process_update(update(1, 7), handle()))
    second = asyncio.create_task(processor.process_update(update(2, 7), handle()))
    await asyncio.sleep(0)
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    release.set()
    await first


def test_conversation_keys() -> None:
    assert conversation(update(1, 7)) == ("chat", 7)
    assert conversation(Update(2))[0] == "other"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Conflict("Conflict: terminated by other getUpdates request"), "another process"),
        (NetworkError("Bad Gateway"), "getUpdates failed: Bad Gateway; retrying"),
    ],
)
def test_polling_errors_are_one_warning_line(
    caplog: pytest.LogCaptureFixture, error: TelegramError, expected: str
) -> None:
    with caplog.at_level(logging.WARNING):
        on_polling_error(error)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert expected in record.getMessage()
    assert record.exc_info is None

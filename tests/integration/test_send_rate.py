"""TWINBOT_SEND_RATE end to end: `twinbot run` against a fake Bot API that refuses messages
beyond a rate with a 429, as Telegram's flood control does.

With the default (30 a second) a burst of questions from many users is answered without one
429; a lower setting is honoured the same way; with 0 there is no limiter, so the same burst
goes faster than Telegram's 30 a second and meets the 429s (which the bot waits out: every
question is still answered once).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auxil.fake_bot_api import Call, FakeBotApi
from auxil.processes import start_run, wait_until

pytestmark = pytest.mark.slow  # spawns `twinbot run`

USERS = 20
PER_USER = 3


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def _burst(api: FakeBotApi) -> None:
    """Every user sends their questions at once."""
    questions = ("Wann war die Konferenz?", "what is intamt", "сколько городов-партнёров")
    for n in range(PER_USER):
        for user_id in range(1, USERS + 1):
            api.push(
                message={
                    "message_id": n + 1,
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private", "first_name": "A"},
                    "from": {"id": user_id, "is_bot": False, "first_name": "A"},
                    "text": questions[n % len(questions)],
                }
            )


def _answered(api: FakeBotApi) -> list[Call]:
    return [c for c in api.calls_to("sendMessage") if c.result is not None]


def _most_in_a_second(calls: list[Call]) -> int:
    times = sorted(c.at for c in calls)
    return max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))


def _serve_burst(api: FakeBotApi, tmp_path: Path, **env: str) -> tuple[list[Call], str]:
    # Lexical-only: the point is how fast replies leave, so questions should cost little.
    process = start_run(api.base_url, tmp_path, TWINBOT_ENCODER="none", **env)
    try:
        wait_until(lambda: api.calls_to("getUpdates"), process, 60)
        _burst(api)
        wait_until(lambda: len(_answered(api)) >= USERS * PER_USER, process, 60)
    finally:
        process.send_signal(signal.SIGTERM)
        stderr = process.communicate(timeout=20)[1]
    assert process.returncode == 0, stderr
    answered = _answered(api)
    # each question answered once
    assert sorted(int(c.params["chat_id"]) for c in answered) == sorted(
        user_id for user_id in range(1, USERS + 1) for _ in range(PER_USER)
    )
    return answered, stderr


@pytest.mark.parametrize(("setting", "rate"), [(None, 30), ("10", 10)])
def test_the_send_rate_is_held_without_one_429(
    api: FakeBotApi, tmp_path: Path, setting: str | None, rate: int
) -> None:
    api.enforce_rate(rate)
    env = {} if setting is None else {"TWINBOT_SEND_RATE": setting}
    answered, stderr = _serve_burst(api, tmp_path, **env)
    assert api.refused == []
    # held to the rate after the first third of a second's burst (a slower machine only
    # takes longer)
    times = sorted(c.at for c in answered)
    burst = rate / 3
    assert times[-1] - times[0] >= (len(times) - burst - 1) / rate * 0.95
    assert "Traceback" not in stderr


def test_send_rate_zero_lifts_the_limit(api: FakeBotApi, tmp_path: Path) -> None:
    answered, stderr = _serve_burst(api, tmp_path, TWINBOT_SEND_RATE="0")
    # Nothing held it back: faster than Telegram would allow (lexical-only answers take a few
    # milliseconds; the limiter would spread the 60 replies over two seconds) …
    assert _most_in_a_second(answered) > 30
    assert "Traceback" not in stderr


def test_send_rate_zero_still_waits_out_telegrams_429s(api: FakeBotApi, tmp_path: Path) -> None:
    api.enforce_rate(30)
    _, stderr = _serve_burst(api, tmp_path, TWINBOT_SEND_RATE="0")
    # … so Telegram's flood control answers 429, which the bot waits out: all answered once.
    assert api.refused
    assert "Traceback" not in stderr

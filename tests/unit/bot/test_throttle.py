"""Flood control: token buckets per user on a clock the test turns by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twinbot.bot.throttle import Throttle, Verdict

ALLOW, WARN, DROP = Verdict.ALLOW, Verdict.WARN, Verdict.DROP


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_one_note_then_silence() -> None:
    clock = Clock()
    throttle = Throttle(3, 60, clock=clock)
    assert [throttle.check(42) for _ in range(6)] == [ALLOW, ALLOW, ALLOW, WARN, DROP, DROP]


def test_other_users_are_never_affected() -> None:
    clock = Clock()
    throttle = Throttle(2, 60, clock=clock)
    for _ in range(50):
        throttle.check("flooder")
    assert [throttle.check("someone else") for _ in range(2)] == [ALLOW, ALLOW]


def test_the_bucket_refills_at_the_rate() -> None:
    clock = Clock()
    throttle = Throttle(2, 30, clock=clock)  # one message every two seconds
    assert [throttle.check(1) for _ in range(3)] == [ALLOW, ALLOW, WARN]
    clock.now += 1.9
    assert throttle.check(1) is DROP
    clock.now += 0.1
    assert throttle.check(1) is ALLOW
    assert throttle.check(1) is DROP  # still the same flood: no second note


def test_a_sustained_flood_gets_one_note_and_a_trickle_of_answers() -> None:
    clock = Clock()
    throttle = Throttle(10, 30, clock=clock)
    verdicts = []
    for _ in range(50 * 60):  # a minute at 50 messages a second
        verdicts.append(throttle.check(7))
        clock.now += 0.02
    assert verdicts.count(WARN) == 1
    # the burst, then one every two seconds
    assert 10 + 29 <= verdicts.count(ALLOW) <= 10 + 31


def test_after_calming_down_a_new_flood_gets_a_new_note() -> None:
    clock = Clock()
    throttle = Throttle(2, 60, clock=clock)
    assert [throttle.check(1) for _ in range(4)] == [ALLOW, ALLOW, WARN, DROP]
    clock.now += 2.0  # full again
    assert [throttle.check(1) for _ in range(4)] == [ALLOW, ALLOW, WARN, DROP]


def test_a_clock_going_backwards_gives_nothing_away() -> None:
    clock = Clock()
    throttle = Throttle(1, 60, clock=clock)
    assert throttle.check(1) is ALLOW
    clock.now -= 100
    assert throttle.check(1) is WARN


def test_idle_users_are_forgotten() -> None:
    clock = Clock()
    throttle = Throttle(2, 60, clock=clock)
    for user in range(5000):
        throttle.check(user)
    clock.now += 10
    for _ in range(5000):
        throttle.check("active")
    assert len(throttle) < 100


@pytest.mark.parametrize(("burst", "rate"), [(0, 30), (5, 0), (5, -1)])
def test_nonsense_limits_are_refused(burst: int, rate: float) -> None:
    with pytest.raises(ValueError):
        Throttle(burst, rate)


@given(
    st.integers(1, 20),
    st.floats(1, 600),
    st.lists(st.tuples(st.integers(0, 3), st.floats(0, 5)), max_size=200),
)
def test_never_more_than_the_burst_plus_the_rate(
    burst: int, per_minute: float, events: list[tuple[int, float]]
) -> None:
    clock = Clock()
    throttle = Throttle(burst, per_minute, clock=clock)
    allowed: dict[int, int] = {}
    warned: dict[int, int] = {}
    start = clock.now
    for user, pause in events:
        clock.now += pause
        verdict = throttle.check(user)
        allowed[user] = allowed.get(user, 0) + (verdict is ALLOW)
        warned[user] = warned.get(user, 0) + (verdict is WARN)
    elapsed = clock.now - start
    for user, count in allowed.items():
        assert count <= burst + elapsed * per_minute / 60 + 1e-6
        assert warned[user] <= count + 1  # a note needs a calm spell (a full bucket) in between

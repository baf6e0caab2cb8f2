"""What the bot remembers in memory to close the loop: /feedback prompts, recent questions."""

from __future__ import annotations

from twinbot.bot.feedback import PROMPT_SECONDS, REMEMBERED_ANSWERS, Conversations


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_prompt_takes_one_message_and_expires() -> None:
    clock = Clock()
    talks = Conversations(clock)
    assert not talks.take_message(1)
    talks.expect_message(1)
    assert talks.take_message(1)
    assert not talks.take_message(1)  # only the next message
    talks.expect_message(2)
    clock.now += PROMPT_SECONDS + 1
    assert not talks.take_message(2)
    talks.expect_message(3)
    assert talks.cancel(3) and not talks.cancel(3)
    assert not talks.take_message(3)


def test_recent_questions_are_bounded() -> None:
    talks = Conversations()
    for number in range(REMEMBERED_ANSWERS + 10):
        talks.remember_question(42, number, f"q{number}")
    assert talks.question_of(42, 0) is None
    assert talks.question_of(42, REMEMBERED_ANSWERS + 9) == f"q{REMEMBERED_ANSWERS + 9}"

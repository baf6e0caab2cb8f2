"""What the bot remembers, in memory, to close the loop with people.

Two small pieces of state the handlers share, kept in `BotData` so a knowledge reload keeps
them: who asked (with /feedback or "Ask an organiser") for their next message to go to the
organisers, and which question each recent answer message answered — so a 👎 on it can show
organisers the question next to the entry that was given, without the question log ever
keeping answered questions. Both are bounded and lost on restart, which only means a 👎 on an
old message is stored without its question. Durable links (admin copy -> user chat) live in
SQLite (`Storage.add_relay`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

#: How long a /feedback prompt waits for the user's message.
PROMPT_SECONDS = 15 * 60
#: How long an admin can answer a user's message (the link in SQLite expires then).
RELAY_LIFETIME = timedelta(days=30)
#: Answer messages whose question is remembered for a 👎 (the oldest are forgotten first).
REMEMBERED_ANSWERS = 5000


class Conversations:
    """Pending /feedback prompts and the questions behind recent answers."""

    __slots__ = ("_asked", "_clock", "_waiting")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._waiting: dict[int, float] = {}
        self._asked: OrderedDict[tuple[int, int], str] = OrderedDict()

    def expect_message(self, user_id: int) -> None:
        """The user's next text message goes to the organisers."""
        self._waiting[user_id] = self._clock() + PROMPT_SECONDS
        if len(self._waiting) > REMEMBERED_ANSWERS:  # forget prompts nobody followed up
            now = self._clock()
            self._waiting = {u: t for u, t in self._waiting.items() if t > now}

    def take_message(self, user_id: int) -> bool:
        """True (once) when the user's message is meant for the organisers."""
        deadline = self._waiting.pop(user_id, None)
        return deadline is not None and deadline > self._clock()

    def cancel(self, user_id: int) -> bool:
        """Drop a pending prompt; True if there was one."""
        return self._waiting.pop(user_id, None) is not None

    def remember_question(self, chat_id: int, message_id: int, question: str) -> None:
        self._asked[(chat_id, message_id)] = question
        while len(self._asked) > REMEMBERED_ANSWERS:
            self._asked.popitem(last=False)

    def question_of(self, chat_id: int, message_id: int) -> str | None:
        return self._asked.get((chat_id, message_id))

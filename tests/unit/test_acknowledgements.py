"""Bare acknowledgements: a general rule, not a list of whole messages."""

from __future__ import annotations

import pytest

from twinbot.acknowledgements import is_acknowledgement


@pytest.mark.parametrize(
    "text",
    [
        "ok", "OK!!", "okkk", "Okay.", "k", "lol", "LOL 😂", "hmmm", "mhm", "cool, thanks",
        "got it", "👍", "👍🏻", "🙂🙂", "❤️", "🙏",
        "jo", "ja", "alles klar", "achso", "danke", "passt",
        "ага", "угу", "ок", "понятно", "ясно, спасибо", "ахаха", "хах", "aga", "ponyatno",
        "hahaha", "xD", "ыыы",
    ],
)  # fmt: skip
def test_acknowledgements(text: str) -> None:
    assert is_acknowledgement(text)


@pytest.mark.parametrize(
    "text",
    [
        "", "?", "...", "Hi!", "hallo", "Karlsruhe", "where", "ok when is the conference?",
        "ok, and how can I take part in an exchange", "когда конференция", "wann", "INTAMT",
        "ok ok ok ok ok", "no idea what intamt is", "ha",
    ],
)  # fmt: skip
def test_questions_and_greetings_are_not_acknowledgements(text: str) -> None:
    assert not is_acknowledgement(text)

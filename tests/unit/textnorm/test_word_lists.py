"""textnorm._words: question words and two-word openers as concepts."""

from __future__ import annotations

import pytest

from twinbot.textnorm import question_concepts


@pytest.mark.parametrize(
    ("words", "concepts"),
    [
        (["how", "many", "cities"], {0: "?howmany", 1: ""}),
        (["seit", "wann", "gibt"], {0: "?howlong", 1: ""}),
        (["when", "and", "where"], {0: "?when", 2: "?where"}),
        (["с", "каких", "пор"], {0: "?howlong", 1: ""}),
        (["с", "кем"], {1: "?who"}),
        (["how", "are", "you"], {}),
    ],
)
def test_question_concepts(words: list[str], concepts: dict[int, str]) -> None:
    assert question_concepts(words) == concepts

"""textnorm._translit: Russian typed in Latin letters, names typed in Cyrillic."""

from __future__ import annotations

import pytest

from twinbot.textnorm import cyrillic_to_latin, latin_to_cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("kogda", "когда"),
        ("konferentsiya", "конференция"),
        ("konferenciya", "конференция"),
        ("skolko", "сколько"),
        ("voobshe", "вообще"),
        ("pochemu", "почему"),
        ("kakoy", "какой"),
        ("vazhny", "важны"),
        ("partnerstva", "партнерства"),
        ("gorodov", "городов"),
        # scholarly letters: š č ž as sh ch zh
        ("vorkšop", "воркшоп"),
        ("čem", "чем"),
        ("žizn", "жизнь"),
        ("polza", "польза"),  # an apostrophe typed for ь is left out by the tokenizer
    ],
)
def test_latin_to_cyrillic_prefers_real_words(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin)[0] == cyrillic


def test_cyrillic_to_latin_for_names() -> None:
    assert cyrillic_to_latin("интамт") == "intamt"
    assert cyrillic_to_latin("калуга") == "kaluga"

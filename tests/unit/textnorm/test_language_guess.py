"""textnorm._language: which language a question is written in, if it tells."""

from __future__ import annotations

import pytest

from twinbot.textnorm import clean, guess_language, tokenize


@pytest.mark.parametrize(
    ("text", "lang", "translit"),
    [
        ("Wann war die Konferenz?", "de", False),
        ("When was the conference?", "en", False),
        ("Когда была конференция?", "ru", False),
        ("Jugend Austausch", "de", False),
        ("first partnership year", "en", False),
        ("kogda byla konferentsiya v karlsrue", "ru", True),
        ("pochemu voobshe vazhny partnerstva gorodov", "ru", True),
        # single letters ("v", "i": в, и — or English "I") don't vote
        ("v kakom godu nachalos partnerstvo kalugi i zulya", "ru", True),
        ("I want to know when the conference was", "en", False),
        # A Cyrillic name inside a German question, an umlaut name inside an English one.
        (
            "Mit welcher deutschen Stadt ist Калуга 1969 eine Partnerschaft eingegangen?",
            "de",
            False,
        ),
        ("How long has INTAMT been attending meetings between Moskau and Düsseldorf?", "en", False),
        # English names inside a Russian question.
        ("Где прошла 13-я German-Russian Partner Cities Conference?", "ru", False),
        ("wie spät ist es grad in moskau", "de", False),
        # The sentence's frame decides, not names in another language inside it.
        ("When was the Deutsch-Russische Partnerstädtekonferenz in Karlsruhe?", "en", False),
        ("Wann war die German-Russian Partner Cities Conference?", "de", False),
        # With a frame too thin to tell, the names do.
        ("Workshop zur Berufsbildung", "de", False),
    ],
)
def test_guess_language(text: str, lang: str, translit: bool) -> None:
    guess = guess_language(tokenize(clean(text)))
    assert (guess.lang, guess.translit) == (lang, translit)


def test_a_bare_name_does_not_tell_its_language() -> None:
    assert guess_language(tokenize("Karlsruhe"), shared={"karlsruhe"}).lang is None
    assert guess_language(tokenize("INTAMT 2005"), shared={"intamt"}).lang is None

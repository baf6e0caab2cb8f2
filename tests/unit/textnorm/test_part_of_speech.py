"""textnorm._pos and _morphology: part-of-speech odds of English, German and Russian words."""

from __future__ import annotations

import pytest

from twinbot.knowledge import Lang
from twinbot.textnorm import NOUN_ODDS, Odds, Script, Word, latin_pos, russian_word


@pytest.mark.parametrize(
    ("word", "lang", "capitalized", "likely"),
    [
        ("deal", "en", False, "verb"),  # a question-framing verb, whatever else it is
        ("quickly", "en", False, "other"),
        ("besprochen", "de", False, "verb"),  # a participle
        ("organisiert", "de", False, "verb"),
        ("wirtschaftlich", "de", False, "adj"),
        ("kaluga", "de", True, "noun"),  # a name
        ("xyzzyq", "en", False, "noun"),  # unknown: a noun
    ],
)
def test_latin_words(word: str, lang: Lang, capitalized: bool, likely: str) -> None:
    odds = latin_pos(Word(word, Script.LATIN, capitalized, 1), lang)
    assert isinstance(odds, Odds)
    assert max(odds._fields, key=lambda field: getattr(odds, field)) == likely


@pytest.mark.parametrize(
    ("word", "lemma", "likely", "known"),
    [
        ("юбилеем", "юбилей", "noun", True),
        ("рассказывают", "рассказывать", "verb", True),
        ("важный", "важный", "adj", True),
        ("задружились", "задружились", "verb", False),  # unknown, but ends like a verb
        ("кракозябра", "кракозябра", "noun", False),
    ],
)
def test_russian_words(word: str, lemma: str, likely: str, known: bool) -> None:
    found, odds, is_known = russian_word(word)
    assert (found, is_known) == (lemma, known)
    assert max(odds._fields, key=lambda field: getattr(odds, field)) == likely
    assert sum(odds) == pytest.approx(1.0)


def test_odds_are_named() -> None:
    assert Odds(noun=1.0, adj=0.0, verb=0.0, other=0.0) == NOUN_ODDS
    assert Odds._fields == ("noun", "adj", "verb", "other")

"""textnorm._compounds: German compounds split into known parts."""

from __future__ import annotations

import pytest

from twinbot.knowledge import Lang
from twinbot.textnorm import Script, analyze_text_word, split_compound, stem, text_token


@pytest.mark.parametrize(
    ("word", "known", "parts"),
    [
        ("städtepartnerschaften", {"stadt", "partnerschaft"}, ["städte", "partnerschaften"]),
        ("jugendaustausch", {"jugend", "austausch"}, ["jugend", "austausch"]),
        ("wirtschaftsallianz", {"wirtschaft", "allianz"}, ["wirtschaft", "allianz"]),
        ("tagungsort", {"ort"}, []),  # the head must be known too
    ],
)
def test_split_compound(word: str, known: set[str], parts: list[str]) -> None:
    found = split_compound(word, lambda s: s in known)
    assert [stem(p, "de") for p in found] == [stem(p, "de") for p in parts]


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("städtepartnerschaften", [("städte", "stadt"), ("partnerschaften", "partnerschaft")]),
        ("jugendaustausch", [("jugend", "jugend"), ("austausch", "austausch")]),
        ("erfahrungsaustausch", [("erfahrungs", "erfahr"), ("austausch", "austausch")]),
        ("zusammenarbeit", [("zusammen", "zusamm"), ("arbeit", "arbeit")]),
    ],
)
def test_a_german_text_word_comes_with_its_parts(word: str, parts: list[tuple[str, str]]) -> None:
    analyzed = analyze_text_word(word, Script.LATIN, "de", frozenset())
    assert analyzed.token == text_token(word, Script.LATIN, "de")
    assert list(analyzed.parts) == parts


@pytest.mark.parametrize(
    ("word", "lang", "english_words"),
    [
        ("karlsruhe", "de", {"karlsruhe"}),  # a word the English texts use too: a name
        ("städtepartnerschaften", "en", set()),  # not in a German text
        ("partner", "de", set()),  # too short to be a compound
        ("und", "de", set()),  # a stop word
    ],
)
def test_names_short_words_and_other_languages_are_not_split(
    word: str, lang: Lang, english_words: set[str]
) -> None:
    assert analyze_text_word(word, Script.LATIN, lang, english_words).parts == ()


@pytest.mark.parametrize(
    "word",
    # Each splits into letters that are, or start, common words ("mens" + "chen", "gest" +
    # "artet", "kont" + "akte"), but the word is far commoner than such parts: no compound.
    ["menschen", "gestartet", "kontakte", "deutschen", "verbindet", "teilnehmer"],
)
def test_a_common_word_is_not_split_into_rarer_fragments(word: str) -> None:
    assert analyze_text_word(word, Script.LATIN, "de", frozenset()).parts == ()

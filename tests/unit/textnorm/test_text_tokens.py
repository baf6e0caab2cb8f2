"""textnorm._tokens: cleaning, the two tokenizers (held equal), folding and phrase keys."""

from __future__ import annotations

import random

import pytest

from twinbot.paths import bundled_knowledge_dir
from twinbot.textnorm import (
    MAX_MATCH_CHARS,
    Script,
    clean,
    fold,
    phrase_key,
    run_words,
    text_runs,
    tokenize,
)
from twinbot.textnorm._tokens import _TOKEN, _join_soft_signs
from twinbot.validate import load_valid_knowledge


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Wann war die Konferenz?", ["wann", "war", "die", "konferenz"]),
        ("городов-партнёров", ["городов", "партнёров"]),
        ("13-я конференция", ["13", "я", "конференция"]),
        ("what's the motto 🤔🤔", ["what", "the", "motto"]),
        # the soft sign typed as an apostrophe joins; contractions and names still split
        ("kakaya ot nikh pol'za", ["kakaya", "ot", "nikh", "polza"]),
        ("den’gi, sem'ya", ["dengi", "semya"]),
        ("don't we're geht's I'm O'Brien", ["don", "we", "re", "geht", "i", "m", "o", "brien"]),
        ("13th conference", ["13", "th", "conference"]),
        ("Kar\u200blsruhe", ["kar", "lsruhe"]),  # a zero-width space separates, never crashes
        ("", []),
        ("🎉🎉", []),
    ],
)
def test_tokenize(text: str, words: list[str]) -> None:
    assert [w.text for w in tokenize(clean(text))] == words


def test_clean_removes_invisible_characters_and_bounds_length() -> None:
    assert clean("a\u202eb\u0000c") == "a b c"
    assert len(clean("x" * 100_000)) == MAX_MATCH_CHARS


def test_tokenize_marks_scripts() -> None:
    words = tokenize("Калуга Suhl 1969")
    assert [w.script for w in words] == [Script.CYRILLIC, Script.LATIN, Script.NUMBER]
    assert words[0].capitalized and words[1].capitalized


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Städtepartnerschaften?", "stadtepartnerschaften"),
        ("Ёлка", "елка"),
        ("Straße", "strasse"),
    ],
)
def test_fold(a: str, b: str) -> None:
    assert fold(a) == fold(b)


@pytest.mark.parametrize(
    "text",
    [
        "Wann war die 13. Städtepartnerkonferenz?",
        "what's the motto 🤔🤔 sooo",
        "13-я конференция, ёлки",
        "2015г Kar\u200blsruhe",
        "partnerships' d'Artagnan",
        "pol'za den’gi we're you'll",
        "",
    ],
)
def test_text_runs_give_the_words_tokenize_gives(text: str) -> None:
    words = [word for run in text_runs(text) for word in run_words(run)]
    assert words == [(w.text, w.script) for w in tokenize(clean(text))]


def test_text_runs_equal_the_token_regex_on_odd_text() -> None:
    """The byte-table split finds exactly the runs the `[^\\W_]+` regex finds in the
    cleaned text, whatever the punctuation, spaces, marks and scripts."""
    rng = random.Random(11)
    alphabet = (
        "aZ9_ -–—«»…’'\"!?.,:;()[]{}<>/\\|@#$%^&*+=~`äöüßÄÖÜёЁйЙ\u0301\u00a0\u2009\u200b"
        "\u200d\ufeff\t\n\r\x00\x1f\x7f\x85\u2028ﬁ①²Ⅻ٣𝟘éè\u0308ıİ"
    )
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(5000)]
    texts += [
        text
        for entry in load_valid_knowledge(bundled_knowledge_dir())
        for text in (*entry.answer.values(), *(q for qs in entry.questions.values() for q in qs))
    ]
    for text in texts:
        cleaned = _join_soft_signs(clean(text, limit=len(text) + 1))
        assert text_runs(text) == _TOKEN.findall(cleaned), repr(text)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What can you do?", "what can u do"),
        ("Städtepartnerschaft!", "stadtepartnerschaft"),
        ("Ещё вопрос", "еще ВОПРОС"),
        ("Straße", "strasse"),
    ],
)
def test_phrase_key_equates_spellings_of_one_question(a: str, b: str) -> None:
    assert phrase_key(text_runs(a)) == phrase_key(text_runs(b))


def test_phrase_key_tells_different_questions_apart() -> None:
    assert phrase_key(text_runs("When was it?")) != phrase_key(text_runs("Where was it?"))

"""textnorm._analysis: a question's tokens (kinds, keys, part of speech, misspelt function
words), and the lean path for knowledge-base words held to the question path."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from twinbot.knowledge import LANGS, Lang
from twinbot.lexicon import zipf
from twinbot.paths import bundled_knowledge_dir
from twinbot.textnorm import (
    Kind,
    Script,
    Word,
    analyze_query,
    phrase_key,
    run_words,
    text_runs,
    text_token,
)
from twinbot.textnorm._analysis import (
    _analyze_question_words,
    _function_words,
    _known_text_token,
    _nearest_function_word,
)
from twinbot.validate import load_valid_knowledge


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Wann war das?", "?when"),
        ("kogda eto bylo", "?when"),
        ("how many cities", "?howmany"),
        ("Wie viele Städte", "?howmany"),
        ("Сколько городов", "?howmany"),
        ("Wer hat das gemacht", "?who"),
        ("почему это важно", "?why"),
    ],
)
def test_question_words_become_concepts(text: str, concept: str) -> None:
    query = analyze_query(text)
    assert [t.keys for t in query.tokens if t.kind is Kind.QUESTION] == [(concept,)]


def test_implied_concepts_in_phrasings() -> None:
    # "In welchem Jahr" asks "wann": a phrasing with "Jahr" carries ?when.
    assert "?when" in text_token("jahr", Script.LATIN, "de").keys


def test_filler_and_greetings() -> None:
    tokens = analyze_query("hey so what was the motto lol pls").tokens
    kinds = {t.surface: t.kind for t in tokens}
    assert kinds["motto"] is Kind.CONTENT
    assert kinds["hey"] is Kind.SOCIAL
    assert kinds["lol"] is Kind.STOP and kinds["please"] is Kind.STOP  # "pls" read as "please"


def test_foreign_filler_inside_a_question() -> None:
    # "und" in an English question is German filler; "war" stays an English word.
    tokens = analyze_query("What did the Jugend und Sprache workshop deal with?").tokens
    assert {t.surface: t.kind for t in tokens}["und"] is Kind.STOP
    tokens = analyze_query("motto 70 years after the war").tokens
    assert {t.surface: t.kind for t in tokens}["war"] is Kind.CONTENT
    # "the" is common enough in German corpora to pass as a German word, but it is one of
    # English's commonest function words and far rarer there: filler in a German question.
    tokens = analyze_query("Wann war the Partnerstädtekonferenz in Karlsruhe?").tokens
    assert {t.surface: t.kind for t in tokens}["the"] is Kind.STOP
    tokens = analyze_query("how many died in the war").tokens
    assert {t.surface: t.kind for t in tokens}["war"] is Kind.CONTENT


def test_unknown_words_get_part_of_speech_odds() -> None:
    tokens = {t.surface: t for t in analyze_query("Who is the director of the academy?").tokens}
    assert tokens["director"].pos.noun > 0.5  # a noun: the question's focus
    tokens = {t.surface: t for t in analyze_query("Was wurde besprochen?").tokens}
    assert tokens["besprochen"].pos.verb > 0.5  # a verb: framing


def test_the_word_did_asks_about_is_a_verb() -> None:
    tokens = {t.surface: t for t in analyze_query("What did the second workshop address?").tokens}
    assert tokens["address"].pos.verb == 1.0
    # a noun where it is one
    for question in ("What is the address of INTAMT?", "Where did you find the address?"):
        tokens = {t.surface: t for t in analyze_query(question).tokens}
        assert tokens["address"].pos.noun > 0.5, question


def _knowledge_words() -> list[tuple[str, Script, Lang]]:
    knowledge = load_valid_knowledge(bundled_knowledge_dir())
    found: dict[tuple[str, Script, Lang], None] = {}
    for entry in knowledge:
        for lang in LANGS:
            texts = (*entry.questions.get(lang, ()), *entry.keywords.get(lang, ()))
            for text in texts:
                for run in text_runs(text):
                    for word, script in run_words(run):
                        if script is not Script.NUMBER:
                            found[word, script, lang] = None
    return list(found)


def test_index_and_questions_read_every_knowledge_word_alike() -> None:
    # The index analyses each word of the knowledge base once, on a lean path; a question
    # in the same language must give the word the same keys, kind and flags, or the
    # question could not find its own phrasing.
    words = _knowledge_words()
    assert len(words) > 500
    for word, script, lang in words:
        latin_langs: tuple[Lang, ...] = ("en", "de") if lang == "ru" else (lang,)
        lean = _known_text_token(word, script, lang, latin_langs)
        full = _analyze_question_words([Word(word, script, False, 0)], lang, latin_langs)[0]
        assert (lean.surface, lean.keys, lean.kind, lean.shift, lean.focus) == (
            full.surface,
            full.keys,
            full.kind,
            full.shift,
            full.focus,
        ), (word, lang)


def _edits(word: str, rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyzäöüßабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    at = rng.randrange(len(word))
    return [
        word,
        word[:at] + rng.choice(letters) + word[at:],
        word[:at] + word[at + 1 :],
        word[:at] + rng.choice(letters) + word[at + 1 :],
        word[:at] + word[at + 1 : at + 2] + word[at : at + 1] + word[at + 2 :],
        word[:at] + rng.choice(letters) + word[at + 1 :] + rng.choice(letters),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_function_word_typos_are_read_as_rapidfuzz_reads_them(lang: Lang) -> None:
    """The misspelt function word found without rapidfuzz is the one of those rapidfuzz
    finds with the OSA distance (cutoff 1): an exact word, else the commonest in the
    language one edit away (ties: the first in sorted order)."""
    words = sorted(_function_words(lang)[0])
    rng = random.Random(lang)
    probes = [probe for word in words for probe in _edits(word, rng)]
    for probe in probes:
        found = process.extract(probe, words, scorer=OSA.distance, score_cutoff=1, limit=None)
        exact = [word for word, distance, _ in found if distance == 0]
        near = sorted((-zipf(word, lang), word) for word, _, _ in found)
        expected = exact[0] if exact else (near[0][1] if near else None)
        assert _nearest_function_word(probe, lang) == expected, probe


@pytest.mark.parametrize("text", ["kakaya ot nikh pol'za?", "What's INTAMT's motto?", "den’gi"])
def test_the_phrase_key_reads_the_text_as_the_index_does(text: str) -> None:
    # (the index keys its phrasings by the runs `text_runs` finds)
    assert analyze_query(text).phrase == phrase_key(text_runs(text))


def test_a_word_addressing_the_reader_is_filler_only_where_it_addresses() -> None:
    def kind_of(text: str, word: str) -> Kind:
        return {t.surface: t.kind for t in analyze_query(text).tokens}[word]

    assert kind_of("hey leute wann war die konferenz", "leute") is Kind.STOP
    assert kind_of("Leute, wann war die Konferenz?", "leute") is Kind.STOP
    assert kind_of("ребят, какой был девиз?", "ребят") is Kind.STOP
    assert kind_of("Wie viele Leute waren auf der Konferenz?", "leute") is Kind.CONTENT
    assert kind_of("nur politiker oder auch normale leute?", "leute") is Kind.CONTENT


def test_now_words_are_filler_and_long_function_words_get_their_typos_read() -> None:
    # "right now" says when the user asks, like "сейчас"; "inzwichen" is "inzwischen"
    for text, word in (
        ("how many towns are twinned rn", "now"),
        ("wie viele städte sind jetzt partnerstädte", "jetzt"),
        ("wie viele städte sind inzwichen partnerstädte", "inzwischen"),
    ):
        assert word in {t.surface for t in analyze_query(text).tokens if t.kind is Kind.STOP}


def test_russian_chat_spellings_and_understanding_filler() -> None:
    tokens = analyze_query("слушайте, чет не поняла, кто первые начали дружить, рф и фрг?").tokens
    surfaces = {t.surface: t.kind for t in tokens}
    assert surfaces["россия"] is Kind.CONTENT and surfaces["германия"] is Kind.CONTENT
    assert surfaces["чет"] is Kind.STOP and surfaces["поняла"] is Kind.STOP
    assert surfaces["слушайте"] is Kind.STOP


def test_chat_abbreviations_of_year() -> None:
    keys = {k for t in analyze_query("what yr was intamt founded").tokens for k in t.keys}
    assert "?when" in keys  # "yr" is "year", which asks when


@pytest.mark.parametrize(
    "text", ["Wozu dienen Partnerschaften?", "для чего нужны партнерства?", "how come cities twin?"]
)
def test_what_for_asks_why(text: str) -> None:
    assert "?why" in {k for t in analyze_query(text).tokens for k in t.keys}


def test_what_date_in_russian_asks_when() -> None:
    # "какое число" is the day of the month; "число городов" stays a number
    assert "?when" in {
        k for t in analyze_query("по какое число была конференция").tokens for k in t.keys
    }
    assert "?when" not in {k for t in analyze_query("число городов").tokens for k in t.keys}

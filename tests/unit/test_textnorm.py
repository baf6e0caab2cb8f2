"""textnorm: tokens, folding, stems, transliteration, language guessing, compounds."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from twinbot.knowledge import LANGS, Lang
from twinbot.paths import bundled_knowledge_dir
from twinbot.textnorm import (
    MAX_MATCH_CHARS,
    Kind,
    Script,
    Word,
    analyze_query,
    clean,
    cyrillic_to_latin,
    fold,
    guess_language,
    latin_to_cyrillic,
    phrase_key,
    question_concepts,
    run_words,
    split_compound,
    stem,
    text_runs,
    text_token,
    tokenize,
)
from twinbot.textnorm._analysis import (
    _analyze_question_words,
    _function_words,
    _known_text_token,
    _nearest_function_word,
)
from twinbot.textnorm._tokens import _TOKEN
from twinbot.validate import load_valid_knowledge


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Wann war die Konferenz?", ["wann", "war", "die", "konferenz"]),
        ("городов-партнёров", ["городов", "партнёров"]),
        ("13-я конференция", ["13", "я", "конференция"]),
        ("what's the motto 🤔🤔", ["what", "the", "motto"]),
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
    ("forms", "lang"),
    [
        (["Düsseldorf", "Duesseldorf", "Dusseldorf", "Düsseldorfer"], "de"),
        (["Städte", "Staedte", "Stadt"], "de"),
        (["партнёров", "партнеров", "партнер"], "ru"),
        (["Калуге", "Калуга", "Калугу"], "ru"),
        (["счёту", "щёту", "счету"], "ru"),  # сч is said, and often written, щ
        (["cities", "city", "citys"], "en"),
        (["recognised", "recognized"], "en"),
    ],
)
def test_stem_variants_meet(forms: list[str], lang: str) -> None:
    stems = {stem(f.lower(), lang) for f in forms}  # type: ignore[arg-type]
    assert len(stems) == 1, stems


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
    ],
)
def test_latin_to_cyrillic_prefers_real_words(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin)[0] == cyrillic


def test_cyrillic_to_latin_for_names() -> None:
    assert cyrillic_to_latin("интамт") == "intamt"
    assert cyrillic_to_latin("калуга") == "kaluga"


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
    ],
)
def test_guess_language(text: str, lang: str, translit: bool) -> None:
    guess = guess_language(tokenize(clean(text)))
    assert (guess.lang, guess.translit) == (lang, translit)


def test_a_bare_name_does_not_tell_its_language() -> None:
    assert guess_language(tokenize("Karlsruhe"), shared={"karlsruhe"}).lang is None
    assert guess_language(tokenize("INTAMT 2005"), shared={"intamt"}).lang is None


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
    "text",
    [
        "Wann war die 13. Städtepartnerkonferenz?",
        "what's the motto 🤔🤔 sooo",
        "13-я конференция, ёлки",
        "2015г Kar\u200blsruhe",
        "partnerships' d'Artagnan",
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
        assert text_runs(text) == _TOKEN.findall(clean(text, limit=len(text) + 1)), repr(text)


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
    """The misspelt function word found without rapidfuzz is the one its `extractOne`
    with the OSA distance (cutoff 1) finds: an exact word, else the first one edit away."""
    words = sorted(_function_words(lang)[0])
    rng = random.Random(lang)
    probes = [probe for word in words for probe in _edits(word, rng)]
    for probe in probes:
        found = process.extractOne(probe, words, scorer=OSA.distance, score_cutoff=1)
        assert _nearest_function_word(probe, lang) == (found and found[0]), probe

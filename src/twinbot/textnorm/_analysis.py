"""Query and token analysis: a question's words → tokens with match keys (stems in the
plausible languages, Russian lemmas, transliterations, question concepts), kinds, part of
speech and real-word checks. Two token analysers live here and a test holds them equal:
`_analyze_question_words` for questions, and `text_token`, the lean path an index takes for
every word of a knowledge base.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache

from twinbot.knowledge import LANGS, Lang
from twinbot.lexicon import zipf
from twinbot.textnorm._language import LATIN_LANGS, _latin_zipf, guess_language
from twinbot.textnorm._morphology import russian_word
from twinbot.textnorm._pos import _ODDS_OF, NOUN_ODDS, Odds, Pos, latin_pos
from twinbot.textnorm._stems import fold_latin, stem
from twinbot.textnorm._tokens import (
    _TOKEN,
    CHAT_SPELLINGS,
    Script,
    Word,
    _join_soft_signs,
    _script,
    clean,
    phrase_key,
    tokenize,
)
from twinbot.textnorm._translit import latin_to_cyrillic
from twinbot.textnorm._words import (
    _CONCEPT_OF,
    _IMPLIED,
    CONTACT_REQUESTS,
    CONTACT_VERB_CONTEXT,
    FOCUS_WORDS,
    SHIFT_WORDS,
    SOCIAL_WORDS,
    STOPWORDS,
    VOCATIVES,
    question_concepts,
)


class Kind(Enum):
    """How much a token tells about what is asked."""

    STOP = "stop"  # function words and chat filler: ignored
    SOCIAL = "social"  # hi / danke / пока: the message itself when alone, else filler
    QUESTION = "question"  # a question concept (?when, ?who…): the kind of answer wanted
    CONTENT = "content"
    NUMBER = "number"


@dataclass(frozen=True, slots=True, kw_only=True)
class Token:
    """One analysed token: its surface form and the keys it can match."""

    surface: str
    #: Match keys, most likely reading first: stems (one per plausible language), question
    #: concepts, Russian lemmas' stems. Two tokens match when their keys intersect.
    keys: tuple[str, ...]
    kind: Kind
    script: Script
    #: Odds that the word is a noun, an adjective, a verb or something else.
    pos: Odds = NOUN_ODDS
    #: Keys to try only if nothing else explains the word: the stems of its Russian
    #: readings when a Latin word in an English or German question isn't English or German
    #: ("Moskva").
    fallback_keys: tuple[str, ...] = ()
    #: A real word of its language (so a different word, never a typo to correct).
    real_word: bool = False
    #: Moves the question to another time or thing ("next", "другой").
    shift: bool = False
    #: Asks for something to do ("apply", "bewerben", "записаться"): the question's focus.
    focus: bool = False


def text_token(word: str, script: Script, lang: Lang) -> Token:
    """The token of one word (not a number) of a knowledge-base text in *lang*."""
    return _known_text_token(word, script, lang, ("en", "de") if lang == "ru" else (lang,))


def _russian_keys(word: str) -> tuple[list[str], Odds, bool]:
    lemma, pos, known = russian_word(word.replace("ё", "е"))
    return [stem(lemma, "ru")], pos, known


def _known_text_token(
    text: str, script: Script, lang: Lang, latin_langs: tuple[Lang, ...]
) -> Token:
    """The token of one word of a knowledge-base text: what `_analyze_question_words` makes
    of it for a question in *lang*, without what only questions need (part of speech,
    real-word check, other readings). Built for every distinct word of a large index: kept
    lean."""
    if text in _CONCEPT_OF:
        return Token(surface=text, keys=(_CONCEPT_OF[text],), kind=Kind.QUESTION, script=script)
    original = text
    cyrillic = script is Script.CYRILLIC
    if cyrillic:
        text = text.replace("ё", "е")
    if text in SOCIAL_WORDS or original in SOCIAL_WORDS:
        key = stem(text, "ru") if cyrillic else fold_latin(text)
        return Token(surface=text, keys=(key,), kind=Kind.SOCIAL, script=script)
    if text in STOPWORDS[lang] or original in STOPWORDS[lang] or len(text) == 1:
        return Token(surface=text, keys=(), kind=Kind.STOP, script=script)
    if cyrillic:
        lemma = russian_word(text)[0]
        keys = [stem(lemma, "ru")]
        implied = _IMPLIED.get(text) or _IMPLIED.get(lemma)
    else:
        # An umlaut or ß marks a German word (or name): no English reading for it.
        german = not _GERMAN_LETTERS.isdisjoint(text)
        keys = [stem(text, other) for other in latin_langs if not german or other == "de"]
        implied = _IMPLIED.get(text)
    if implied:
        keys.append(implied)
    return Token(
        surface=text,
        keys=tuple(dict.fromkeys(keys)),
        kind=Kind.CONTENT,
        script=script,
        shift=text in SHIFT_WORDS or original in SHIFT_WORDS,
        focus=text in FOCUS_WORDS or original in FOCUS_WORDS,
    )


def _analyze_question_words(
    words: list[Word],
    lang: Lang,
    latin_langs: tuple[Lang, ...],
    readings: Mapping[int, tuple[str, ...]] | None = None,
    fallback_readings: Mapping[int, tuple[str, ...]] | None = None,
    *,
    real_langs: tuple[Lang, ...] = (),
) -> list[Token]:
    """A question's tokens with match keys, part of speech and real-word checks (which
    only matter for words the index may not know). *readings*: Cyrillic readings of words
    typed in Latin letters; *real_langs*: the languages a word must belong to to count as
    real (default: *latin_langs*). Knowledge-base words take the lean path,
    `_known_text_token`, which a test holds to this one."""
    readings = readings or {}
    fallback_readings = fallback_readings or {}
    # Question words are recognised in their Russian reading ("pochemu" → почему).
    read = [
        Word(readings[i][0], Script.CYRILLIC, w.capitalized, w.position) if i in readings else w
        for i, w in enumerate(words)
    ]
    concepts = question_concepts([word.text for word in read])
    stops = STOPWORDS[lang]
    tokens: list[Token] = []
    for index, word in enumerate(read):
        concept = concepts.get(index)
        if concept == "":
            continue
        original = words[index]
        if concept:
            tokens.append(
                Token(surface=word.text, keys=(concept,), kind=Kind.QUESTION, script=word.script)
            )
            continue
        if word.script is Script.NUMBER:
            tokens.append(
                Token(surface=word.text, keys=(word.text,), kind=Kind.NUMBER, script=word.script)
            )
            continue
        text = word.text.replace("ё", "е") if word.script is Script.CYRILLIC else word.text
        if text in SOCIAL_WORDS or original.text in SOCIAL_WORDS:
            key = stem(text, "ru") if word.script is Script.CYRILLIC else fold_latin(text)
            tokens.append(Token(surface=text, keys=(key,), kind=Kind.SOCIAL, script=word.script))
            continue
        if text in _ELSE and index and read[index - 1].text in _ELSE[text]:
            # "какие *ещё* города": which *other* ones — a shift, not filler.
            tokens.append(
                Token(surface=text, keys=(), kind=Kind.CONTENT, script=word.script, shift=True)
            )
            continue
        if text in stops or original.text in stops or len(text) == 1:
            tokens.append(Token(surface=text, keys=(), kind=Kind.STOP, script=word.script))
            continue
        keys: list[str] = []
        real_word = False
        if word.script is Script.CYRILLIC:
            options = readings.get(index, (text,))
            pos: Odds = NOUN_ODDS
            for option in options:
                option_keys, option_pos, known = _russian_keys(option)
                keys.extend(option_keys)
                if option == options[0]:
                    # A rare dictionary form is as likely a misspelling of a known word
                    # ("двухсторонних" for "двусторонних"): only common ones are protected.
                    common = zipf(option, "ru") >= REAL_WORD_ZIPF or len(option) < 7
                    pos, real_word = option_pos, known and common
            if index in readings:
                keys.extend(stem(original.text, other) for other in latin_langs)
        else:
            # An umlaut or ß marks a German word (or name): no English reading for it.
            german = not _GERMAN_LETTERS.isdisjoint(text)
            keys.extend(stem(text, other) for other in latin_langs if not german or other == "de")
            pos = latin_pos(word, latin_langs[0])
            real_word = any(
                _latin_zipf(text, other) >= REAL_WORD_ZIPF for other in real_langs or latin_langs
            )
        implied = _IMPLIED.get(text)
        if implied is None and word.script is Script.CYRILLIC:
            implied = _IMPLIED.get(russian_word(text)[0])
        if implied:
            keys.append(implied)
        fallback = (
            tuple(dict.fromkeys(k for r in fallback_readings[index] for k in _russian_keys(r)[0]))
            if index in fallback_readings
            else ()
        )
        tokens.append(
            Token(
                surface=text,
                keys=tuple(dict.fromkeys(keys)),
                kind=Kind.CONTENT,
                script=word.script,
                pos=pos,
                fallback_keys=fallback,
                real_word=real_word,
                shift=text in SHIFT_WORDS or original.text in SHIFT_WORDS,
                focus=text in FOCUS_WORDS or original.text in FOCUS_WORDS,
            )
        )
    return tokens


#: Filler words that ask for *other* things right after a "which" ("какие ещё" = which
#: other): the word → the "which" words it must follow.
_ELSE: dict[str, frozenset[str]] = {
    "еще": frozenset("какие какой какая какое каких каким какими какую".split()),
}

_GERMAN_LETTERS = frozenset("äöüß")
#: A word this frequent (Zipf) is a real word of the language, not a typo of another.
REAL_WORD_ZIPF = 3.0
#: A word this frequent is the language's own even if another language's filler ("war").
_COMMON_WORD_ZIPF = 4.5
#: A function word this common in one Latin language ("the", "und": Zipf 7.4–7.7) and this
#: much rarer in the other is that language's filler there, though a corpus of the other
#: has it often enough (quotes, names) to look common.
_TOP_FUNCTION_ZIPF = 7.0
_FOREIGN_FUNCTION_MARGIN = 1.5


@dataclass(frozen=True, slots=True)
class Query:
    """An analysed question."""

    text: str
    #: The language the text is written in; None when it doesn't tell.
    lang: Lang | None
    translit: bool
    tokens: tuple[Token, ...]
    #: `phrase_key` of the text as typed: equal to a phrasing's when it is that phrasing.
    phrase: str = ""


def analyze_query(
    text: str,
    vocabulary: Mapping[Lang, Set[str]] | None = None,
    shared: Set[str] = frozenset(),
) -> Query:
    """Analyse a user's question: detect its language, then produce match keys.

    Latin words get stems in both English and German (names and terms cross languages);
    in Russian typed in Latin letters they are read as Cyrillic first. A Latin word in an
    English or German question that is neither an English nor a German word ("Moskva")
    gets its Russian readings as fallback keys.
    """
    cleaned = clean(text)
    words = tokenize(cleaned)
    phrase = phrase_key(_TOKEN.findall(_join_soft_signs(cleaned)))
    guess = guess_language(words, vocabulary, shared)
    # Chat spellings ("u", "pls", "рф"), but not in Russian typed in Latin letters ("u" = у).
    latin_chat = guess.lang != "ru"
    words = [
        Word(CHAT_SPELLINGS[w.text], w.script, w.capitalized, w.position)
        if w.text in CHAT_SPELLINGS and (w.script is Script.CYRILLIC or latin_chat)
        else w
        for w in words
    ]
    readings: dict[int, tuple[str, ...]] = {}
    fallbacks: dict[int, tuple[str, ...]] = {}
    for index, word in enumerate(words):
        if word.script is not Script.LATIN or len(word.text) < 2 or word.text in shared:
            continue
        if guess.translit:
            # (a Cyrillic chat spelling read from Latin letters is read as what it stands
            # for: "skok" → скок → сколько)
            options = tuple(
                CHAT_SPELLINGS.get(option, option) for option in latin_to_cyrillic(word.text)
            )
            if options:
                readings[index] = options[:2]
        elif (
            len(word.text) >= 4
            and not _latin_zipf(word.text, "en")
            and not _latin_zipf(word.text, "de")
        ):
            fallbacks[index] = latin_to_cyrillic(word.text)[:2]
    stop_lang: Lang = "ru" if guess.translit else (guess.lang or "en")
    latin_langs: tuple[Lang, ...] = ("de", "en") if guess.lang == "de" else ("en", "de")
    # In a question that is plainly German or English, a word is real (never a typo) if
    # it is a word of that language: "stat" in a German question is "statt" misspelt.
    real_langs: tuple[Lang, ...] = (guess.lang,) if guess.lang in LATIN_LANGS else ()
    tokens = _analyze_question_words(
        words, stop_lang, latin_langs, readings, fallbacks, real_langs=real_langs
    )
    known = vocabulary or {}

    def foreign_filler(token: Token) -> bool:
        # "and" in "воркшоп Youth and Language", "und" in "the Jugend und Sprache
        # workshop": filler of another language, unless the question's own language uses
        # the word as a term ("war" is English for Krieg, German for "was").
        if token.kind is not Kind.CONTENT:
            return False
        if guess.lang is None:
            return any(token.surface in STOPWORDS[g] for g in LANGS)
        if token.script is not Script.LATIN or guess.translit:
            return False
        if token.surface in known.get(guess.lang, ()):
            return False
        own = _latin_zipf(token.surface, guess.lang)
        return any(
            token.surface in STOPWORDS[g]
            and (own < _COMMON_WORD_ZIPF or _foreign_function_word(token.surface, own, g))
            for g in LATIN_LANGS
            if g != guess.lang
        )

    tokens = [_stop_token(t) if foreign_filler(t) else t for t in tokens]
    tokens = [
        _stop_token(t)
        if t.surface in VOCATIVES and (n == 0 or tokens[n - 1].kind is Kind.SOCIAL)
        else t
        for n, t in enumerate(tokens)
    ]
    tokens = [_function_word_typo(t, stop_lang, known) for t in tokens]
    tokens = [
        _contact_request(t) if _asks_to_contact(t, tokens[n - 1] if n else None) else t
        for n, t in enumerate(tokens)
    ]
    if guess.lang == "en" and not guess.translit:
        tokens = _do_support_verb(tokens)
    return Query(text, guess.lang, guess.translit, tuple(tokens), phrase)


def _foreign_function_word(word: str, own: float, lang: Lang) -> bool:
    """Whether *word*, of Zipf frequency *own* in the question's language, is one of
    *lang*'s commonest function words and far rarer in the question's ("the" in "Wann war
    the Konferenz?", "und" in English)."""
    there = _latin_zipf(word, lang)
    return there >= _TOP_FUNCTION_ZIPF and there >= own + _FOREIGN_FUNCTION_MARGIN


def _asks_to_contact(token: Token, before: Token | None) -> bool:
    """Whether *token* (after *before*) asks how to reach someone."""
    if token.surface in CONTACT_REQUESTS:
        return True
    return (
        token.surface == "contact" and before is not None and before.surface in CONTACT_VERB_CONTEXT
    )


def _contact_request(token: Token) -> Token:
    """A word asking how to reach someone: it matches nothing (not the knowledge base's
    "contacts between Russia and Germany", nor its typo-neighbours) and weighs as the
    question's focus."""
    return replace(token, keys=(), fallback_keys=(), real_word=True, focus=True)


def _stop_token(token: Token) -> Token:
    return Token(surface=token.surface, keys=(), kind=Kind.STOP, script=token.script)


_DO = frozenset({"do", "does", "did"})
_DETERMINERS = frozenset(
    "the a an this that these those its their his her our your my no any some".split()
)


def _do_support_verb(tokens: list[Token]) -> list[Token]:
    """In "What did the second workshop address?" the last word is the verb ("did" wants
    one after its subject), not the noun "address" a lexicon would guess: it frames the
    question and weighs as a verb. Not after a determiner ("…find the address?")."""
    asked = next((i for i, t in enumerate(tokens) if t.surface in _DO), None)
    if asked is None:
        return tokens
    last = max(
        (i for i, t in enumerate(tokens) if i > asked + 1 and t.kind is Kind.CONTENT),
        default=None,
    )
    if last is None or last != len(tokens) - 1 or tokens[last - 1].surface in _DETERMINERS:
        return tokens
    token = tokens[last]
    if not token.pos.verb or token.pos == _ODDS_OF[Pos.VERB]:
        return tokens
    return [*tokens[:last], replace(token, pos=_ODDS_OF[Pos.VERB])]


def _function_word_typo(token: Token, lang: Lang, known: Mapping[Lang, Set[str]]) -> Token:
    """A misspelt function or question word ("Kokie" for какие, "wan" for wann) is that
    word, not an unknown noun that would sink the question."""
    if token.kind is not Kind.CONTENT or token.shift or not 3 <= len(token.surface) <= 12:
        return token
    # A real word of the question's own language stays itself ("wan" is English, not
    # German: in a German question it is "wann").
    if token.script is Script.CYRILLIC and token.real_word:
        return token
    if token.script is Script.LATIN and _latin_zipf(token.surface, lang) >= _COMMON_WORD_ZIPF - 0.5:
        return token
    if any(token.surface in words for words in known.values()):
        return token
    word = _nearest_function_word(token.surface, lang)
    if word is None:
        return token
    concept = _CONCEPT_OF.get(word)
    if concept:
        return Token(surface=word, keys=(concept,), kind=Kind.QUESTION, script=token.script)
    return Token(surface=word, keys=(), kind=Kind.STOP, script=token.script)


def _nearest_function_word(word: str, lang: Lang) -> str | None:
    """*word* if it is a function or question word of *lang*, else the commonest in *lang*
    of those one edit away (optimal string alignment distance 1; ties: the first in sorted
    order), else None: "whn" in English is "when", not German "wen"."""
    words, by_form = _function_words(lang)
    if word in words:
        return word
    # A word one edit away shares a form with it, each with at most one letter deleted.
    near = {
        known
        for form in _deletion_forms(word)
        for known in by_form.get(form, ())
        if _one_edit_apart(word, known)
    }
    return min(near, key=lambda known: (-zipf(known, lang), known), default=None)


def _deletion_forms(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether two different strings are one insertion, deletion, substitution or swap of
    adjacent letters apart."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    shorter = min(len(a), len(b))
    while i < shorter and a[i] == b[i]:
        i += 1
    if len(a) != len(b):
        return a[i + 1 :] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1 :]
    # The same length: a substitution at i, or letters i and i + 1 swapped.
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return a[i : i + 2] == b[i + 1 : i + 2] + b[i : i + 1] and a[i + 2 :] == b[i + 2 :]


@lru_cache(maxsize=3)
def _function_words(lang: Lang) -> tuple[frozenset[str], dict[str, list[str]]]:
    """The function and question words a typo is read as, and each of their forms with at
    most one letter deleted → the words having it."""
    words = {w for w in STOPWORDS[lang] if len(w) >= 3}
    words.update(w for w in _CONCEPT_OF if len(w) >= 3 and _script(w) is _script_of_lang(lang))
    by_form: dict[str, list[str]] = {}
    for word in words:
        for form in _deletion_forms(word):
            by_form.setdefault(form, []).append(word)
    return frozenset(words), by_form


def _script_of_lang(lang: Lang) -> Script:
    return Script.CYRILLIC if lang == "ru" else Script.LATIN

"""Text normalisation: cleaning, tokens, stems, transliteration, language guessing.

Everything the matcher needs to turn a chatty, typo-ridden, possibly transliterated
message into comparable match keys lives here, and the same functions analyse the knowledge
base's phrasings so both sides meet in one key space:

- `clean` / `tokenize`: Unicode normalisation, invisible and control characters removed,
  emoji and punctuation dropped, hyphenated words split ("городов-партнёров").
- `stem`: Snowball stemmers (PyStemmer) per language after folding: ё→е, umlauts typed as
  ä, ae or a alike, ß→ss, British -ise as -ize.
- `russian_word`: pymorphy3 lemmas and parts of speech ("юбилеем" → юбилей, noun), so
  Russian inflection meets one stem and unknown verbs can count less than unknown nouns.
- `latin_to_cyrillic`: Russian typed in Latin letters ("kogda", "skolko") back to
  Cyrillic candidates, ranked by how common each is as a Russian word.
- `guess_language`: a unigram language model over general word frequencies (lexicon.py),
  where names and capitalised words count less and Cyrillic spelled in Latin letters counts
  as Russian.
- function words, chat filler and question words per language: question words become
  language-independent concepts ("?when" for when / wann / когда / kogda).

This module knows no knowledge base; callers pass what their vocabulary knows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING

import Stemmer
from rapidfuzz import process as rf_process
from rapidfuzz.distance import OSA

from twinbot.knowledge import LANGS, Lang

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer
from twinbot.lexicon import NOUN_ODDS, pos_odds, zipf

#: Longer messages are cut before matching so one message cannot burn the CPU.
MAX_MATCH_CHARS = 500

# --------------------------------------------------------------------------- cleaning

_FOLDED = (("ё", "е"), ("ß", "ss"), ("ä", "a"), ("ö", "o"), ("ü", "u"))


def _fold_chars(text: str) -> str:
    """ё → е, ß → ss, umlauts → their vowels (replace() calls: str.translate with a
    mapping is several times slower, and this runs for every word indexed)."""
    if text.isascii():
        return text
    for char, folded in _FOLDED:
        if char in text:
            text = text.replace(char, folded)
    return text


# Letters (any script) and digits; everything else separates tokens. Combining marks are
# removed by NFKD+strip below before this runs on Latin text.
_TOKEN = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")


#: Chat spellings of common words, read as the words ("what can u do" is "what can you do").
CHAT_SPELLINGS = {
    # Not "ya", "ty", "r": in Russian typed in Latin letters they are я, ты and р-words.
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "wat": "what",
    "wut": "what",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "ppl": "people",
    "ppls": "people",
    "smth": "something",
    "sth": "something",
    "smb": "somebody",
    "abt": "about",
    "tho": "though",
    "thru": "through",
    "b4": "before",
    "bday": "birthday",
    "govt": "government",
    "info": "information",
    "infos": "informationen",
    "dtl": "deutschland",
    "vllt": "vielleicht",
    "evtl": "eventuell",
    "bzgl": "bezüglich",
    "skoka": "сколько",
    "скока": "сколько",
    "скоко": "сколько",
}


def fold(text: str) -> str:
    """Lower-case, accent- and punctuation-free form for comparing phrasings.

    "Städtepartnerschaften?" and "stadtepartnerschaften" fold alike; ё and е too; chat
    spellings read as the words they stand for ("u" → "you").
    """
    return phrase_key(_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()))


def _strip_invisible(text: str) -> str:
    # Control (Cc), format (Cf: zero-width, bidi marks), unassigned and private-use
    # characters carry no words; surrogates can't be encoded at all.
    return "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in text if ch != "\u0301"
    )


def clean(text: str, limit: int = MAX_MATCH_CHARS) -> str:
    """NFKC-normalised text without invisible characters, cut to *limit* characters."""
    text = text[: limit * 2]
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isprintable() or "\u0301" in text:
        text = _strip_invisible(text)
    return text[:limit]


class Script(Enum):
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    NUMBER = "number"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Word:
    """One token of a text, before language-specific analysis."""

    text: str  # lower-case surface form
    script: Script
    capitalized: bool  # "Moskau", "INTAMT": likely a name (or a German noun)
    position: int


@lru_cache(maxsize=100_000)
def _script(token: str) -> Script:
    if token.isdigit():
        return Script.NUMBER
    if _CYRILLIC.search(token):
        return Script.CYRILLIC
    if _LATIN.search(token):
        return Script.LATIN
    return Script.OTHER


_ELONGATED = re.compile(r"(\D)\1{2,}")
_DIGIT_RUNS = re.compile(r"\d+|\D+")


_DROPPED_LETTERS = frozenset({"s", "t", "d"})
#: One run of letters and digits → its words as (lower-case text, script, capitalised).
_PIECES: dict[str, tuple[tuple[str, Script, bool], ...]] = {}


def _pieces(raw: str) -> tuple[tuple[str, Script, bool], ...]:
    found = _PIECES.get(raw)
    if found is None:
        found = _split_run(raw)
        if len(_PIECES) < 200_000:
            _PIECES[raw] = found
    return found


def _split_run(raw: str) -> tuple[tuple[str, Script, bool], ...]:
    pieces: list[tuple[str, Script, bool]] = []
    # (search first: sub with a template costs a Python-level call even when nothing
    # matches, and elongations are rare)
    text = _ELONGATED.sub(r"\1", raw) if _ELONGATED.search(raw) else raw
    # Split digit/letter runs ("13th", "2015г") so numbers stay comparable.
    for piece in (text,) if text.isalpha() else _DIGIT_RUNS.findall(text):
        lower = piece.casefold()
        script = _script(lower)
        if script is Script.OTHER:
            continue
        if script is Script.NUMBER:
            lower = str(int(lower)) if len(lower) < 12 else lower
        pieces.append((lower, script, piece[:1].isupper()))
    return tuple(pieces)


def _scan(text: str) -> list[tuple[str, Script, bool]]:
    # (Chat elongations collapse inside each run: `_pieces`.)
    words: list[tuple[str, Script, bool]] = []
    for raw in _TOKEN.findall(text):
        words.extend(_pieces(raw))
    return words


def tokenize(text: str) -> list[Word]:
    """Words of *text*: letters and digits; "13-я" gives "13" and "я", "what's" "what".

    Chat elongations collapse: "sooo" is "so", "hiii" "hi".
    """
    # "what's" / "partnerships'" leave a bare "s"; "d'" etc. likewise: drop them.
    return [
        Word(lower, script, capitalized, position)
        for position, (lower, script, capitalized) in enumerate(_scan(text))
        if not (script is Script.LATIN and lower in _DROPPED_LETTERS)
    ]


#: Every ASCII byte that is not a letter or digit → a space (UTF-8 leaves the bytes of
#: other characters alone).
_SEPARATOR_BYTES = bytes(c for c in range(128) if not chr(c).isalnum())
_ASCII_SEPARATORS = bytes.maketrans(_SEPARATOR_BYTES, b" " * len(_SEPARATOR_BYTES))


def text_runs(text: str) -> list[str]:
    """The runs of letters and digits of a knowledge-base text (what `_TOKEN` finds in its
    cleaned form); `run_words` splits each into the words `tokenize` would find."""
    ascii_text = text.isascii()
    if not (ascii_text and text.isprintable()):
        text = clean(text, limit=len(text) + 1)
    # A byte table splits at ASCII punctuation several times faster than the regex (an
    # index splits every phrasing); a run left with non-ASCII punctuation in it ("«", "—")
    # sends the text to the regex.
    runs = text.encode().translate(_ASCII_SEPARATORS).decode().split()
    if ascii_text or all(map(str.isalnum, runs)):
        return runs
    return _TOKEN.findall(text)


#: Memo of `run_words` (a run recurs across languages and in the build's passes).
_RUN_WORDS: dict[str, tuple[tuple[str, Script], ...]] = {}


def run_words(run: str) -> tuple[tuple[str, Script], ...]:
    """The words of one run of letters and digits, as (lower-case text, script)."""
    found = _RUN_WORDS.get(run)
    if found is None:
        found = tuple(
            (lower, script)
            for lower, script, _ in _split_run(run)
            if not (script is Script.LATIN and lower in _DROPPED_LETTERS)
        )
        if len(_RUN_WORDS) < 200_000:
            _RUN_WORDS[run] = found
    return found


_CHAT_WORDS = frozenset(CHAT_SPELLINGS)


def phrase_key(runs: list[str]) -> str:
    """The runs of letters and digits of a text → the form two texts share when they are
    the same question: lower case, ё/е, ß/ss and umlauts folded, chat spellings read
    ("u" → "you")."""
    key = _fold_chars(" ".join(runs).casefold())
    if not _CHAT_WORDS.isdisjoint(words := key.split()):
        key = " ".join(CHAT_SPELLINGS.get(word, word) for word in words)
    return key


# --------------------------------------------------------------------------- stemming

_STEMMERS = {"en": "english", "de": "german", "ru": "russian"}
#: The languages written in Latin letters.
LATIN_LANGS: tuple[Lang, ...] = ("en", "de")
_BRITISH_ISE = re.compile(r"(?<=\w{3})is(e|ed|es|ing|ation|ations|er|ers)$")
_UMLAUT_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


@lru_cache(maxsize=3)
def _stemmer(lang: Lang) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS[lang])


def fold_latin(word: str) -> str:
    """Latin folding so Düsseldorf, Duesseldorf and Dusseldorf meet: ä/ae → a, ß → ss…"""
    word = _fold_chars(word)
    if not word.isascii():
        word = "".join(
            ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)
        )
    for digraph, vowel in _UMLAUT_DIGRAPHS:
        if digraph in word:
            word = word.replace(digraph, vowel)
    return word


#: Stems by language, word → stem. Plain dicts of strings rather than an lru_cache: no key
#: tuple per call, and nothing the garbage collector has to walk (an index stems ~100,000
#: words). Emptied when full.
_STEMS: dict[str, dict[str, str]] = {"en": {}, "de": {}, "ru": {}}
_STEMS_PER_LANGUAGE = 200_000


def stem(word: str, lang: Lang) -> str:
    """The folded Snowball stem of a lower-case *word* read as *lang*."""
    cache = _STEMS[lang]
    found = cache.get(word)
    if found is None:
        if len(cache) >= _STEMS_PER_LANGUAGE:
            cache.clear()
        found = cache[word] = _stem(word, lang)
    return found


def _stem(word: str, lang: Lang) -> str:
    if lang == "ru":
        stemmed: str = _stemmer("ru").stemWord(word.replace("ё", "е"))
        # "сч" sounds as "щ" (счёт, счастье): writers swap them, so stems don't tell them
        # apart ("по щёту" is "по счёту").
        return stemmed.replace("й", "и").replace("сч", "щ")
    if lang == "en":
        word = _BRITISH_ISE.sub(r"iz\1", word)
    # German Snowball already maps ä→a and "ae"→a; fold again so both languages agree.
    return fold_latin(_stemmer(lang).stemWord(word))


# --------------------------------------------------------------------------- Russian morphology


class Pos(Enum):
    """Coarse part of speech: how much an unknown word is likely to change the question."""

    NOUN = "noun"  # nouns, names, numbers, unknown words: the question's focus
    ADJ = "adj"
    VERB = "verb"  # "deal with", "besprochen", "рассказывают": mostly framing
    OTHER = "other"  # adverbs, particles


_PYMORPHY_POS = {
    "NOUN": Pos.NOUN,
    "ADJF": Pos.ADJ,
    "ADJS": Pos.ADJ,
    "COMP": Pos.ADJ,
    "PRTF": Pos.ADJ,
    "NUMR": Pos.NOUN,
    "VERB": Pos.VERB,
    "INFN": Pos.VERB,
    "PRTS": Pos.VERB,
    "GRND": Pos.VERB,
}


_RUSSIAN_VERB_ENDINGS = (
    "ться",
    "тся",
    "лся",
    "лась",
    "лось",
    "лись",
    "ешь",
    "ете",
    "ите",
    "ают",
    "яют",
    "уют",
)


@lru_cache(maxsize=1)
def _morph() -> MorphAnalyzer:
    # Imported on first use: English and German questions never pay for the dictionary.
    from pymorphy3 import MorphAnalyzer

    return MorphAnalyzer()


@lru_cache(maxsize=200_000)
def russian_word(word: str) -> tuple[str, Odds, bool]:
    """(lemma, part-of-speech odds, known) of a lower-case Russian word form, via pymorphy3.

    Unknown words (names, slang, typos) keep their form and count as nouns, unless they
    end like a verb ("задружились").
    """
    morph = _morph()
    if not morph.word_is_known(word):
        verb = word.endswith(_RUSSIAN_VERB_ENDINGS)
        return word, _ODDS_OF[Pos.VERB] if verb else NOUN_ODDS, False
    parses = morph.parse(word)
    odds = [0.0, 0.0, 0.0, 0.0]
    for parse in parses:
        pos = _PYMORPHY_POS.get(str(parse.tag.POS), Pos.OTHER)
        odds[list(Pos).index(pos)] += parse.score
    total = sum(odds) or 1.0
    shares = (odds[0] / total, odds[1] / total, odds[2] / total, odds[3] / total)
    return parses[0].normal_form.replace("ё", "е"), shares, True


# --------------------------------------------------------------------------- transliteration

# Longest first. Each Latin sequence maps to its Cyrillic readings, most likely first.
_TRANSLIT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shch", ("щ",)),
    ("sch", ("щ", "ш")),
    ("tch", ("ч",)),
    ("zh", ("ж",)),
    ("kh", ("х",)),
    ("ch", ("ч",)),
    ("sh", ("ш", "щ")),
    ("ts", ("ц", "тс")),
    ("tz", ("ц",)),
    ("cz", ("ч",)),
    ("yo", ("е", "йо")),
    ("jo", ("е", "йо")),
    ("yu", ("ю",)),
    ("ju", ("ю",)),
    ("iu", ("ю", "иу")),
    ("ya", ("я",)),
    ("ja", ("я",)),
    ("ia", ("ия", "я")),
    ("ye", ("е", "ые")),
    ("je", ("е",)),
    ("iy", ("ий", "ый")),
    ("yy", ("ый",)),
    ("yj", ("ый",)),
    ("ij", ("ий",)),
    ("ei", ("ей", "еи")),
    ("ai", ("ай", "аи")),
    ("oi", ("ой", "ои")),
    ("ui", ("уй", "уи")),
    ("y", ("ы", "й")),
    ("e", ("е", "э")),
    ("'", ("ь",)),
    ("j", ("й",)),
    ("h", ("х",)),
    ("c", ("ц", "к")),
    ("w", ("в",)),
    ("x", ("кс",)),
    ("q", ("к",)),
    ("a", ("а",)),
    ("b", ("б",)),
    ("v", ("в",)),
    ("g", ("г",)),
    ("d", ("д",)),
    ("z", ("з",)),
    ("i", ("и",)),
    ("k", ("к",)),
    ("l", ("л",)),
    ("m", ("м",)),
    ("n", ("н",)),
    ("o", ("о",)),
    ("p", ("п",)),
    ("r", ("р",)),
    ("s", ("с",)),
    ("t", ("т",)),
    ("u", ("у",)),
    ("f", ("ф",)),
)
_VOWELS = frozenset("aeiouy")
_MAX_TRANSLIT_LENGTH = 40
# Informal transliteration drops the soft sign: "skolko" is сколько, "bolshe" больше.
_SOFTENABLE = frozenset("лнтсдрз")


def _plain_latin(word: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(ch)
    )


@lru_cache(maxsize=50_000)
def latin_to_cyrillic(word: str) -> tuple[str, ...]:
    """Cyrillic readings of a Latin-letter word, known Russian words first.

    "kogda" → ("когда", …); "voobshe" → ("вообще", …); "skolko" → ("сколько", …).
    Variants differ from the most likely reading in at most two places. Empty when the word
    has letters no reading covers.
    """
    word = _plain_latin(word)
    if len(word) > _MAX_TRANSLIT_LENGTH:
        return ()  # no Russian word is this long; variants would grow with its square
    segments: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        for latin, readings in _TRANSLIT:
            if word.startswith(latin, i):
                if latin in ("iy", "yy", "yj", "ij") and word[i + 2 : i + 3] in _VOWELS:
                    continue  # "tsiya": и + я, not ий + а
                if latin == "y":
                    # й after a vowel ("kakoy"), ы after a consonant ("vazhny").
                    after_vowel = i > 0 and word[i - 1] in _VOWELS
                    readings = ("й", "ы") if after_vowel else ("ы", "й")
                elif latin == "e" and i == 0:
                    readings = ("э", "е")
                nxt = word[i + len(latin) : i + len(latin) + 1]
                if readings[0] in _SOFTENABLE and (not nxt or nxt not in _VOWELS):
                    readings = (readings[0], readings[0] + "ь")
                segments.append(readings)
                i += len(latin)
                break
        else:
            return ()
    primary = [options[0] for options in segments]
    variants = ["".join(primary)]
    ambiguous = [n for n, options in enumerate(segments) if len(options) > 1]
    for n in ambiguous:
        for option in segments[n][1:]:
            variants.append("".join([*primary[:n], option, *primary[n + 1 :]]))
    for a_index, a in enumerate(ambiguous):
        for b in ambiguous[a_index + 1 :]:
            for option_a in segments[a][1:]:
                for option_b in segments[b][1:]:
                    chosen = list(primary)
                    chosen[a], chosen[b] = option_a, option_b
                    variants.append("".join(chosen))
    known = sorted({v for v in variants if zipf(v, "ru") > 0}, key=lambda v: (-zipf(v, "ru"), v))
    ordered = [*known, *(v for v in variants[:1] if v not in known)]
    return tuple(ordered[:3])


_CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)


def cyrillic_to_latin(word: str) -> str:
    """A Latin spelling of a Cyrillic word, for names written in the "wrong" script:
    "интамт" → "intamt", "дюссельдорф" → "dyusseldorf" (close enough to correct)."""
    return word.translate(_CYRILLIC_TO_LATIN)


# --------------------------------------------------------------------------- word classes

#: Question words as language-independent concepts: "wann" and "kogda" both ask "?when".
QUESTION_CONCEPTS: dict[str, frozenset[str]] = {
    "?when": frozenset({"when", "wann", "когда"}),
    "?where": frozenset({"where", "wo", "wohin", "woher", "где", "куда", "откуда"}),
    "?who": frozenset(
        {
            "who",
            "whom",
            "whose",
            "wer",
            "wem",
            "wen",
            "wessen",
            "кто",
            "кого",
            "кому",
            "кем",
            "ком",
            "чей",
            "чья",
            "чье",
            "чьи",
        }
    ),
    "?why": frozenset(
        {"why", "warum", "wieso", "weshalb", "weswegen", "почему", "зачем", "отчего"}
    ),
    "?howmany": frozenset({"сколько", "wieviel", "wieviele", "скока", "скоко"}),
}
_CONCEPT_OF = {word: concept for concept, words in QUESTION_CONCEPTS.items() for word in words}
# Two-word question openers: "how many", "wie viele".
_PAIR_CONCEPTS = {
    ("how", "many"): "?howmany",
    ("how", "much"): "?howmany",
    ("wie", "viele"): "?howmany",
    ("wie", "viel"): "?howmany",
    ("seit", "wann"): "?howlong",
    ("how", "long"): "?howlong",
    ("wie", "lange"): "?howlong",
    ("как", "давно"): "?howlong",
    ("как", "долго"): "?howlong",
    ("с", "каких"): "?howlong",
}
# Words that imply a question concept when a phrasing or question uses them instead of the
# question word ("in welchem Jahr" asks "wann"; "Anzahl" asks "wie viele").
IMPLIED_CONCEPTS: dict[Lang, dict[str, str]] = {
    "en": {
        "year": "?when",
        "date": "?when",
        "dates": "?when",
        "day": "?when",
        "days": "?when",
        "number": "?howmany",
        "count": "?howmany",
        "place": "?where",
        "location": "?where",
        "venue": "?where",
        "reason": "?why",
        "reasons": "?why",
        "purpose": "?why",
        "since": "?howlong",
    },
    "de": {
        "jahr": "?when",
        "datum": "?when",
        "tag": "?when",
        "tage": "?when",
        "tagen": "?when",
        "anzahl": "?howmany",
        "zahl": "?howmany",
        "ort": "?where",
        "grund": "?why",
        "gründe": "?why",
        "zweck": "?why",
        "seit": "?howlong",
    },
    "ru": {
        "год": "?when",
        "дата": "?when",
        "день": "?when",
        "количество": "?howmany",
        "место": "?where",
        "причина": "?why",
        "цель": "?why",
    },
}
_IMPLIED = {word: c for table in IMPLIED_CONCEPTS.values() for word, c in table.items()}

#: Greetings, thanks and goodbyes: the whole message when alone ("hi!"), filler inside a
#: question ("hey so when was…").
SOCIAL_WORDS = frozenset(
    """
    hi hello hey hiya howdy greetings morning evening thanks thank thx ty cheers bye goodbye
    cya ciao later hallo moin servus grüß gruss grüezi tag abend danke dankeschön vielen
    dank tschüss tschüs tschau wiedersehen später spaeter привет здравствуйте здравствуй
    здрасте хай добрый день вечер утро спасибо благодарю пока свидания до позже
    """.split()
)

#: Words that move a question to another time or thing than the one the knowledge base
#: describes ("the *next* conference"): never filler, always full weight when unknown.
SHIFT_WORDS = frozenset(
    """
    next upcoming future previous former tomorrow yesterday nächste nächsten nächster
    kommende kommenden künftige vorige vorherige zukünftige gestern следующий
    следующая следующей следующую следующем будущий будущая будущей предыдущий предыдущая
    прошлый прошлая завтра вчера other another weitere weiteren weiterer andere anderen
    anderer другие других другой другая
    """.split()
)

#: Words asking for something to do — apply, register, buy, cost — are what such a
#: question is about, verb or not: unknown to the knowledge base, they weigh as nouns.
FOCUS_WORDS = frozenset(
    """
    apply application applications register registration sign enrol enroll join book buy
    ticket tickets cost costs price fee fees pay bewerben bewerbe bewirbt bewerbung anmelden
    anmeldung registrieren buchen kaufen ticket kosten kostet kostete gekostet preis gebühr
    bezahlen teilnahmegebühr записаться записаться заявка заявку подать зарегистрироваться
    регистрация купить билет билеты стоит стоило стоимость цена платить оплата
    conclude concluded conclusion conclusions outcome outcomes result results achieve
    achieved ergebnis ergebnisse herausgekommen resultat итог итоги результат результаты
    вывод выводы достигли
    """.split()
)

_STOP_EN = """
a an the and or but if then than so of in on at to from by for with about as into onto over
under through is are was were be been being am do does did doing done have has had having
will would shall should can could may might must i me my mine we us our ours you your yours
he him his she her hers it its they them their theirs this that these those there here what
whats which how also too very really just actually please pls plz lol lmao haha hahaha ok okay
k yo yeah yep nah nope guys guy bro dude btw tbh idk um uh hmm hm like kinda sorta anyway
anyways again some any all each every such only own same not no nor up down out off once
tell say said know explain remind wonder wondering curious quick question questions q let
lets gonna wanna gotta got get getting thing things stuff whatever anyone someone ya u ur r
im thx theres thats exactly still even ever th st nd rd omg wow cool pretty quite much many
more most something anything everything somebody anybody kind sort bit lot lots
apart whole overall especially particularly approximately roughly basically generally usually
sometimes often always together article text author mentioned mention besides except
list enumerate show give
"""
_STOP_DE = """
der die das den dem des ein eine einer eines einem einen und oder aber wenn dann so von vom
zu zum zur in im ins an am auf aus bei beim mit nach um für fur fuer durch gegen ohne bis als
wie was welche welcher welches welchen welchem ist sind war waren wird werden wurde wurden
worden sein seid bin bist hat haben hatte hatten habe hast kann können konnte könnte soll
sollte muss mag möchte will ich du er sie es wir ihr mich mir dich dir uns euch ihm ihn ihnen
sich mein meine dein deine seine unser euer dieser diese dieses diesen diesem jener da hier
dort auch noch nochmal schon denn eigentlich eigtl eig also mal halt eben ja nein nicht kein
keine doch nur sehr bitte genau bzw lol ok okay na naja jo gerne eh überhaupt ueberhaupt sag
sagen erzähl erzähle erzaehl weißt weisst wisst wissen frage kurz irgendwie etwa etwas alle
alles jede jeder jedes man dazu darüber drüber davon damit daran darum dabei einfach gibt gibts
gab gabs geben es hey leute digga alter krass son grad gerade irgendwas irgendwer so'n eig
denn dann wieder mehr viel viele ganz echt voll besonders manchmal insgesamt wirklich
ungefähr ziemlich vielleicht eher immer oft meist meistens zusammen außer ausser art artikel
text autor laut erwähnt genannt zeig zeige zeigen gib nenne nenn nennen aufzählen zähl liste
auflisten
"""
_STOP_RU = """
и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только
ее её мне было вот от меня еще ещё нет о об из ему ну ли если уже или ни быть был него до вас
нибудь уж вам ведь там потом себя ничего ей может они тут есть надо ней для мы тебя их чем
была сам чтоб без будто чего раз тоже себе под будет ж тогда этот того этого какой какая
какое какие каких каким какими каком какую это эта эти этих этой этом эту тот та те то
совсем ним здесь один почти мой моя мое мои тем чтобы нее сейчас были всех можно при
наконец хоть над нас про всего них много разве впрочем хорошо свою свой свои перед иногда
лучше чуть том нельзя такой такая такие им всегда конечно всю между который которая
которое которые которых короч короче плиз пожалуйста пж пжл пжлст ладно блин типа вообще
вообще-то кстати слушай скажи скажите подскажи подскажите расскажи расскажите знаешь знаете
ок окей хм лол ааа эй чё че вроде просто именно го
кста щас счас ща плз спс пасиб ый ий ая ое што шо чо че-то ваще вапще
итоге собственно вместе кроме помимо мнению мнение автора автор статье статья статьи тексте
текст упоминается говорится сказано покажи покажите дай дайте перечисли перечислите назови
назовите перечислить
"""

STOPWORDS: dict[Lang, frozenset[str]] = {
    "en": frozenset(_STOP_EN.split()),
    "de": frozenset(_STOP_DE.split()),
    "ru": frozenset(w.replace("ё", "е") for w in _STOP_RU.split()),
}

# Verbs that frame a question ("what did it deal with", "worum ging es", "was wurde
# besprochen") rather than name its subject; matched by stem so every form counts.
_FRAME_VERBS_EN = """
attend become begin bring call cause celebrate change come concern consider cover
create deal decide describe develop discuss do explain feature focus happen handle help hold
include involve join keep lead learn link look make mean meet mention need offer organise
organize participate play promote provide put reach refer relate remember revolve run see
seem show start stand support take talk tackle think try turn use want work write run
recognise recognize recognised name list happen go give find believe consist contain regard
"""
_FRAME_VERBS_DE = """
machen tun geben gehen kommen sagen besprechen behandeln diskutieren entscheiden eingehen
einbeziehen unternehmen unterhalten umsetzen spielen stehen finden stattfinden halten
teilnehmen helfen bringen passieren geschehen beschäftigen drehen gehören heißen nennen zählen
leiten führen organisieren feiern verbinden bedeuten betreffen handeln thematisieren
erarbeiten vorstellen präsentieren bieten anbieten zeigen erreichen nutzen sehen lernen
arbeiten kümmern wissen bewirken fördern beitragen befassen widmen treffen
"""


@lru_cache(maxsize=1)
def _frame_verb_stems() -> frozenset[str]:
    return frozenset(
        {stem(v, "en") for v in _FRAME_VERBS_EN.split()}
        | {stem(v, "de") for v in _FRAME_VERBS_DE.split()}
    )


_DE_PARTICIPLE = re.compile(
    r"^(?:ab|an|auf|aus|bei|ein|mit|nach|vor|weg|zu|zurück|um|durch|über|unter|statt|teil|fest"
    r"|los|hin|her|dar|vorbei)?(?:ge|be|ver|ent|er|zer)[a-zäöüß]{3,}(?:t|en|te|ten)$"
)


Odds = tuple[float, float, float, float]  # noun, adjective, verb, other
_ODDS_OF = {
    Pos.NOUN: (1.0, 0.0, 0.0, 0.0),
    Pos.ADJ: (0.0, 1.0, 0.0, 0.0),
    Pos.VERB: (0.0, 0.0, 1.0, 0.0),
    Pos.OTHER: (0.0, 0.0, 0.0, 1.0),
}


def latin_pos(word: Word, lang: Lang) -> Odds:
    """Part-of-speech odds for an English or German word the index may not know.

    The lexicon (built with the Hanover Tagger over common words) decides where it lists
    the word; question-framing verbs are verbs whatever their other readings ("deal",
    "address"); otherwise word endings, and a noun by default.
    """
    text = word.text
    if stem(text, lang) in _frame_verb_stems():
        return _ODDS_OF[Pos.VERB]
    listed = pos_odds(text, lang)
    if listed is None and lang == "de":
        listed = pos_odds(text.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü"), lang)
    if listed is not None:
        return listed
    if lang == "en":
        if text.endswith("ly") and len(text) > 4:
            return _ODDS_OF[Pos.OTHER]
        if text.endswith("ed") and len(text) > 4:
            return _ODDS_OF[Pos.VERB]
        if text.endswith(("ing", "ous", "ive", "ful", "able", "ible", "al", "ic")):
            return _ODDS_OF[Pos.ADJ]
        return NOUN_ODDS
    if text.endswith(("iert", "ieren")):
        return _ODDS_OF[Pos.VERB]
    if not word.capitalized and _DE_PARTICIPLE.match(text):
        return _ODDS_OF[Pos.VERB]
    if text.endswith(("lich", "ig", "isch", "bar", "sam", "lichen", "igen", "ischen")):
        return _ODDS_OF[Pos.ADJ]
    return NOUN_ODDS


class Kind(Enum):
    """How much a token tells about what is asked."""

    STOP = "stop"  # function words and chat filler: ignored
    SOCIAL = "social"  # hi / danke / пока: the message itself when alone, else filler
    QUESTION = "question"  # a question concept (?when, ?who…): the kind of answer wanted
    CONTENT = "content"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
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


#: Words that are or begin a question concept.
QUESTION_WORDS = frozenset(_CONCEPT_OF) | {first for first, _ in _PAIR_CONCEPTS}


def question_concepts(words: Sequence[str]) -> dict[int, str]:
    """Positions of question words (and two-word openers) → their concept; "" marks the
    second word of an opener (consumed by it)."""
    found: dict[int, str] = {}
    if QUESTION_WORDS.isdisjoint(words):
        return found
    for index, word in enumerate(words):
        # (A pair's second word never begins another pair.)
        if word not in QUESTION_WORDS or index in found:
            continue
        pair = _PAIR_CONCEPTS.get((word, words[index + 1] if index + 1 < len(words) else ""))
        if pair:
            found[index] = pair
            found[index + 1] = ""  # consumed by the pair
        elif word in _CONCEPT_OF:
            found[index] = _CONCEPT_OF[word]
    return found


def text_token(word: str, script: Script, lang: Lang) -> Token:
    """The token of one word (not a number) of a knowledge-base text in *lang*."""
    return _known_text_token(word, script, lang, ("en", "de") if lang == "ru" else (lang,))


def _russian_keys(word: str) -> tuple[list[str], Odds, bool]:
    lemma, pos, known = russian_word(word.replace("ё", "е"))
    return [stem(lemma, "ru")], pos, known


def _known_text_token(
    text: str, script: Script, lang: Lang, latin_langs: tuple[Lang, ...]
) -> Token:
    """The token of one word of a knowledge-base text: what `_analyze_words` makes of it
    for a question in *lang*, without what only questions need (part of speech, real-word
    check, other readings). Built for every distinct word of a large index: kept lean."""
    if text in _CONCEPT_OF:
        return Token(text, (_CONCEPT_OF[text],), Kind.QUESTION, script)
    original = text
    cyrillic = script is Script.CYRILLIC
    if cyrillic:
        text = text.replace("ё", "е")
    if text in SOCIAL_WORDS or original in SOCIAL_WORDS:
        return Token(
            text, (stem(text, "ru") if cyrillic else fold_latin(text),), Kind.SOCIAL, script
        )
    if text in STOPWORDS[lang] or original in STOPWORDS[lang] or len(text) == 1:
        return Token(text, (), Kind.STOP, script)
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
        text,
        tuple(dict.fromkeys(keys)),
        Kind.CONTENT,
        script,
        shift=text in SHIFT_WORDS or original in SHIFT_WORDS,
        focus=text in FOCUS_WORDS or original in FOCUS_WORDS,
    )


def _analyze_words(
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
            tokens.append(Token(word.text, (concept,), Kind.QUESTION, word.script))
            continue
        if word.script is Script.NUMBER:
            tokens.append(Token(word.text, (word.text,), Kind.NUMBER, word.script))
            continue
        text = word.text.replace("ё", "е") if word.script is Script.CYRILLIC else word.text
        if text in SOCIAL_WORDS or original.text in SOCIAL_WORDS:
            key = stem(text, "ru") if word.script is Script.CYRILLIC else fold_latin(text)
            tokens.append(Token(text, (key,), Kind.SOCIAL, word.script))
            continue
        if text in stops or original.text in stops or len(text) == 1:
            tokens.append(Token(text, (), Kind.STOP, word.script))
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
                text,
                tuple(dict.fromkeys(keys)),
                Kind.CONTENT,
                word.script,
                pos,
                fallback,
                real_word,
                text in SHIFT_WORDS or original.text in SHIFT_WORDS,
                text in FOCUS_WORDS or original.text in FOCUS_WORDS,
            )
        )
    return tokens


_GERMAN_LETTERS = frozenset("äöüß")
#: A word this frequent (Zipf) is a real word of the language, not a typo of another.
REAL_WORD_ZIPF = 3.0
#: A word this frequent is the language's own even if another language's filler ("war").
_COMMON_WORD_ZIPF = 4.5


# --------------------------------------------------------------------------- languages


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """Which language a text is written in, if it tells."""

    lang: Lang | None
    #: Russian written in Latin letters.
    translit: bool
    scores: Mapping[Lang, float]


#: A language wins when its log-likelihood beats the runner-up by this many Zipf units;
#: below that the text doesn't tell ("Karlsruhe", "INTAMT 2005").
DECISIVE_MARGIN = 1.0
_UNKNOWN_ZIPF = 1.5  # a Latin word no list knows: a typo or a name, equally likely anywhere
_OTHER_SCRIPT_ZIPF = 0.3  # a Cyrillic word inside English, or vice versa
_TRANSLIT_PENALTY = 0.7  # Russian in Latin letters is rarer than plain English or German
_VOCABULARY_ZIPF = 3.5  # a word the caller's vocabulary knows in that language
_NAME_WEIGHT = 0.7  # a capitalised word inside a sentence: maybe a name, weaker evidence


def _de_variants(word: str) -> Iterable[str]:
    yield word
    for digraph, umlaut in (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("ss", "ß")):
        if digraph in word:
            yield word.replace(digraph, umlaut)


def _latin_zipf(word: str, lang: Lang) -> float:
    if lang == "de":
        return max(zipf(v, "de") for v in _de_variants(word))
    return zipf(word, lang)


def guess_language(
    words: list[Word],
    vocabulary: Mapping[Lang, Set[str]] | None = None,
    shared: Set[str] = frozenset(),
) -> LanguageGuess:
    """The language *words* are written in, from general word frequencies.

    A unigram model: each word adds its Zipf frequency in each language (a log-probability);
    *vocabulary* adds words the caller knows per language (a knowledge base's own terms);
    *shared* are names used in several languages ("karlsruhe", "intamt"): they don't vote.
    """
    vocabulary = vocabulary or {}
    scores: dict[Lang, float] = dict.fromkeys(LANGS, 0.0)
    translit_votes = 0.0
    for word in words:
        if word.script is Script.NUMBER or word.text in shared:
            continue
        weight = _NAME_WEIGHT if word.capitalized and word.position > 0 else 1.0
        if word.script is Script.CYRILLIC:
            text = word.text.replace("ё", "е")
            ru = zipf(text, "ru") or zipf(word.text, "ru")
            if not ru:
                ru = _VOCABULARY_ZIPF if text in vocabulary.get("ru", ()) else 2.0
            scores["ru"] += weight * ru
            scores["en"] += weight * _OTHER_SCRIPT_ZIPF
            scores["de"] += weight * _OTHER_SCRIPT_ZIPF
            continue
        latin: dict[Lang, float] = {}
        for lang in LATIN_LANGS:
            value = _latin_zipf(word.text, lang)
            if not value and word.text in vocabulary.get(lang, ()):
                value = _VOCABULARY_ZIPF
            latin[lang] = value or _UNKNOWN_ZIPF
        options = latin_to_cyrillic(word.text) if len(word.text) > 1 else ()
        ru = zipf(options[0], "ru") if options else 0.0
        if not ru and options and options[0] in vocabulary.get("ru", ()):
            ru = _VOCABULARY_ZIPF
        ru = max(ru - _TRANSLIT_PENALTY, 1.0) if ru else 1.0
        scores["en"] += weight * latin["en"]
        scores["de"] += weight * latin["de"]
        scores["ru"] += weight * ru
        translit_votes += weight * (ru - max(latin.values()))
    ranked = sorted(LANGS, key=lambda lang: -scores[lang])
    if scores[ranked[0]] - scores[ranked[1]] < DECISIVE_MARGIN:
        return LanguageGuess(None, False, scores)
    best = ranked[0]
    translit = best == "ru" and not any(w.script is Script.CYRILLIC for w in words)
    return LanguageGuess(best, translit and translit_votes > 0, scores)


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
    phrase = phrase_key(_TOKEN.findall(cleaned))
    guess = guess_language(words, vocabulary, shared)
    if guess.lang != "ru":
        # Chat spellings ("u", "pls"), but not in Russian typed in Latin letters ("u" = у).
        words = [
            Word(CHAT_SPELLINGS[w.text], w.script, w.capitalized, w.position)
            if w.text in CHAT_SPELLINGS and w.script is Script.LATIN
            else w
            for w in words
        ]
    readings: dict[int, tuple[str, ...]] = {}
    fallbacks: dict[int, tuple[str, ...]] = {}
    for index, word in enumerate(words):
        if word.script is not Script.LATIN or len(word.text) < 2 or word.text in shared:
            continue
        if guess.translit:
            options = latin_to_cyrillic(word.text)
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
    tokens = _analyze_words(
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
        own_word = token.surface in known.get(guess.lang, ()) or (
            _latin_zipf(token.surface, guess.lang) >= _COMMON_WORD_ZIPF
        )
        return not own_word and any(
            token.surface in STOPWORDS[g] for g in ("en", "de") if g != guess.lang
        )

    tokens = [Token(t.surface, (), Kind.STOP, t.script) if foreign_filler(t) else t for t in tokens]
    tokens = [_function_word_typo(t, stop_lang, known) for t in tokens]
    if guess.lang == "en" and not guess.translit:
        tokens = _do_support_verb(tokens)
    return Query(text, guess.lang, guess.translit, tuple(tokens), phrase)


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
    if not token.pos[2] or token.pos == _ODDS_OF[Pos.VERB]:
        return tokens
    return [*tokens[:last], replace(token, pos=_ODDS_OF[Pos.VERB])]


def _function_word_typo(token: Token, lang: Lang, known: Mapping[Lang, Set[str]]) -> Token:
    """A misspelt function or question word ("Kokie" for какие, "wan" for wann) is that
    word, not an unknown noun that would sink the question."""
    if token.kind is not Kind.CONTENT or not 3 <= len(token.surface) <= 8:
        return token
    # A real word of the question's own language stays itself ("wan" is English, not
    # German: in a German question it is "wann").
    if token.script is Script.CYRILLIC and token.real_word:
        return token
    if token.script is Script.LATIN and _latin_zipf(token.surface, lang) >= _COMMON_WORD_ZIPF - 0.5:
        return token
    if any(token.surface in words for words in known.values()):
        return token
    found = rf_process.extractOne(
        token.surface, _function_words(lang), scorer=OSA.distance, score_cutoff=1
    )
    if found is None:
        return token
    word = found[0]
    concept = _CONCEPT_OF.get(word)
    if concept:
        return Token(word, (concept,), Kind.QUESTION, token.script)
    return Token(word, (), Kind.STOP, token.script)


@lru_cache(maxsize=3)
def _function_words(lang: Lang) -> list[str]:
    words = {w for w in STOPWORDS[lang] if len(w) >= 3}
    words.update(w for w in _CONCEPT_OF if len(w) >= 3 and _script(w) is _script_of_lang(lang))
    return sorted(words)


def _script_of_lang(lang: Lang) -> Script:
    return Script.CYRILLIC if lang == "ru" else Script.LATIN


# --------------------------------------------------------------------------- compounds

_LINKING = ("", "s", "es", "n", "en", "e", "er")
#: The linking elements by their last letter, in _LINKING's order.
_LINKING_BY_LAST = {
    last: tuple(linking for linking in _LINKING if linking.endswith(last))
    for last in {linking[-1] for linking in _LINKING if linking}
}
#: Longer "words" are no compounds (the longest German ones in use stay well below).
_MAX_COMPOUND_LENGTH = 60


# Endings that look like a compound's last part but only derive the word: "Partnerschaft"
# is not "Partner" + "schaft", "Deutschland" not "deutsch" + "Land" for matching purposes.
_NOT_A_PART = frozenset(
    "schaft schaften lich liche lichen licher ung ungen heit heiten keit keiten isch ische "
    "ischen land lande länder tum tümer".split()
)


def split_compound(word: str, is_known: Callable[[str], bool], min_part: int = 3) -> list[str]:
    """German compound parts whose stems the caller knows, or [] when no split fits.

    "städtepartnerschaften" → ["städte", "partnerschaften"] when "stadt" and
    "partnerschaft" are known stems. Tries every split point and linking element (Fugen-s,
    -n, -en…), the right part recursively once; prefers the split with the longest parts.
    The head must have at least four letters ("Tag|ungsort" is no split).
    """
    if len(word) > _MAX_COMPOUND_LENGTH:
        return []
    return _split_compound(word, is_known, min_part, {})


def _split_compound(
    word: str, is_known: Callable[[str], bool], min_part: int, tails: dict[str, list[str]]
) -> list[str]:
    # *tails*: the splits of the word's suffixes found so far (each cut recurses into one).
    best: list[str] = []
    best_score = 0
    for cut in range(4, len(word) - min_part + 1):
        left, right = word[:cut], word[cut:]
        if right in _NOT_A_PART:
            continue
        # Heads first: most cuts of most words have no known head (and the tail's split
        # costs more). The head is the left part, or it without a linking element.
        heads = [left] if is_known(stem(left, "de")) else []
        for linking in _LINKING_BY_LAST.get(left[-1], ()):
            if left.endswith(linking) and len(left) - len(linking) >= 4:
                head = left[: len(left) - len(linking)]
                if is_known(stem(head, "de")):
                    heads.append(head)
        if not heads:
            continue
        right_parts = [right] if is_known(stem(right, "de")) else []
        if not right_parts and len(right) >= 4 + min_part and len(right) < 30:
            right_parts = tails.get(right, [])
            if right not in tails:
                right_parts = tails[right] = _split_compound(right, is_known, min_part, tails)
            if len(right_parts) > 2:
                right_parts = []
        if not right_parts:
            continue
        for head in heads:
            parts = [head, *right_parts]
            score = min(len(p) for p in parts)
            if score > best_score:
                best, best_score = parts, score
    return best

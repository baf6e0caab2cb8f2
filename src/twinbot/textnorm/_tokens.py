"""Cleaning and tokens: Unicode normalisation, invisible and control characters removed,
emoji and punctuation dropped, hyphenated words split ("городов-партнёров"), chat
elongations collapsed; the phrase key two spellings of one question share. Two tokenizers
live here and a test holds them equal: `tokenize` for questions, and `text_runs` +
`run_words`, the fast path an index takes through knowledge-base texts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

#: Longer messages are cut before matching so one message cannot burn the CPU.
MAX_MATCH_CHARS = 500

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
#: An apostrophe inside a Latin word that is no English/German contraction ("pol'za",
#: "den’gi": the soft sign as Russian typed in Latin letters writes it) joins the word —
#: transliteration reads "polza" as польза — where "what's", "don't", "we're", "geht's"
#: still split (and "O'Brien", "l'Europe": one letter before it, a name).
_SOFT_SIGN = re.compile(r"(?<=[a-z]{2})['’ʼ](?=[a-z])(?!(?:s|t|d|m|re|ve|ll)(?![a-z]))", re.I)
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
    "rn": "now",
    "yr": "year",
    "yrs": "years",
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
    "скок": "сколько",
    "чтоли": "что",
    "штоли": "что",
    "рф": "россия",
    "фрг": "германия",
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


def _join_soft_signs(text: str) -> str:
    """*text* with the apostrophes `_SOFT_SIGN` describes left out ("pol'za" → "polza")."""
    if "'" in text or "’" in text or "ʼ" in text:
        return _SOFT_SIGN.sub("", text)
    return text


def _scan(text: str) -> list[tuple[str, Script, bool]]:
    # (Chat elongations collapse inside each run: `_pieces`.)
    words: list[tuple[str, Script, bool]] = []
    for raw in _TOKEN.findall(_join_soft_signs(text)):
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
    text = _join_soft_signs(text)
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

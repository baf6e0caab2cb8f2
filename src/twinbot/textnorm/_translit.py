"""Transliteration: Russian typed in Latin letters ("kogda", "skolko") back to Cyrillic
candidates, ranked by how common each is as a Russian word; and names written in Cyrillic
("интамт") in Latin letters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from twinbot.lexicon import zipf

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


#: The scholarly (ISO 9, Czech-style) letters for Russian sounds, as the usual digraphs:
#: "vorkšop" is "vorkshop", "ščí" "shchi" (stripping the mark would make them s, c, z).
_HACEK = (("š", "sh"), ("č", "ch"), ("ž", "zh"), ("ŝ", "shch"), ("ĉ", "ch"))


def _plain_latin(word: str) -> str:
    word = word.casefold()
    if not word.isascii():
        for letter, digraph in _HACEK:
            if letter in word:
                word = word.replace(letter, digraph)
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)
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

"""Snowball stems (PyStemmer) per language after folding: ё→е, umlauts typed as ä, ae or a
alike, ß→ss, British -ise as -ize.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from twinbot.knowledge import Lang
from twinbot.textnorm._tokens import _fold_chars

_STEMMERS = {"en": "english", "de": "german", "ru": "russian"}
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

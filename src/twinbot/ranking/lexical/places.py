"""Cities: which ones each entry's answer names, and the names they go by in any language.

"Which Russian city is Karlsruhe twinned with?" asks for a city (`asked_place`). The
conference's answer names one — Karlsruhe, the city the question already gives — so it tells
the asker nothing they asked: an entry whose answer names no city the question doesn't is
scored as if it missed the question word. One city's names differ by language and case
(Moskau, Moscow, Москвы), so cities are told apart by their GeoNames id: the cities of
Germany and Russia (the two countries the bot is about) and all their names, in
`twinbot.lexicon.city_table`. An index keeps only the cities some answer names, with all
their names: a city no answer names changes no entry's verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from twinbot.knowledge import KnowledgeBase
from twinbot.lexicon import city_table
from twinbot.ranking.lexical.repair import QUESTION_WEIGHT_FLOOR, WH_DETERMINERS, QueryWord
from twinbot.textnorm import STOPWORDS, Kind, Token, russian_word

_TAG = re.compile(r"<[^>]+>")
#: A capitalised word of an answer, hyphenated parts whole ("Baden-Baden").
_CAPITALISED = re.compile(r"(?<![\w-])[A-ZÄÖÜА-ЯЁ][\w-]*\w")
_CYRILLIC = re.compile(r"[а-я]")
_ANY_STOPWORD = frozenset().union(*STOPWORDS.values())

#: Nouns a "which" asks a place with ("which *city*", "welche *Partnerstadt*"), as whole
#: words: "Stadtjubiläum" asks for an anniversary. Russian ones by lemma ("каким *городом*",
#: not "городской").
PLACE_NOUNS = frozenset(
    """
    city cities town towns stadt städte städten partnerstadt partnerstädte partnerstädten
    """.split()
)
PLACE_LEMMAS = frozenset({"город", "побратим"})
#: Words between "which" and its noun: "which *Russian* city", "каким *российским* городом".
_BETWEEN = 2


@dataclass(frozen=True, slots=True)
class AskedPlace:
    """A question's "which city": what missing it weighs, and the cities the question names."""

    weight: float
    cities: frozenset[int]


def _fold(word: str) -> str:
    return word.casefold().replace("ё", "е")


def _keys(word: str) -> list[str]:
    """The forms a word is looked up by: itself, a German genitive without its s
    ("Moskaus"), a Russian word's lemma ("Москвы" → москва)."""
    folded = _fold(word)
    keys = [folded]
    if folded.endswith("s") and not _CYRILLIC.match(folded):
        keys.append(folded[:-1])
    if _CYRILLIC.match(folded):
        keys.append(russian_word(folded)[0])
    return keys


def city_names(knowledge: KnowledgeBase) -> tuple[dict[str, frozenset[int]], list[frozenset[int]]]:
    """The names of the cities the answers name (folded name → city ids), and each entry's
    cities, in knowledge-base order."""
    gazetteer = city_table()
    per_entry: list[frozenset[int]] = []
    for entry in knowledge:
        found: set[int] = set()
        for text in entry.answer.values():
            for word in _CAPITALISED.findall(_TAG.sub(" ", text)):
                if _fold(word) in _ANY_STOPWORD:
                    continue
                for key in _keys(word):
                    found |= gazetteer.get(key, frozenset())
        per_entry.append(frozenset(found))
    named = frozenset().union(*per_entry)
    table = {name: ids & named for name, ids in gazetteer.items() if not ids.isdisjoint(named)}
    return table, per_entry


def cities_in(surfaces: Iterable[str], names: Mapping[str, frozenset[int]]) -> frozenset[int]:
    """The cities (of those the answers name) that *surfaces* name."""
    found: set[int] = set()
    for surface in surfaces:
        for key in _keys(surface):
            found |= names.get(key, frozenset())
    return frozenset(found)


def asked_place(tokens: Sequence[Token]) -> str | None:
    """The noun a "which" asks a place with ("which Russian *city*"), if the question's first
    "which" asks one; a filler word before it ("in welchen *Bereichen* Städten") ends the
    search."""
    for at, token in enumerate(tokens):
        if token.surface in WH_DETERMINERS:
            for following in tokens[at + 1 : at + 2 + _BETWEEN]:
                if following.kind is Kind.STOP:
                    return None
                if _is_place_noun(following.surface):
                    return following.surface
            return None
    return None


def _is_place_noun(word: str) -> bool:
    if _CYRILLIC.match(word):
        return russian_word(_fold(word))[0] in PLACE_LEMMAS
    return word in PLACE_NOUNS


def asked_for_place(
    tokens: Sequence[Token], words: Sequence[QueryWord], names: Mapping[str, frozenset[int]]
) -> AskedPlace | None:
    """The question's "which city", if it asks one: it weighs as a question word would."""
    noun = asked_place(tokens)
    if noun is None:
        return None
    weight = max((word.weight for word in words if word.surface == noun), default=0.0)
    return AskedPlace(
        max(weight, QUESTION_WEIGHT_FLOOR), cities_in((word.surface for word in words), names)
    )

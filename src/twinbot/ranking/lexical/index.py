"""The lexical index: the data `builder` makes of a knowledge base once and the ranker only
reads (terms, per-entry term maps, postings, IDF, the surfaces typo repair looks up), and
the key space both sides share: how a word's surface is folded, what a compound's part is
worth. Nothing here is changed after the build, so one index serves concurrent questions.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from twinbot.knowledge import LANGS, Lang
from twinbot.ranking.lexical.typos import DeleteIndex
from twinbot.textnorm import Script, Token, fold_latin

#: A German compound's part explains a word this much of what the compound would.
COMPOUND_PART_CREDIT = 0.85
#: The longest word typo repair looks at (German compounds are split before that).
MAX_TYPO_LENGTH = 30
#: Words shorter than this are not matched by their sound (too many sound alike).
MIN_SOUND_LENGTH = 5

#: term → credit pairs one token of a text stands for (its stems; a compound's parts).
Group = tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class EntryIndex:
    """One entry's terms: where its phrasings use them and how well it explains each."""

    #: Its phrasings (questions, then keywords); phrasing n's tokens' group ids are
    #: group_ids[starts[n]:starts[n + 1]]. (One flat tuple, and bytes below: an index has
    #: millions of these, and a container for each would cost the garbage collector.)
    texts: tuple[str, ...]
    group_ids: tuple[int, ...]
    starts: tuple[int, ...]
    #: term → the phrasings (numbers, ascending) using it: bytes for entries of fewer than
    #: 256 phrasings (not tracked by the garbage collector), else a tuple
    phrasings_of: dict[int, bytes | tuple[int, ...]]
    #: term → its credit in each of those phrasings, for the terms not always at 1.0 (a
    #: compound's part)
    partial: dict[int, list[float]]
    #: term → how well the entry's phrasings and keywords as a whole explain it
    union: dict[int, float]
    #: term → credit, for the words of the answer
    answer: dict[int, float]


@dataclass(frozen=True, slots=True)
class LexicalIndex:
    """Every phrasing, keyword and answer of a knowledge base, as terms."""

    #: The entries' ids in knowledge-base order, and each id's position.
    ids: list[str]
    position: dict[str, int]
    #: Match key → term id; the keys by id; the keys sorted (for prefix search).
    terms: dict[str, int]
    term_list: list[str]
    sorted_terms: list[str]
    #: A folded surface form (or a long stem) → the terms it stands for.
    surfaces: dict[str, set[int]]
    #: A surface → the languages whose texts use it, as bits (`LANG_BITS`); surfaces not
    #: listed (question words) belong to every language.
    surface_langs: dict[str, int]
    #: The content words each language's texts use.
    vocabulary: dict[Lang, set[str]]
    #: Words used in texts of two or more languages: names ("karlsruhe", "intamt").
    names: frozenset[str]
    #: Words the English texts use: names and loanwords, never split as German compounds.
    english_words: frozenset[str]
    #: Each distinct token of the texts as one group of alternative terms, and its weight
    #: in its text (its rarest reading's IDF).
    groups: list[Group]
    group_weights: list[float]
    entries: list[EntryIndex]
    #: IDF per term over entries, 1.0 for a word in no entry.
    idf: list[float]
    #: Term t's entries are postings[starts[t]:starts[t + 1]], in knowledge-base order.
    postings: np.ndarray
    starts: np.ndarray
    #: Terms in more entries than this don't nominate candidates on their own.
    common: int
    #: `phrase_key` of a phrasing → the one entry it belongs to.
    verbatim: dict[str, int]
    #: The surfaces, findable one or two edits away.
    typos: DeleteIndex
    #: `russian_sound_key` → the Cyrillic surfaces of at least `MIN_SOUND_LENGTH` letters
    #: that sound so.
    sounds: dict[str, tuple[str, ...]]
    #: The names (folded, in any language) of the cities the answers name → their ids, and
    #: each entry's cities (`places`).
    city_names: dict[str, frozenset[int]]
    entry_cities: list[frozenset[int]]
    #: Whether each entry's answer names a person (`persons`).
    entry_people: list[bool]


#: One bit per language, for `LexicalIndex.surface_langs`.
LANG_BITS: dict[Lang, int] = {lang: 1 << n for n, lang in enumerate(LANGS)}


def fold_surface(word: str, script: Script) -> str:
    """The form a word's surface is looked up by: ё/е and й/и alike, umlauts folded."""
    if script is Script.CYRILLIC:
        return word.replace("ё", "е").replace("й", "и")
    return fold_latin(word)


def surface_key(token: Token) -> str:
    return fold_surface(token.surface, token.script)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while an index is built or loaded: it is
    millions of small containers without reference cycles, and each collection would
    traverse all of it again (a third of the build time at 10,000 entries, half of the
    time to unpickle it). The pause is process-wide: a reload built in a worker thread
    pauses collection for the running bot too, for as long as the build takes; cycles
    made meanwhile are collected afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

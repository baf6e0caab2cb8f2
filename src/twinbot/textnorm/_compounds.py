"""German compounds: a word split into parts the caller knows ("städtepartnerschaften" →
"städte" + "partnerschaften"), with linking elements (Fugen-s, -n, -en…); and a
knowledge-base word's token with its compound parts, judged by the general lexicon.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from functools import lru_cache
from typing import NamedTuple

from twinbot.knowledge import Lang
from twinbot.lexicon import frequencies
from twinbot.textnorm._analysis import Kind, Token, text_token
from twinbot.textnorm._stems import stem
from twinbot.textnorm._tokens import Script

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


class TextWord(NamedTuple):
    """A word of a knowledge-base text analysed."""

    token: Token
    #: For a German compound, its parts with their stems; else empty.
    parts: tuple[tuple[str, str], ...]


def analyze_text_word(word: str, script: Script, lang: Lang, english_words: Set[str]) -> TextWord:
    """The token of one word (not a number) of a knowledge-base text in *lang*, and if it is
    a German compound, its parts. Words *english_words* holds (the English texts use them
    too: names, loanwords such as "Karlsruhe") are never split (Karl|s|ruhe)."""
    token = text_token(word, script, lang)
    if (
        token.kind is Kind.CONTENT
        and lang == "de"
        and token.script is Script.LATIN
        and len(token.surface) >= 8
        and token.surface not in english_words
    ):
        parts = tuple((part, stem(part, "de")) for part in _german_parts(token.surface))
        return TextWord(token, parts)
    return TextWord(token, ())


@lru_cache(maxsize=100_000)
def _german_parts(word: str) -> tuple[str, ...]:
    """Parts of a German compound from the knowledge base, judged by the general lexicon.

    Parts must be real German words (the stem itself or a common full form of it), and
    the split must be likelier than the word (Koehn & Knight's frequency test, 2003: the
    parts' mean Zipf frequency above the word's own). "Zusammenarbeit" splits into
    "zusammen" + "arbeit"; "Menschen" is no "mens" + "chen", "gestartet" no "gest" +
    "artet", "Kontakte" no "kont" + "akte" — parts like those would make "Akte" or
    "gestern" find the entry.
    """
    parts = split_compound(word, _german_stems().__contains__)
    if not parts:
        return ()
    zipf = _german_zipf()
    whole = zipf.get(word, 0.0)
    *heads, last = parts
    mean = (
        sum(_part_zipf(zipf, head, linked=True) for head in heads) + _part_zipf(zipf, last)
    ) / len(parts)
    return tuple(parts) if mean > whole else ()


def _part_zipf(zipf: Mapping[str, float], part: str, *, linked: bool = False) -> float:
    """A part's frequency: that of its commonest form with or without an ending, and for a
    part before the last one, also without its linking element ("erfahrungs" → "erfahrung")."""
    bases = [part]
    if linked:
        bases += [part[: -len(link)] for link in _LINKING if link and part.endswith(link)]
    return max(zipf.get(base + ending, 0.0) for base in bases if base for ending in ("", *_ENDINGS))


@lru_cache(maxsize=1)
def _german_zipf() -> Mapping[str, float]:
    return frequencies("de")


@lru_cache(maxsize=1)
def _german_stems() -> frozenset[str]:
    """Strings that are, or with a common ending (-e, -en, -er, -n, -s) make, a German word
    of Zipf frequency 3.3 or more."""
    stems: set[str] = set()
    for word, frequency in _german_zipf().items():
        if frequency >= 3.3:
            stems.add(word)
            stems.update(word[: -len(ending)] for ending in _ENDINGS if word.endswith(ending))
    return frozenset(stems)


_ENDINGS = ("e", "en", "er", "n", "s")

"""German compounds: a word split into parts the caller knows ("städtepartnerschaften" →
"städte" + "partnerschaften"), with linking elements (Fugen-s, -n, -en…).
"""

from __future__ import annotations

from collections.abc import Callable

from twinbot.textnorm._stems import stem

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

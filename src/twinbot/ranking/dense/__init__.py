"""The dense (semantic) ranker: every phrasing embedded once, questions compared by cosine.

Entries are ranked by their best phrasing's cosine with the question. The raw cosines of
multilingual-e5 are compressed (unrelated questions score 0.80–0.88, paraphrases 0.90–0.97),
so nothing here reads them as confidence: `DenseEvidence` reports the cosine, the margin to
the next entry and the answer's similarity, and `twinbot.calibration` normalises them with
statistics fitted on data.

Large knowledge bases are searched in two steps: entry centroids first, then the phrasings of
the best few entries, so a question costs O(entries) rather than O(phrasings).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from twinbot.knowledge import LANGS, KnowledgeBase, Lang
from twinbot.ranking import Scored
from twinbot.ranking.dense.encoder import (
    Encoder,
    HashedEncoder,
    Vectors,
    default_encoder,
    encoder_problem,
)
from twinbot.ranking.dense.store import VectorStore

__all__ = [
    "DenseEvidence",
    "DenseIndex",
    "DenseRanker",
    "DenseRanking",
    "Encoder",
    "HashedEncoder",
    "VectorStore",
    "Vectors",
    "build_dense_index",
    "default_encoder",
    "encoder_problem",
]

_TAG = re.compile(r"<[^>]+>")
#: Up to this many phrasings, every one is compared with the question (about 1 ms per 5,000
#: at 384 dimensions); above it, entry centroids choose whose phrasings are compared.
_FULL_SCAN = 6000
#: Entries whose phrasings are compared after the centroid step.
_REFINE = 48
#: Candidates a ranking reports.
_TOP = 10
#: Cosine marking an entry that was not compared (real cosines are at least -1).
_UNSEEN = -2.0


@dataclass(frozen=True, slots=True)
class DenseEvidence:
    """What the encoder says about one entry."""

    #: Cosine of the question with the entry's closest phrasing.
    cosine: float
    #: That cosine minus the best cosine of any other entry (negative below the top).
    margin: float
    #: 0 for the entry the encoder ranks first.
    rank: int
    #: The closest phrasing, for --explain.
    phrasing: str


@dataclass(frozen=True, slots=True)
class DenseRanking:
    """Entries by their closest phrasing, best first, and the question's vector."""

    candidates: tuple[Scored[DenseEvidence], ...]
    vector: npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class DenseIndex:
    """Every phrasing's vector, the entry it belongs to, and each answer's vector."""

    encoder_name: str
    entry_ids: tuple[str, ...]
    texts: tuple[str, ...]
    #: phrasing n belongs to entry owner[n]; phrasings are grouped by entry, in order
    owner: npt.NDArray[np.int32]
    phrasings: npt.NDArray[np.float16]
    #: entry e's phrasings are rows starts[e]:starts[e + 1]
    starts: npt.NDArray[np.int64]
    #: answers[lang] row e: entry e's answer in that language (zeros where it has none)
    answers: dict[Lang, npt.NDArray[np.float16]]


def plain_answer(text: str) -> str:
    """An answer as the encoder should read it: no tags, no entities, one line."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def build_dense_index(knowledge: KnowledgeBase, store: VectorStore) -> DenseIndex:
    """Embed (or take from *store*) every question phrasing and every answer."""
    texts: list[str] = []
    owner: list[int] = []
    for index, entry in enumerate(knowledge):
        for phrasings in entry.questions.values():
            texts.extend(phrasings)
            owner.extend([index] * len(phrasings))
    answer_texts = [
        (index, lang, plain_answer(entry.answer[lang]))
        for index, entry in enumerate(knowledge)
        for lang in LANGS
        if lang in entry.answer
    ]
    vectors = store.vectors([*texts, *(text for _, _, text in answer_texts)])
    dim = store.encoder.dim
    answers = {lang: np.zeros((len(knowledge), dim), dtype=np.float16) for lang in LANGS}
    for row, (index, lang, _) in enumerate(answer_texts, start=len(texts)):
        answers[lang][index] = vectors[row]
    owners = np.array(owner, dtype=np.int32)
    starts = np.searchsorted(owners, np.arange(len(knowledge) + 1)).astype(np.int64)
    return DenseIndex(
        store.encoder.name,
        tuple(entry.id for entry in knowledge),
        tuple(texts),
        owners,
        vectors[: len(texts)],
        starts,
        answers,
    )


class DenseRanker:
    """Ranks entries by cosine similarity of the question with their phrasings."""

    def __init__(self, index: DenseIndex, encoder: Encoder) -> None:
        if encoder.name != index.encoder_name:
            raise ValueError(f"index made by {index.encoder_name}, encoder is {encoder.name}")
        self.index = index
        self.encoder = encoder
        self._position = {entry_id: n for n, entry_id in enumerate(index.entry_ids)}
        if len(index.texts) <= _FULL_SCAN:
            self._full: npt.NDArray[np.float32] | None = index.phrasings.astype(np.float32)
            self._centroids: npt.NDArray[np.float32] | None = None
        else:
            self._full = None
            sums = np.add.reduceat(
                index.phrasings.astype(np.float32), index.starts[:-1].clip(0, len(index.texts) - 1)
            )
            sizes = np.diff(index.starts)
            sums[sizes == 0] = 0.0
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            np.divide(sums, norms, out=sums, where=norms > 0)
            self._centroids = sums

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self.encoder.encode(texts)

    def rank(self, question: str, vector: npt.NDArray[np.float32] | None = None) -> DenseRanking:
        """The entries closest to *question* (its vector, when the caller has it)."""
        if vector is None:
            vector = self.encoder.encode([question])[0]
        best, best_row = self._best_per_entry(vector)
        # Only the compared entries (a few dozen after the centroid step) are sorted.
        seen = np.flatnonzero(best > _UNSEEN)
        order = seen[np.argsort(-best[seen], kind="stable")][:_TOP]
        top = float(best[order[0]]) if len(order) else 0.0
        second = float(best[order[1]]) if len(order) > 1 else 0.0
        candidates = tuple(
            Scored(
                self.index.entry_ids[entry],
                float(best[entry]),
                DenseEvidence(
                    float(best[entry]),
                    float(best[entry]) - (second if rank == 0 else top),
                    rank,
                    self.index.texts[int(best_row[entry])] if best_row[entry] >= 0 else "",
                ),
            )
            for rank, entry in enumerate(order.tolist())
        )
        return DenseRanking(candidates, vector)

    def evidence(self, ranking: DenseRanking, entry_id: str) -> DenseEvidence:
        """The evidence for any entry, ranked or not."""
        for candidate in ranking.candidates:
            if candidate.entry_id == entry_id:
                return candidate.evidence
        entry = self._position[entry_id]
        low, high = int(self.index.starts[entry]), int(self.index.starts[entry + 1])
        if high == low:
            return DenseEvidence(-1.0, -1.0, len(self.index.entry_ids), "")
        rows = self.index.phrasings[low:high].astype(np.float32) @ ranking.vector
        at = int(np.argmax(rows))
        cosine = float(rows[at])
        top = ranking.candidates[0].evidence.cosine if ranking.candidates else cosine
        return DenseEvidence(
            cosine, cosine - top, len(ranking.candidates), self.index.texts[low + at]
        )

    def answer_similarity(self, ranking: DenseRanking, entry_id: str, lang: Lang) -> float:
        """Cosine of the question with the entry's answer in *lang* (or its first language)."""
        entry = self._position[entry_id]
        for candidate in (lang, *LANGS):
            row = self.index.answers[candidate][entry]
            if row.any():
                return float(row.astype(np.float32) @ ranking.vector)
        return 0.0

    def _best_per_entry(
        self, vector: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        entries = len(self.index.entry_ids)
        best = np.full(entries, _UNSEEN)
        best_row = np.full(entries, -1, dtype=np.int64)
        owner = self.index.owner
        if self._full is not None:
            rows = np.arange(len(owner))
            scores = self._full @ vector
        else:
            assert self._centroids is not None
            rough = self._centroids @ vector
            chosen = np.argpartition(-rough, min(_REFINE, entries - 1))[:_REFINE]
            # The chosen entries' phrasing rows, entry after entry (no Python loop).
            low = self.index.starts[chosen]
            counts = self.index.starts[chosen + 1] - low
            rows = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            scores = self.index.phrasings[rows].astype(np.float32) @ vector
        if len(rows) == 0:
            return best, best_row
        # The best phrasing of each entry: sort by (entry, -score), take each entry's first.
        order = np.lexsort((-scores, owner[rows]))
        first = np.concatenate(([True], owner[rows][order][1:] != owner[rows][order][:-1]))
        winners = order[first]
        best[owner[rows][winners]] = scores[winners]
        best_row[owner[rows][winners]] = rows[winners]
        return best, best_row

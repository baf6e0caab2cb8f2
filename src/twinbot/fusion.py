"""Fusion: the lexical and the dense ranker's candidates as one list, each with the evidence
of both, ready for `twinbot.calibration`.

The candidate pool is the lexical shortlist plus the encoder's top few; every candidate gets
both rankers' evidence (the lexical ranker explains any entry asked for, the dense one gives
any entry's cosine). Candidates are ordered by a weighted sum of evidence whose weights are
fitted with the calibration (`RankWeights`), and each carries the signals the calibrated
model reads: relative ones (margins to the best other candidate) as well as absolute ones.

One question-level signal needs a second embedding: how much the question's meaning moves
when the words the knowledge base has never seen are left out. A near-miss ("Who is the
*mayor* of Suhl?") loses its point without them; a paraphrase ("any workshop for *ppl* like
us?") hardly changes. The same second vector gives a per-entry signal: whether the unknown
words bring the question closer to an entry (a paraphrase's own synonyms) or lead away from
it (the near-miss's own subject).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from twinbot.calibration import RankWeights
from twinbot.knowledge import DEFAULT_LANG, Lang
from twinbot.ranking.dense import DenseEvidence, DenseRanker, Vectors
from twinbot.ranking.lexical import LexicalEvidence, LexicalRanker, LexicalRanking
from twinbot.textnorm import clean

__all__ = ["Fused", "FusedCandidate", "Fuser", "without_words"]

#: The dense ranker's best few join the lexical shortlist.
_DENSE_CANDIDATES = 5
#: Longer messages are never `Fuser.is_cheap`.
_CHEAP_CHARS = 400
#: Question vectors kept (a few MB): the same questions come again and again in a bot (the
#: popular ones, a button's label typed out), and embedding is most of a question's cost.
_VECTOR_CACHE = 4096


@dataclass(frozen=True, slots=True)
class FusedCandidate:
    """One entry with both rankers' evidence and the calibrator's input signals."""

    entry_id: str
    #: The fused ranking score (orders candidates of one question; not a confidence).
    score: float
    lexical: LexicalEvidence
    dense: DenseEvidence | None
    signals: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Fused:
    """A question read by both rankers, its candidates best first."""

    lexical: LexicalRanking
    candidates: tuple[FusedCandidate, ...]
    #: "fused", or "lexical" without an encoder
    mode: str


class Fuser:
    """Combines a lexical ranker with a dense one (or none: lexical-only)."""

    def __init__(
        self, lexical: LexicalRanker, dense: DenseRanker | None, weights: RankWeights
    ) -> None:
        self.lexical = lexical
        self.dense = dense
        self.weights = weights
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def mode(self) -> str:
        return "lexical" if self.dense is None else "fused"

    def is_cheap(self, text: str) -> bool:
        """Whether `fuse(text)` costs a millisecond or two of Python: a question of usual
        length that needs no embedding (lexical-only, typed as a phrasing, or asked before:
        its vectors are kept). A long message takes the lexical ranker tens of milliseconds
        the first time (17,000 characters of random words: 44 ms)."""
        if len(text) > _CHEAP_CHARS:
            return False
        if self.dense is None:
            return True
        with self._lock:
            if clean(text) in self._vectors:
                return True
        return self.lexical.verbatim(text) is not None

    def fuse(self, text: str, hint: Lang | None = None) -> Fused:
        """Rank the entries for *text*; *hint* is the user's language setting (the answer
        compared with the question is the one in the reply language)."""
        ranking = self.lexical.rank(text)
        lang = ranking.detected or hint or DEFAULT_LANG
        if ranking.verbatim is not None:
            # Typed exactly as a phrasing: its entry answers whatever the encoder would say,
            # so the question is not embedded (most of its cost).
            return Fused(ranking, (), self.mode)
        if self.dense is None:
            candidates = tuple(
                FusedCandidate(c.entry_id, c.score, c.evidence, None, {})
                for c in ranking.candidates
            )
            return Fused(ranking, _with_signals(candidates, {}), "lexical")
        dense = self.dense
        # (what the lexical ranker reads too: normalised, cut to MAX_MATCH_CHARS)
        text = clean(text)
        shorter = without_words(text, ranking.unknown_words)
        vectors = self._embed(dense, (text, shorter) if shorter != text else (text,))
        dense_ranking = dense.rank(text, vectors[0])
        dropped = float(1.0 - vectors[1] @ vectors[0]) if len(vectors) > 1 else 0.0
        # The question without its unknown words, for how they move it towards each entry.
        without = dense.rank(shorter, vectors[1]) if len(vectors) > 1 else None
        pool = dict.fromkeys(
            [c.entry_id for c in ranking.candidates]
            + [c.entry_id for c in dense_ranking.candidates[:_DENSE_CANDIDATES]]
        )
        fused: list[FusedCandidate] = []
        for entry_id in pool:
            lexical = self.lexical.evidence(ranking, entry_id).evidence
            evidence = dense.evidence(dense_ranking, entry_id)
            score = self.weights.score(
                lexical.coverage, lexical.fit, lexical.concept_missed, evidence.cosine
            )
            signals = {
                "cosine": evidence.cosine,
                "cosine_margin": evidence.margin,
                "dense_top": 1.0 if evidence.rank == 0 else 0.0,
                "answer_cosine": dense.answer_similarity(dense_ranking, entry_id, lang),
                # > 0: the words the knowledge base doesn't know bring the question closer to
                # this entry (a paraphrase's synonyms); < 0: they lead away from it (a near
                # miss's own subject: "the *results* of the workshop").
                "unknown_pull": (
                    evidence.cosine - dense.evidence(without, entry_id).cosine
                    if without is not None
                    else 0.0
                ),
            }
            fused.append(FusedCandidate(entry_id, round(score, 6), lexical, evidence, signals))
        fused.sort(key=lambda c: (-c.score, c.entry_id))
        return Fused(ranking, _with_signals(tuple(fused), {"dropped": dropped}), "fused")

    def _embed(self, dense: DenseRanker, texts: tuple[str, ...]) -> Vectors:
        """The texts' vectors, from the cache where the same question was asked before
        (keyed by the question alone: the rest follows from it)."""
        key = texts[0]
        with self._lock:
            found = self._vectors.get(key)
            if found is not None:
                self._vectors.move_to_end(key)
                return found
        vectors = dense.embed(texts)
        vectors.setflags(write=False)
        with self._lock:
            self._vectors[key] = vectors
            if len(self._vectors) > _VECTOR_CACHE:
                self._vectors.popitem(last=False)
        return vectors


def _with_signals(
    candidates: tuple[FusedCandidate, ...], question: Mapping[str, float]
) -> tuple[FusedCandidate, ...]:
    """Each candidate's full signal set: its lexical evidence, the dense signals, the
    question-level ones, and its fused-score margin to the best other candidate."""
    result = []
    for n, candidate in enumerate(candidates):
        other = max((c.score for m, c in enumerate(candidates) if m != n), default=0.0)
        ev = candidate.lexical
        signals = {
            "coverage": ev.coverage,
            "fit": ev.fit,
            "concept_missed": ev.concept_missed,
            "unknown": ev.unknown,
            "known_coverage": ev.known_coverage,
            "known_concept_missed": ev.known_concept_missed,
            "unknown_in_question": ev.unknown_in_question,
            **candidate.signals,
            **question,
            "score_margin": candidate.score - other,
        }
        result.append(
            FusedCandidate(
                candidate.entry_id,
                candidate.score,
                candidate.lexical,
                candidate.dense,
                {name: round(value, 6) for name, value in signals.items()},
            )
        )
    return tuple(result)


def without_words(text: str, words: tuple[str, ...]) -> str:
    """*text* with each of *words* (as whole words, any case) left out."""
    shorter = text
    for word in dict.fromkeys(words):
        shorter = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", shorter, flags=re.IGNORECASE)
    return " ".join(shorter.split()) if shorter != text else text

"""What lexical-ranker tests read off a candidate's evidence."""

from __future__ import annotations

from twinbot.ranking.lexical import LexicalRanker


def concept_missed(ranker: LexicalRanker, question: str, entry_id: str) -> float:
    """The share of *question*'s concepts that *entry_id* misses (ranked or not)."""
    ranking = ranker.rank(question)
    return ranker.evidence(ranking, entry_id).evidence.concept_missed

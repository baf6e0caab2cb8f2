"""Rankers: each turns a question into candidate entries with raw evidence, and decides nothing.

`lexical` explains the question's words with the knowledge base's (stems, typos, compounds,
transliteration); `dense` compares meanings with a sentence encoder. Their candidates meet in
`twinbot.fusion`, and `twinbot.calibration` alone turns evidence into a confidence and an
outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

E = TypeVar("E", covariant=True)


@dataclass(frozen=True, slots=True)
class Scored(Generic[E]):
    """One candidate entry: the ranker's own ordering score (comparable only within one
    ranking, never a confidence) and the raw evidence behind it."""

    entry_id: str
    score: float
    evidence: E


class Ranking(Protocol[E]):
    """What a ranker returns: candidates, best first."""

    @property
    def candidates(self) -> Sequence[Scored[E]]: ...


__all__ = ["Ranking", "Scored"]

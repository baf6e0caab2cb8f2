"""Question matching: an index built once from a knowledge base, and `match(text, hint)`.

PLACEHOLDER implementation (rapidfuzz WRatio over all phrasings); the interface — `Matcher`,
`Match`, `Candidate`, `Outcome`, `answer_threshold`, `suggest_threshold` — is final.
Knows nothing of Telegram, YAML or gettext.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process, utils

from twinbot.knowledge import DEFAULT_LANG, KnowledgeBase, Lang


class Outcome(StrEnum):
    """The three things a reply can be."""

    ANSWER = "answer"
    SUGGESTIONS = "suggestions"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry the question may mean, with a calibrated 0-100 confidence."""

    entry_id: str
    score: float
    #: The phrasing (in any language) that matched best, for --explain.
    phrasing: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    """The matcher's verdict on one question."""

    outcome: Outcome
    #: The language to reply in.
    lang: Lang
    #: The language the text is written in, or None when it doesn't tell (a bare name).
    detected: Lang | None
    #: Best first; empty when nothing is remotely close.
    candidates: tuple[Candidate, ...] = ()

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Matcher:
    """Index of every phrasing of every entry."""

    answer_threshold: float = 85.0
    suggest_threshold: float = 60.0

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._choices: list[str] = []
        self._owners: list[tuple[str, str]] = []
        for entry in knowledge:
            for phrasings in entry.questions.values():
                for phrasing in phrasings:
                    self._choices.append(utils.default_process(phrasing))
                    self._owners.append((entry.id, phrasing))

    def match(self, text: str, hint: Lang | None = None) -> Match:
        """Find the entry *text* asks about."""
        detected: Lang | None = "ru" if any("а" <= ch <= "я" for ch in text.lower()) else None
        lang = detected or hint or DEFAULT_LANG
        found = process.extract(
            utils.default_process(text[:500]), self._choices, scorer=fuzz.WRatio, limit=30
        )
        best: dict[str, Candidate] = {}
        for _, score, index in found:
            entry_id, phrasing = self._owners[index]
            if entry_id not in best or best[entry_id].score < score:
                best[entry_id] = Candidate(entry_id, float(score), phrasing)
        candidates = tuple(sorted(best.values(), key=lambda c: (-c.score, c.entry_id))[:5])
        top = candidates[0].score if candidates else 0.0
        if top >= self.answer_threshold:
            outcome = Outcome.ANSWER
        elif top >= self.suggest_threshold:
            outcome = Outcome.SUGGESTIONS
        else:
            outcome = Outcome.NOT_FOUND
        return Match(outcome, lang, detected, candidates)

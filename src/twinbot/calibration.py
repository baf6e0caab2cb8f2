"""One calibrated decision: the fused evidence of a candidate in, a 0–100 confidence out, and
the confidence (with the margin to the runner-up) turned into answer / suggestions / not found.

The model is a logistic regression over standardised features, fitted by
`tools/calibrate.py` on questions not written by the knowledge base's authors; its output —
feature names, standardisation, weights, thresholds, the ranking weights `twinbot.fusion`
orders candidates with, and what it was fitted on — is `data/calibration.json`. Nothing here
is a hand-set constant. There are two variants: "fused" (lexical and dense evidence) and
"lexical" (for where the sentence encoder cannot load). A variant may name another as its
*veto*: it answers only what that one, on the same candidate's evidence, would answer too —
the fused model answers no question the words alone clearly speak against (a near-miss the
encoder finds close: "what did the workshop *conclude*"); it suggests it instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from twinbot.knowledge import Lang

__all__ = [
    "Calibration",
    "Candidate",
    "Match",
    "Model",
    "Outcome",
    "RankWeights",
    "load_calibration",
]


class Outcome(StrEnum):
    """The three things a reply can be."""

    ANSWER = "answer"
    SUGGESTIONS = "suggestions"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry the question may mean, with its calibrated 0–100 confidence."""

    entry_id: str
    score: float
    #: The phrasing (in any language) that matched best, for --explain.
    phrasing: str = ""
    #: Share of the question's weight the entry explains (0–1).
    coverage: float = 0.0
    #: How closely the best phrasing matches the question (0–1).
    fit: float = 0.0
    #: The evidence the confidence was computed from (feature → value), for --explain.
    signals: Mapping[str, float] | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """The decision on one question."""

    outcome: Outcome
    #: The language to reply in.
    lang: Lang
    #: The language the text is written in, or None when it doesn't tell (a bare name).
    detected: Lang | None
    #: Best first; empty when nothing is remotely close.
    candidates: tuple[Candidate, ...] = ()
    #: How the question was read, for --explain: (word, the terms it matched).
    reading: tuple[tuple[str, str], ...] = ()
    #: "fused", or "lexical" when the sentence encoder is unavailable.
    mode: str = "fused"
    #: Why the decision is what it is, for --explain ("exact phrasing", "tie", …).
    reason: str = ""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True, slots=True)
class RankWeights:
    """How `twinbot.fusion` orders candidates: a weighted sum of evidence (fitted)."""

    coverage: float
    fit: float
    concept_missed: float
    cosine: float
    #: The dense cosine is read as (cosine - center) / scale: raw e5 cosines are compressed.
    cosine_center: float
    cosine_scale: float

    def to_json(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in RankWeights.__dataclass_fields__}

    def score(self, coverage: float, fit: float, concept_missed: float, cosine: float) -> float:
        """A candidate's fused ranking score (comparable only within one question)."""
        return (
            self.coverage * coverage
            + self.fit * fit
            - self.concept_missed * concept_missed
            + self.cosine * (cosine - self.cosine_center) / self.cosine_scale
        )


@dataclass(frozen=True, slots=True)
class Model:
    """One fitted variant: standardised logistic regression plus its thresholds."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    #: Confidence (0–100) at or above which the bot answers.
    answer: float
    #: At or above this (but below `answer`) it offers "did you mean" suggestions.
    suggest: float
    #: Two different entries whose fused ranking scores are closer than this are a tie:
    #: suggestions, not an answer.
    tie: float
    #: The variant that must also find an answer answerable (None: no veto).
    veto: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The variant as data/calibration.json holds it (what `Calibration.from_json` reads)."""
        data: dict[str, Any] = {
            "features": list(self.features),
            "mean": list(self.mean),
            "std": list(self.std),
            "weights": list(self.weights),
            "bias": self.bias,
            "answer": self.answer,
            "suggest": self.suggest,
            "tie": self.tie,
        }
        if self.veto is not None:
            data["veto"] = self.veto
        return data

    def confidence(self, signals: Mapping[str, float]) -> float:
        """0–100: the fitted probability that the candidate answers the question."""
        z = self.bias
        for name, mean, std, weight in zip(
            self.features, self.mean, self.std, self.weights, strict=True
        ):
            z += weight * (signals.get(name, 0.0) - mean) / std
        z = max(-60.0, min(60.0, z))
        return 100.0 / (1.0 + math.exp(-z))

    def refuses(self, signals: Mapping[str, float]) -> bool:
        """Whether this model would not answer a candidate of *signals* (as a veto)."""
        return self.confidence(signals) < self.answer

    def outcome(self, confidence: float, runner_up: float | None, gap: float) -> Outcome:
        """The decision for a top candidate of *confidence*; *runner_up* is the confidence
        of the best other entry and *gap* the fused-score margin to it."""
        if confidence >= self.answer:
            if runner_up is not None and runner_up >= self.suggest and gap < self.tie:
                return Outcome.SUGGESTIONS
            return Outcome.ANSWER
        if confidence >= self.suggest:
            return Outcome.SUGGESTIONS
        return Outcome.NOT_FOUND


@dataclass(frozen=True, slots=True)
class Calibration:
    """The fitted data file: ranking weights and one model per variant."""

    rank: RankWeights
    variants: Mapping[str, Model]
    #: What it was fitted on (sets, sizes, revision, held-out figures), for --explain/docs.
    fitted_on: Mapping[str, Any]

    def model(self, variant: str) -> Model:
        return self.variants[variant]

    def veto(self, variant: str) -> Model | None:
        """The model that must agree before *variant* answers, if it names one."""
        name = self.variants[variant].veto
        return None if name is None else self.variants[name]

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank.to_json(),
            "variants": {name: model.to_json() for name, model in self.variants.items()},
            "fitted_on": dict(self.fitted_on),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        variants = {
            name: Model(
                features=tuple(body["features"]),
                mean=_floats(body["mean"]),
                std=_floats(body["std"]),
                weights=_floats(body["weights"]),
                bias=float(body["bias"]),
                answer=float(body["answer"]),
                suggest=float(body["suggest"]),
                tie=float(body["tie"]),
                veto=None if body.get("veto") is None else str(body["veto"]),
            )
            for name, body in data["variants"].items()
        }
        for name, model in variants.items():
            sizes = {len(model.features), len(model.mean), len(model.std), len(model.weights)}
            if len(sizes) != 1 or any(s <= 0 for s in model.std):
                raise ValueError(f"calibration variant {name!r} is malformed")
            if model.veto is not None and (
                model.veto == name
                or model.veto not in variants
                or variants[model.veto].veto is not None
            ):
                raise ValueError(f"calibration variant {name!r} names a bad veto {model.veto!r}")
        return cls(RankWeights(**data["rank"]), variants, dict(data.get("fitted_on", {})))


def _floats(values: Sequence[Any]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


@cache
def load_calibration() -> Calibration:
    """The calibration shipped in the package (read once)."""
    text = resources.files("twinbot").joinpath("data/calibration.json").read_text("utf-8")
    return Calibration.from_json(json.loads(text))

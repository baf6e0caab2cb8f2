"""Evidence per candidate entry: the entries with the most weighted hits come from the
postings in bulk (only the best few are examined closely); each one's *coverage* is how
much of the question's weight it explains, anchored on its best phrasing — words that
phrasing has count fully, words found only in the entry's other phrasings, keywords or
answer count partly, and a question word ("who", "wann") counts only where the phrasing
carrying it also speaks of the question's subject. Words explained nowhere count fully
against it. Raw evidence only: `twinbot.fusion` and `twinbot.calibration` decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twinbot.ranking import Scored
from twinbot.ranking.lexical.index import LexicalIndex
from twinbot.ranking.lexical.places import AskedPlace
from twinbot.ranking.lexical.repair import QueryWord
from twinbot.textnorm import Kind


@dataclass(frozen=True, slots=True)
class LexicalEvidence:
    """What the words of the question say about one entry."""

    #: Share of the question's weight the entry explains (0–1).
    coverage: float
    #: How closely the best phrasing matches the question (0–1).
    fit: float
    #: The phrasing (in any language) that matched best.
    phrasing: str
    #: Share of the weight in question concepts (?who, ?when) the entry doesn't answer.
    concept_missed: float
    #: Share of the weight in words the knowledge base doesn't know at all.
    unknown: float
    #: Coverage of the weight of the words the knowledge base knows.
    known_coverage: float
    #: concept_missed, as a share of the known words' weight.
    known_concept_missed: float
    #: Share of the weight in unknown words of the question's own sentences.
    unknown_in_question: float


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What speaks for one entry."""

    entry: int
    coverage: float
    fit: float
    phrasing: str
    concept_missed: float
    #: The question words' gain from this entry (0–1 each), as anchored on its best phrasing.
    gains: tuple[float, ...]
    #: Each question concept's credit (by word position).
    concepts: dict[int, float]


#: Words only in the entry's answer explain a question less than its phrasings do; numbers
#: in an answer are its facts ("1969", "88") and count more.
_ANSWER_CREDIT = 0.55
_ANSWER_NUMBER_CREDIT = 0.8
#: Words explained by another phrasing of the entry than the one the question is anchored
#: on count this much: one phrasing explaining the whole question is the strong evidence.
_ELSEWHERE_CREDIT = 0.8
#: A question word is fully credited when the phrasing carrying it also covers this share
#: of the question's content.
_CONCEPT_CONTEXT = 0.7
#: A focus word is explained by an entry that gives it this much credit.
_FOCUS_EXPLAINED = 0.5
#: Entries examined closely per question, after the bulk step.
_SHORTLIST = 10
#: Phrasings per entry whose fit is computed: those explaining most of the question.
_FIT_CANDIDATES = 6


def score_candidates(
    index: LexicalIndex,
    words: Sequence[QueryWord],
    place: AskedPlace | None = None,
    person: float | None = None,
) -> tuple[Scored[LexicalEvidence], ...]:
    """The shortlisted entries with their evidence, best first (*place*: the question's
    "which city", if it asks one; *person*: what missing the person it asks for weighs)."""
    total = sum(t.weight for t in words)
    if total <= 0:
        return ()
    candidates = tuple(
        _scored(index, _evidence(index, entry, words, total), words, total, place, person)
        for entry in _shortlist(index, words)
    )
    # Ranked by coverage, with phrasing fit to prefer the entry whose own phrasing
    # is closest ("workshops?" → the list of workshops, not one workshop).
    return tuple(sorted(candidates, key=lambda c: (-c.score, c.entry_id)))


def score_entry(
    index: LexicalIndex,
    words: Sequence[QueryWord],
    entry_id: str,
    place: AskedPlace | None = None,
    person: float | None = None,
) -> Scored[LexicalEvidence]:
    """The evidence for one entry, shortlisted or not."""
    position = index.position[entry_id]
    total = sum(t.weight for t in words)
    if total <= 0:
        empty = LexicalEvidence(0.0, 0.0, "", 0.0, 0.0, 0.0, 0.0, 0.0)
        return Scored(entry_id, 0.0, empty)
    evidence = _evidence(index, position, words, total)
    return _scored(index, evidence, words, total, place, person)


def _scored(
    index: LexicalIndex,
    ev: _Evidence,
    words: Sequence[QueryWord],
    total: float,
    place: AskedPlace | None,
    person: float | None,
) -> Scored[LexicalEvidence]:
    known = [
        (word, gain)
        for word, gain in zip(words, ev.gains, strict=True)
        if word.terms or word.kind is Kind.QUESTION
    ]
    known_total = sum(word.weight for word, _ in known)
    known_gain = sum(word.weight * gain for word, gain in known)
    # A known word the question is about ("what did the workshop *decide*") that this entry
    # doesn't explain counts against it as an unknown one would: another entry's word.
    unexplained = [
        word
        for word, gain in zip(words, ev.gains, strict=True)
        if word.focus and word.terms and gain < _FOCUS_EXPLAINED
    ]
    unknown = [
        word for word in words if not word.terms and word.kind is not Kind.QUESTION
    ] + unexplained
    missed = ev.concept_missed
    if place is not None and not _names_the_city(index.entry_cities[ev.entry], place.cities):
        missed += place.weight
    concept_total = total
    if person is not None:
        # The person asked for is a question concept, as "who" is: weight of the question's,
        # explained only by an answer that names someone.
        concept_total += person
        known_total += person
        if index.entry_people[ev.entry]:
            known_gain += person
        else:
            missed += person
    evidence = LexicalEvidence(
        coverage=round(ev.coverage, 6),
        fit=round(ev.fit, 6),
        phrasing=ev.phrasing,
        concept_missed=round(missed / concept_total, 6),
        unknown=round(
            (sum(t.weight for t in words if not t.terms) + sum(t.weight for t in unexplained))
            / total,
            6,
        ),
        known_coverage=round(known_gain / known_total if known_total else 0.0, 6),
        known_concept_missed=round(missed / known_total if known_total else 0.0, 6),
        unknown_in_question=round(sum(t.weight for t in unknown if t.in_question) / total, 6),
    )
    return Scored(index.ids[ev.entry], round(0.7 * ev.coverage + 0.3 * ev.fit, 6), evidence)


def _names_the_city(answer: frozenset[int], given: frozenset[int]) -> bool:
    """Whether an answer naming the cities *answer* can tell a "which city" question naming
    the cities *given*: it names another one, and, if the question names a city, that one
    too. "Which Russian city is Karlsruhe twinned with?": the conference's answer names only
    Karlsruhe, the partner-city count's names Moscow's partners but not Karlsruhe; neither
    tells, as neither would with the question's "wann" missing."""
    return bool(answer - given) and (not given or not answer.isdisjoint(given))


def _shortlist(index: LexicalIndex, tokens: Sequence[QueryWord]) -> list[int]:
    """The entries with the most weighted hits, best first (ties: knowledge-base order)."""
    # Bulk step over the postings of the rarer terms; the common ones only when no rarer
    # term is known at all.
    starts, postings = index.starts, index.postings
    rough = np.zeros(len(index.entries))
    rare: list[tuple[int, float]] = []
    common: list[tuple[int, float]] = []
    for token in tokens:
        for term, credit in token.terms.items():
            size = starts[term + 1] - starts[term]
            if size:
                (common if size > index.common else rare).append((term, token.weight * credit))
    for term, gain in rare or common:
        rough[postings[starts[term] : starts[term + 1]]] += gain
    touched = np.flatnonzero(rough)
    if len(touched) > _SHORTLIST:
        # The best few without sorting every touched entry (thousands in a large base).
        values = rough[touched]
        cut = len(values) - _SHORTLIST
        touched = touched[values >= np.partition(values, cut)[cut]]
    order = np.lexsort((touched, -rough[touched]))[:_SHORTLIST]
    return [int(entry) for entry in touched[order]]


def _evidence(
    index: LexicalIndex, entry_index: int, tokens: Sequence[QueryWord], total: float
) -> _Evidence:
    entry = index.entries[entry_index]
    content_total = sum(t.weight for t in tokens if t.kind is not Kind.QUESTION and t.in_question)
    # What the entry as a whole explains of each word: other phrasings and keywords,
    # more weakly its answer.
    elsewhere: list[float] = []
    # The same from phrasings and keywords only: what the entry itself is about.
    support: list[float] = []
    offered: dict[int, float] = {}
    for token in tokens:
        best = in_union = 0.0
        for term, credit in token.terms.items():
            offered[term] = max(offered.get(term, 0.0), credit)
            if token.kind is Kind.QUESTION:
                continue
            answer_credit = _ANSWER_NUMBER_CREDIT if token.kind is Kind.NUMBER else _ANSWER_CREDIT
            in_union = max(in_union, credit * entry.union.get(term, 0.0))
            best = max(best, in_union, answer_credit * credit * entry.answer.get(term, 0.0))
        elsewhere.append(_ELSEWHERE_CREDIT * best)
        support.append(_ELSEWHERE_CREDIT * in_union)
    baseline = sum(t.weight * e for t, e in zip(tokens, elsewhere, strict=True))
    # Sparse pass: for each phrasing touched by the question, its hit per token.
    hits_of: dict[int, list[float]] = {}
    for position, token in enumerate(tokens):
        for term, credit in token.terms.items():
            numbers = entry.phrasings_of.get(term, ())
            credits = entry.partial.get(term)
            for nth, number in enumerate(numbers):
                hits = hits_of.get(number)
                if hits is None:
                    hits = hits_of[number] = [0.0] * len(tokens)
                hit = credit * credits[nth] if credits else credit
                if hit > hits[position]:
                    hits[position] = hit
    best_anchor = baseline
    best_gains = elsewhere
    concept_best: dict[int, float] = {}
    recalls: list[tuple[float, int]] = []
    for number in sorted(hits_of):
        hits = hits_of[number]
        content_hit = recall_hit = anchored = 0.0
        for position, token in enumerate(tokens):
            if token.kind is not Kind.QUESTION and token.in_question:
                hit = hits[position]
                content_hit += token.weight * (
                    hit if hit > support[position] else support[position]
                )
        # A question word counts only where the entry asking it also speaks of the
        # question's subject (in that phrasing or its others): "who" in "Who is
        # INTAMT?" doesn't answer "Who founded INTAMT?" — that INTAMT was founded is
        # only in the answer. The subject is in the asking sentence, not in the ones
        # around it ("I teach history. When was…?").
        context = min(1.0, content_hit / content_total / _CONCEPT_CONTEXT) if content_total else 1.0
        gains: list[float] = []
        for position, token in enumerate(tokens):
            hit = hits[position]
            if token.kind is Kind.QUESTION and hit:
                hit *= context
                if hit > concept_best.get(position, 0.0):
                    concept_best[position] = hit
            recall_hit += token.weight * hit
            gain = hit if hit > elsewhere[position] else elsewhere[position]
            gains.append(gain)
            anchored += token.weight * gain
        if anchored > best_anchor:
            best_anchor, best_gains = anchored, gains
        recalls.append((recall_hit / total, number))
    # Fit (F-measure with the phrasing's precision) for the phrasings that explain the
    # most of the question; recall dominates it, so the others cannot win.
    recalls.sort(key=lambda item: (-item[0], item[1]))
    best_fit, best_text = 0.0, ""
    for recall, number in recalls[:_FIT_CANDIDATES]:
        # Precision: how much of the phrasing's own weight the question's terms explain.
        explained = weight_total = 0.0
        for group in entry.group_ids[entry.starts[number] : entry.starts[number + 1]]:
            weight = index.group_weights[group]
            weight_total += weight
            best = 0.0
            for term, group_credit in index.groups[group]:
                value = offered.get(term, 0.0) * group_credit
                if value > best:
                    best = value
            explained += weight * best
        precision = explained / weight_total if weight_total else 0.0
        fit = _f_beta(recall, precision)
        if fit > best_fit:
            best_fit, best_text = fit, entry.texts[number]
    concept_missed = sum(
        t.weight * (1.0 - concept_best.get(i, 0.0))
        for i, t in enumerate(tokens)
        if t.kind is Kind.QUESTION
    )
    coverage = best_anchor / total
    return _Evidence(
        entry_index,
        coverage=coverage,
        fit=best_fit,
        phrasing=best_text,
        concept_missed=concept_missed,
        gains=tuple(best_gains),
        concepts=concept_best,
    )


def _f_beta(recall: float, precision: float) -> float:
    """F-measure weighing the question's recall twice as much as the phrasing's precision."""
    if recall <= 0 or precision <= 0:
        return 0.0
    beta2 = 4.0
    return (1 + beta2) * recall * precision / (beta2 * precision + recall)

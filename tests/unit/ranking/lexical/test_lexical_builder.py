"""The index's per-entry term maps, built for all entries at once in numpy, equal a plain
per-entry computation of the same definitions."""

from __future__ import annotations

import math
from typing import Any

import pytest

from twinbot.knowledge import Entry, KnowledgeBase, Lang, Topic
from twinbot.paths import bundled_knowledge_dir
from twinbot.ranking.lexical import LexicalRanker, builder
from twinbot.validate import load_valid_knowledge

Phrasing = tuple[int, Lang, str, list[int]]


def reference(
    phrasings: list[tuple[Lang, list[int]]], groups: list[tuple[tuple[int, float], ...]]
) -> tuple[dict[int, list[int]], dict[int, list[float]], dict[int, float]]:
    """One entry, term by term: the phrasings using each term, its credit in each (where
    not always 1.0), and how well the phrasings as a whole explain it."""
    uses: dict[int, list[tuple[int, float]]] = {}
    langs_of: dict[int, set[Lang]] = {}
    per_lang: dict[Lang, int] = {}
    for number, (lang, ids) in enumerate(phrasings):
        per_lang[lang] = per_lang.get(lang, 0) + 1
        best: dict[int, float] = {}
        for group in ids:
            for term, credit in groups[group]:
                best[term] = max(best.get(term, 0.0), credit)
        for term, credit in best.items():
            uses.setdefault(term, []).append((number, credit))
            langs_of.setdefault(term, set()).add(lang)
    union = {}
    for term, found in uses.items():
        mentions = 0.0
        for _, credit in found:
            mentions += credit
        share = mentions / sum(per_lang[lang] for lang in langs_of[term])
        union[term] = min(mentions, 1.0) * (0.75 + 0.25 * math.sqrt(min(share, 1.0)))
    numbers = {term: [number for number, _ in found] for term, found in uses.items()}
    partial = {
        term: [credit for _, credit in found]
        for term, found in uses.items()
        if any(credit != 1.0 for _, credit in found)
    }
    return numbers, partial, union


def _odd_base() -> KnowledgeBase:
    many = tuple(
        f"Wann war die {n}. Städtepartnerkonferenz in Karlsruhe?" for n in range(1, 151)
    ) + tuple(f"Partnerstädte Jugendaustausch {n}" for n in range(1, 151))
    entries = (
        # more than 255 phrasings: phrasing numbers don't fit in bytes
        Entry("many", "t", {"de": many, "en": ("When was the conference?",)}, {"de": "Ja."}),
        # nothing but filler words
        Entry("filler", "t", {"en": ("What is it?", "and the of")}, {"en": "Nothing."}),
        Entry(
            "mixed",
            "t",
            {
                "ru": ("Когда была конференция городов-партнёров?",),
                "de": ("Städtepartnerschaften und Jugendaustausch",),
                "en": ("partner cities youth exchange",),
            },
            {"en": "Some <b>answer</b> about Städtepartnerschaften."},
            keywords={"de": ("Partnerstadt",), "ru": ("обмен",)},
        ),
    )
    return KnowledgeBase((Topic("t", {"en": "T"}, tuple(e.id for e in entries)),), entries)


@pytest.mark.parametrize(
    "knowledge",
    [
        pytest.param(lambda: load_valid_knowledge(bundled_knowledge_dir()), id="bundled"),
        pytest.param(_odd_base, id="odd"),
    ],
)
def test_entries_equal_a_plain_reference(knowledge: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    build = builder._build_entries

    def spy(phrasings: list[Phrasing], *rest: Any) -> Any:
        seen["phrasings"] = phrasings
        return build(phrasings, *rest)

    monkeypatch.setattr(builder, "_build_entries", spy)
    index = builder.build_index(knowledge())
    groups = index.groups
    partial_seen = False
    for number, entry in enumerate(index.entries):
        rows = [row for row in seen["phrasings"] if row[0] == number]
        numbers, partial, union = reference([(lang, ids) for _, lang, _, ids in rows], groups)
        assert entry.texts == tuple(text for _, _, text, _ in rows)
        assert entry.group_ids == tuple(g for *_, ids in rows for g in ids)
        assert [entry.starts[n + 1] - entry.starts[n] for n in range(len(rows))] == [
            len(ids) for *_, ids in rows
        ]
        assert {term: list(found) for term, found in entry.phrasings_of.items()} == numbers
        assert entry.partial == partial
        assert entry.union == union  # the same floats, not just close ones
        partial_seen = partial_seen or bool(partial)
    assert partial_seen  # (compound parts were exercised)


def test_odd_entries_still_match() -> None:
    matcher = LexicalRanker(_odd_base())
    assert matcher.rank("Wann war die 77. Städtepartnerkonferenz?").candidates[0].entry_id == "many"
    assert matcher.rank("What is it?").verbatim == "filler"
    assert matcher.rank("обмен").candidates[0].entry_id == "mixed"

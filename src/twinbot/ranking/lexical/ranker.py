"""The lexical ranker: an index built once from a knowledge base, and `rank(text)`.

How a question finds its entries:

1. textnorm analyses it: language, tokens, match keys (stems in the plausible languages,
   Russian lemmas, transliterations, question concepts such as "?when").
2. `repair` reads its tokens against the index (`builder` made it; `index` holds it):
   known terms, repairs for unknown words (compounds, typos, other scripts, prefixes), and
   each word's weight.
3. `scoring` shortlists the entries with the most weighted hits and gives each its
   evidence: coverage, phrasing fit, what is missed. Candidates are ordered by coverage and
   phrasing fit; their evidence goes to `twinbot.fusion`, and only `twinbot.calibration`
   turns it into a confidence.

Knows nothing of Telegram, YAML or gettext, and decides nothing. The index is read-only
after the build, so one ranker serves concurrent questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twinbot.knowledge import KnowledgeBase, Lang
from twinbot.ranking import Scored
from twinbot.ranking.lexical.builder import build_index
from twinbot.ranking.lexical.index import LexicalIndex
from twinbot.ranking.lexical.persons import asked_for_person
from twinbot.ranking.lexical.places import AskedPlace, asked_for_place
from twinbot.ranking.lexical.repair import QueryWord, mark_context, resolve_words
from twinbot.ranking.lexical.scoring import LexicalEvidence, score_candidates, score_entry
from twinbot.textnorm import Kind, analyze_query, clean, phrase_key, text_runs


@dataclass(frozen=True, slots=True)
class LexicalRanking:
    """The lexical ranker's reading of a question and its candidates, best first."""

    #: The language the text is written in, or None when it doesn't tell (a bare name).
    detected: Lang | None
    #: The weighted words, in order.
    words: tuple[QueryWord, ...]
    #: How the question was read, for --explain: (word, the terms it matched or "?").
    reading: tuple[tuple[str, str], ...]
    #: The entry whose phrasing the question is, word for word (normalised), if any.
    verbatim: str | None
    candidates: tuple[Scored[LexicalEvidence], ...]
    #: The question's "which city", if it asks one.
    place: AskedPlace | None = None
    #: What missing the person the question asks for weighs, if it asks for one.
    person: float | None = None

    @property
    def unknown_words(self) -> tuple[str, ...]:
        """The content words the knowledge base doesn't know, as typed."""
        return tuple(w.surface for w in self.words if not w.terms and w.kind is Kind.CONTENT)


class LexicalRanker:
    """Ranks a knowledge base's entries by how well their words explain a question's."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._index = build_index(knowledge)

    @property
    def index(self) -> LexicalIndex:
        """The index the ranker reads."""
        return self._index

    @property
    def entry_ids(self) -> Sequence[str]:
        """The entries' ids, in knowledge-base order."""
        return self._index.ids

    def rank(self, text: str) -> LexicalRanking:
        """Read *text* and rank the entries that explain its words."""
        index = self._index
        query = analyze_query(text, index.vocabulary, index.names)
        words = [t for t in resolve_words(index, query) if t.weight > 0]
        words = mark_context(text, words)
        reading = tuple(
            (t.surface, ",".join(index.term_list[k] for k in t.terms) or "?") for t in words
        )
        verbatim = index.verbatim.get(query.phrase)
        place = asked_for_place(query.tokens, words, index.city_names)
        person = asked_for_person(query.tokens, words)
        return LexicalRanking(
            query.lang,
            tuple(words),
            reading,
            None if verbatim is None else index.ids[verbatim],
            score_candidates(index, words, place, person),
            place,
            person,
        )

    def verbatim(self, text: str) -> str | None:
        """The entry *text* is a phrasing of, word for word (normalised) — what `rank` tells
        as `verbatim`, without reading the rest."""
        found = self._index.verbatim.get(phrase_key(text_runs(clean(text))))
        return None if found is None else self._index.ids[found]

    def evidence(self, ranking: LexicalRanking, entry_id: str) -> Scored[LexicalEvidence]:
        """The evidence for one entry, shortlisted or not (another ranker's candidate)."""
        for candidate in ranking.candidates:
            if candidate.entry_id == entry_id:
                return candidate
        return score_entry(
            self._index, list(ranking.words), entry_id, ranking.place, ranking.person
        )

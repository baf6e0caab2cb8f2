"""The lexical ranker: an index built once from a knowledge base, and `rank(text)`.

How a question finds its entries:

1. textnorm analyses it: language, tokens, match keys (stems in the plausible languages,
   Russian lemmas, transliterations, question concepts such as "?when").
2. Words the index doesn't know are repaired: German compounds are split into known parts;
   typos (1–2 edits) are corrected against the vocabulary's surface forms — but only when
   the word is not itself a real word of the language ("mayor" is no typo of "major"); a
   Latin name is read in Cyrillic ("Moskva"); an inflected form meets its stem by a long
   common prefix.
3. Every word gets a weight: IDF over entries for known words; for unknown words, by part
   of speech — an unknown noun is usually what the question is about ("director", "mayor")
   and weighs most, an unknown verb mostly frames the question ("deal with").
4. Candidate entries come from an inverted index (term → entries), accumulated in bulk;
   only the best few are examined closely.
5. Each candidate's *coverage*: how much of the question's weight the entry explains,
   anchored on its best phrasing — words that phrasing has count fully, words found only
   in the entry's other phrasings, keywords or answer count partly, and a question word
   ("who", "wann") counts only where the phrasing carrying it also speaks of the question's
   subject. Words explained nowhere count fully against it. Candidates are ordered by
   coverage and phrasing fit; their evidence goes to `twinbot.fusion`, and only
   `twinbot.calibration` turns it into a confidence.

Knows nothing of Telegram, YAML or gettext, and decides nothing. All state is built in
__init__ and read-only afterwards, so one ranker serves concurrent questions.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz.distance import OSA

from twinbot.knowledge import LANGS, KnowledgeBase, Lang
from twinbot.ranking import Scored
from twinbot.ranking.lexical.typos import DeleteIndex
from twinbot.textnorm import (
    QUESTION_CONCEPTS,
    QUESTION_WORDS,
    Kind,
    Odds,
    Pos,
    Query,
    Script,
    TextWord,
    Token,
    analyze_query,
    analyze_text_word,
    clean,
    cyrillic_to_latin,
    fold_latin,
    phrase_key,
    question_concepts,
    run_words,
    split_compound,
    stem,
    text_runs,
)

_TAG = re.compile(r"<[^>]+>")


_SENTENCE = re.compile(r"[^.!?;:\n…]+[.!?;:\n…]*")


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One word of a question as the ranker reads it."""

    surface: str
    weight: float
    #: term id → credit (1.0 exact; less for repaired keys); empty: the index doesn't know it
    terms: dict[int, float]
    kind: Kind
    #: False for a word in a sentence around the question ("I teach social studies.") when
    #: the message has a question mark elsewhere.
    in_question: bool = True


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

    @property
    def unknown_words(self) -> tuple[str, ...]:
        """The content words the knowledge base doesn't know, as typed."""
        return tuple(w.surface for w in self.words if not w.terms and w.kind is Kind.CONTENT)


# Credits: how much a repaired or indirect match is worth compared with an exact one.
_FUZZY_CREDIT = {1: 0.85, 2: 0.7}
_PREFIX_CREDIT = 0.75
_COMPOUND_PART_CREDIT = 0.85
#: Words only in the entry's answer explain a question less than its phrasings do; numbers
#: in an answer are its facts ("1969", "88") and count more.
_ANSWER_CREDIT = 0.55
_ANSWER_NUMBER_CREDIT = 0.8
#: Words explained by another phrasing of the entry than the one the question is anchored
#: on count this much: one phrasing explaining the whole question is the strong evidence.
_ELSEWHERE_CREDIT = 0.8
#: How much less a term few of an entry's phrasings use explains than one all of them use.
_PERIPHERAL_DISCOUNT = 0.25
#: A question word is fully credited when the phrasing carrying it also covers this share
#: of the question's content.
_CONCEPT_CONTEXT = 0.7
#: Question concepts (?when, ?who…) always carry at least this weight.
_QUESTION_WEIGHT_FLOOR = 0.9
#: Weight of a word the knowledge base has never seen, by part of speech (known words
#: weigh their IDF, at most 1.0).
_UNKNOWN_WEIGHT = {Pos.NOUN: 1.5, Pos.ADJ: 0.6, Pos.VERB: 0.3, Pos.OTHER: 0.2}


def _unknown_weight(odds: Odds) -> float:
    """The weight of a word the knowledge base has never seen, over its part of speech."""
    return (
        odds.noun * _UNKNOWN_WEIGHT[Pos.NOUN]
        + odds.adj * _UNKNOWN_WEIGHT[Pos.ADJ]
        + odds.verb * _UNKNOWN_WEIGHT[Pos.VERB]
        + odds.other * _UNKNOWN_WEIGHT[Pos.OTHER]
    )


#: A word moving the question to another time ("the *next* conference") weighs this much:
#: the knowledge base describes one past event.
_SHIFT_WEIGHT = 2.5
#: Entries examined closely per question, after the bulk step.
_SHORTLIST = 10
#: Phrasings per entry whose fit is computed: those explaining most of the question.
_FIT_CANDIDATES = 6
#: Terms in more than this share of entries don't nominate candidates on their own
#: (they still count when candidates are scored): keeps the bulk step sublinear.
_COMMON_TERM_SHARE = 0.1
_MIN_PREFIX = 6
#: The longest word typo repair looks at (German compounds are split before that).
_MAX_TYPO_LENGTH = 30


#: One bit per language, to note in one int which languages' phrasings use a term.
_LANG_BITS: dict[Lang, int] = {lang: 1 << number for number, lang in enumerate(LANGS)}
#: A run of letters and digits: the group id of each of its words (-1: a stop word), and
#: its words.
_Run = tuple[tuple[int, ...], tuple[str, ...]]
#: term → credit pairs one token of a text stands for (its stems; a compound's parts).
_Group = tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    #: Its phrasings (questions, then keywords); phrasing n's tokens' group ids are
    #: group_ids[starts[n]:starts[n + 1]]. (One flat tuple, and bytes below: an index has
    #: millions of these, and a container for each would cost the garbage collector.)
    texts: tuple[str, ...]
    group_ids: tuple[int, ...]
    starts: tuple[int, ...]
    #: term → the phrasings (numbers, ascending) using it: bytes for entries of fewer than
    #: 256 phrasings (not tracked by the garbage collector), else a tuple
    phrasings_of: dict[int, bytes | tuple[int, ...]]
    #: term → its credit in each of those phrasings, for the terms not always at 1.0 (a
    #: compound's part)
    partial: dict[int, list[float]]
    #: term → how well the entry's phrasings and keywords as a whole explain it
    union: dict[int, float]
    #: term → credit, for the words of the answer
    answer: dict[int, float]


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


class LexicalRanker:
    """Index of every phrasing, keyword and answer of a knowledge base."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        with gc_paused():
            self._build(knowledge)

    def _build(self, knowledge: KnowledgeBase) -> None:
        self._ids: list[str] = [e.id for e in knowledge]
        self._position: dict[str, int] = {entry_id: n for n, entry_id in enumerate(self._ids)}
        self._terms: dict[str, int] = {}
        self._surfaces: dict[str, set[int]] = defaultdict(set)
        self._vocabulary: dict[Lang, set[str]] = {lang: set() for lang in LANGS}
        # Each distinct token of the texts becomes one group of alternative terms; a text
        # is the tuple of its groups' ids. Words recur across texts: analysed once.
        self._groups: list[_Group] = []
        self._partial_groups: set[int] = set()
        # (build-time: each group's terms at full credit, for building term sets in bulk)
        self._group_terms: list[tuple[int, ...]] = []
        # (build-time memo: per language, word → group id; "?" for question concepts)
        self._group_ids: dict[str, dict[str, int]] = {key: {} for key in (*LANGS, "?")}
        # Memo of the runs of letters and digits met in texts, per language: run → the
        # group ids of its meaningful tokens; the runs with a question word ("wann", "how")
        # in them; and for those texts each run's group id per word and its words.
        self._runs: dict[Lang, dict[str, tuple[int, ...]]] = {lang: {} for lang in LANGS}
        self._asking: dict[Lang, set[str]] = {lang: set() for lang in LANGS}
        self._run_details: dict[Lang, dict[str, _Run]] = {lang: {} for lang in LANGS}
        # The runs of letters and digits of every text: phrasings (entry, language, text,
        # runs) and answers (entry, language, runs). Each distinct run is one string object
        # (a million runs, forty thousand distinct at 10,000 entries): less memory, and
        # the lookups below find their keys by identity.
        canonical: dict[str, str] = {}

        def runs_of(text: str) -> list[str]:
            runs = text_runs(text)
            return list(map(canonical.setdefault, runs, runs))

        phrasing_rows = [
            (index, lang, text, runs_of(text), is_question)
            for index, entry in enumerate(knowledge)
            for is_question, texts in ((True, entry.questions), (False, entry.keywords))
            for lang, phrasings in texts.items()
            for text in phrasings
        ]
        answer_rows = [
            (index, lang, runs_of(_TAG.sub(" ", text) if "<" in text else text))
            for index, entry in enumerate(knowledge)
            for lang, text in entry.answer.items()
        ]
        # Words the English texts use too are names or loanwords ("Karlsruhe", "Workshop"):
        # never split as German compounds (Karl|s|ruhe).
        self._english_words = frozenset(
            word
            for run in dict.fromkeys(
                itertools.chain.from_iterable(
                    runs for _, lang, _, runs, _ in phrasing_rows if lang == "en"
                )
            )
            for word, _ in run_words(run)
        )
        # Every distinct word, analysed in one pass.
        self._analysis = self._analyze_text_words(
            itertools.chain(
                ((lang, runs) for _, lang, _, runs, _ in phrasing_rows),
                ((lang, runs) for _, lang, runs in answer_rows),
            )
        )
        # Every phrasing with a meaningful word: (entry, language, text, its group ids).
        indexed: list[tuple[int, Lang, str, list[int]]] = []
        # phrase_key → the (first) entry using that phrasing; the keys several entries use —
        # apart for questions and keywords: a question is more exact than a keyword
        owner_of: tuple[dict[str, int], dict[str, int]] = ({}, {})
        shared_keys: tuple[set[str], set[str]] = (set(), set())
        index_runs = self._index_runs
        # (Rows are taken off the list as they are read, so the memory of their runs goes
        # to what is built from them instead of leaving the heap fragmented.)
        phrasing_rows.reverse()
        while phrasing_rows:
            index, lang, text, runs, is_question = phrasing_rows.pop()
            key = phrase_key(runs)
            if len(key) >= 3 and owner_of[is_question].setdefault(key, index) != index:
                shared_keys[is_question].add(key)
            groups = index_runs(runs, lang)
            if groups:
                indexed.append((index, lang, text, groups))
        answers: list[dict[int, float]] = [{} for _ in knowledge]
        group_terms = self._group_terms
        answer_rows.reverse()
        while answer_rows:
            index, lang, runs = answer_rows.pop()
            answer = answers[index]
            ids = index_runs(runs, lang)
            # Full credit is the most a term gets: set in bulk, the rest term by term.
            answer |= dict.fromkeys(
                itertools.chain.from_iterable(map(group_terms.__getitem__, ids)), 1.0
            )
            for group in self._partial_groups.intersection(ids):
                for term, credit in self._groups[group]:
                    if credit > answer.get(term, 0.0):
                        answer[term] = credit
        # (build-time only; freed before the entries are made, which is the peak)
        del self._group_ids, self._runs, self._asking, self._run_details, self._partial_groups
        del self._group_terms, self._analysis, group_terms
        entries = _build_entries(indexed, answers, self._groups, len(self._terms))
        del indexed
        self._entries = entries
        for concept, concept_words in QUESTION_CONCEPTS.items():
            if concept in self._terms:
                for word in concept_words:
                    if len(word) >= 5:
                        self._surfaces[_fold_surface(word, _script_of(word))].add(
                            self._terms[concept]
                        )
        self._names = self._shared_words()
        self._idf = self._inverse_document_frequencies(entries)
        # A token's weight in its text: its rarest reading's.
        # (one array op over all groups; a group without terms reads term -1, weight 0)
        idf = np.array([*self._idf, 0.0])
        group_starts = np.cumsum([0] + [len(group) or 1 for group in self._groups])
        members = np.fromiter(
            (term for group in self._groups for term, _ in group or ((-1, 0.0),)),
            dtype=np.int64,
            count=int(group_starts[-1]),
        )
        self._group_weights: list[float] = (
            np.maximum.reduceat(idf[members], group_starts[:-1]).tolist() if self._groups else []
        )
        # term t's entries are _postings[_starts[t]:_starts[t + 1]], in knowledge-base order
        # (one flat array: small to keep and to load, and numpy adds a term's gain to all
        # its entries at once).
        used = [built.union.keys() | built.answer.keys() for built in entries]
        terms = np.fromiter(
            itertools.chain.from_iterable(used), dtype=np.int64, count=sum(map(len, used))
        )
        order = np.argsort(terms, kind="stable")
        self._postings = np.repeat(np.arange(len(entries), dtype=np.int32), [len(u) for u in used])[
            order
        ]
        self._starts = np.zeros(len(self._terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(self._terms)), out=self._starts[1:])
        self._common = max(50, int(_COMMON_TERM_SHARE * len(entries)))
        self._term_list = list(self._terms)
        self._sorted_terms = sorted(self._terms)
        # A question typed exactly as an organiser wrote it is answered by that entry even
        # when it is made only of words that are filler elsewhere ("What can you do?"); a
        # phrasing one entry asks as a question and others list as a keyword ("youth
        # exchange") is the question's. A phrasing two entries share is nobody's.
        by_keyword, by_question = owner_of
        for owners, shared in zip(owner_of, shared_keys, strict=True):
            for key in shared:
                del owners[key]
        for key in shared_keys[True]:
            by_keyword.pop(key, None)
        self._verbatim = by_keyword | by_question
        # (a longer known word is no typo of any word typo repair looks at)
        self._typos = DeleteIndex(list(self._surfaces), _MAX_TYPO_LENGTH + 1)

    # ------------------------------------------------------------------ index building

    def _term(self, key: str) -> int:
        term = self._terms.get(key)
        if term is None:
            term = self._terms[key] = len(self._terms)
        return term

    def _index_runs(self, runs: list[str], lang: Lang) -> list[int]:
        """The group ids of a text's meaningful tokens, from its runs (`text_runs`)."""
        memo = self._runs[lang]
        try:
            known = list(map(memo.__getitem__, runs))
        except KeyError:
            for run in runs:
                if run not in memo:
                    self._new_run(run, lang)
            known = list(map(memo.__getitem__, runs))
        if self._asking[lang].isdisjoint(runs):
            return list(itertools.chain.from_iterable(known))
        # A question word: concepts may span runs ("how many").
        details = self._run_details[lang]
        words: list[str] = []
        per_word: list[int] = []
        for run in runs:
            groups, lowers = details[run]
            per_word += groups
            words += lowers
        for position, concept in question_concepts(words).items():
            per_word[position] = self._concept_group(concept) if concept else -1
        return [group for group in per_word if group >= 0]

    def _new_run(self, run: str, lang: Lang) -> None:
        memo = self._group_ids[lang]
        words = run_words(run)
        groups = []
        for word, script in words:
            group = memo.get(word)
            if group is None:
                group = memo[word] = self._new_group(word, script, lang)
            groups.append(group)
        self._runs[lang][run] = tuple(group for group in groups if group >= 0)
        lowers = tuple(word for word, _ in words)
        if not QUESTION_WORDS.isdisjoint(lowers):
            self._asking[lang].add(run)
        self._run_details[lang][run] = (tuple(groups), lowers)

    def _analyze_text_words(
        self, texts: Iterable[tuple[Lang, list[str]]]
    ) -> dict[Lang, dict[str, TextWord]]:
        """Every distinct word of *texts* (language, runs) analysed: its token, and for a
        German compound its parts with their stems."""
        runs_in: dict[Lang, list[list[str]]] = {lang: [] for lang in LANGS}
        for lang, runs in texts:
            runs_in[lang].append(runs)
        analysis: dict[Lang, dict[str, TextWord]] = {}
        for lang, all_runs in runs_in.items():
            distinct = dict.fromkeys(itertools.chain.from_iterable(all_runs))
            words = {
                word: script
                for run in distinct
                for word, script in run_words(run)
                if script is not Script.NUMBER
            }
            analysis[lang] = {
                word: analyze_text_word(word, script, lang, self._english_words)
                for word, script in words.items()
            }
        return analysis

    def _concept_group(self, concept: str) -> int:
        group = self._group_ids["?"].get(concept)
        if group is None:
            group = self._group_ids["?"][concept] = self._add_group({self._term(concept): 1.0})
        return group

    def _new_group(self, word: str, script: Script, lang: Lang) -> int:
        """Register the terms of a word first met in a text; -1 for a stop word."""
        if script is Script.NUMBER:
            return self._add_group({self._term(word): 1.0})
        token, parts = self._analysis[lang][word]
        if token.kind is Kind.STOP:
            return -1
        alternatives = {self._term(key): 1.0 for key in token.keys}
        if token.kind is Kind.CONTENT:
            self._register_surfaces(token, lang, alternatives, parts)
        return self._add_group(alternatives)

    def _add_group(self, alternatives: dict[int, float]) -> int:
        if any(credit != 1.0 for credit in alternatives.values()):
            self._partial_groups.add(len(self._groups))
        self._groups.append(tuple(alternatives.items()))
        self._group_terms.append(tuple(t for t, credit in alternatives.items() if credit == 1.0))
        return len(self._groups) - 1

    def _register_surfaces(
        self,
        token: Token,
        lang: Lang,
        alternatives: dict[int, float],
        parts: tuple[tuple[str, str], ...],
    ) -> None:
        """Make a content word findable by typo repair, and a German compound by its
        *parts* (part, its stem), which join *alternatives* with a part's credit."""
        self._vocabulary[lang].add(token.surface)
        self._surfaces[_surface_key(token)].update(alternatives)
        # Stems too, so a misspelt form the phrasings never use ("культры") meets the stem
        # of the forms they do ("культур").
        for key in token.keys:
            if len(key) >= 5 and not key.startswith("?"):
                self._surfaces[key].add(self._terms[key])
        for part, part_stem in parts:
            part_term = self._term(part_stem)
            alternatives.setdefault(part_term, _COMPOUND_PART_CREDIT)
            self._surfaces[_fold_surface(part, token.script)].add(part_term)

    def _shared_words(self) -> frozenset[str]:
        """Words used in texts of two or more languages: names ("karlsruhe", "intamt")."""
        seen: dict[str, int] = defaultdict(int)
        for words in self._vocabulary.values():
            for word in words:
                seen[word] += 1
        return frozenset(word for word, count in seen.items() if count >= 2)

    def _inverse_document_frequencies(self, entries: list[_Entry]) -> list[float]:
        """IDF per term over entries, scaled so that a word in no entry would weigh 1.0."""
        n = max(len(entries), 1)
        count = sum(len(entry.union) for entry in entries)
        used = np.fromiter(
            itertools.chain.from_iterable(entry.union for entry in entries), np.int64, count
        )
        df = np.bincount(used, minlength=len(self._terms)).tolist()
        unseen = math.log(1.0 + (n + 0.5) / 0.5)
        return [math.log(1.0 + (n - d + 0.5) / (d + 0.5)) / unseen for d in df]

    # ------------------------------------------------------------------ matching

    @property
    def entry_ids(self) -> Sequence[str]:
        """The entries' ids, in knowledge-base order."""
        return self._ids

    def rank(self, text: str) -> LexicalRanking:
        """Read *text* and rank the entries that explain its words."""
        query = analyze_query(text, self._vocabulary, self._names)
        words = [t for t in self._resolve(query) if t.weight > 0]
        words = _mark_context(text, words)
        reading = tuple(
            (t.surface, ",".join(self._term_list[k] for k in t.terms) or "?") for t in words
        )
        verbatim = self._verbatim.get(query.phrase)
        total = sum(t.weight for t in words)
        candidates: tuple[Scored[LexicalEvidence], ...] = ()
        if total > 0:
            candidates = tuple(
                self._scored(self._evidence(entry, words, total), words, total)
                for entry in self._shortlist(words)
            )
            # Ranked by coverage, with phrasing fit to prefer the entry whose own phrasing
            # is closest ("workshops?" → the list of workshops, not one workshop).
            candidates = tuple(sorted(candidates, key=lambda c: (-c.score, c.entry_id)))
        return LexicalRanking(
            query.lang,
            tuple(words),
            reading,
            None if verbatim is None else self._ids[verbatim],
            candidates,
        )

    def evidence(self, ranking: LexicalRanking, entry_id: str) -> Scored[LexicalEvidence]:
        """The evidence for one entry, shortlisted or not (another ranker's candidate)."""
        for candidate in ranking.candidates:
            if candidate.entry_id == entry_id:
                return candidate
        index = self._position[entry_id]
        words = list(ranking.words)
        total = sum(t.weight for t in words)
        if total <= 0:
            empty = LexicalEvidence(0.0, 0.0, "", 0.0, 0.0, 0.0, 0.0, 0.0)
            return Scored(entry_id, 0.0, empty)
        return self._scored(self._evidence(index, words, total), words, total)

    def _scored(
        self, ev: _Evidence, words: list[QueryWord], total: float
    ) -> Scored[LexicalEvidence]:
        known = [
            (word, gain)
            for word, gain in zip(words, ev.gains, strict=True)
            if word.terms or word.kind is Kind.QUESTION
        ]
        known_total = sum(word.weight for word, _ in known)
        unknown = [word for word in words if not word.terms and word.kind is not Kind.QUESTION]
        evidence = LexicalEvidence(
            coverage=round(ev.coverage, 6),
            fit=round(ev.fit, 6),
            phrasing=ev.phrasing,
            concept_missed=round(ev.concept_missed / total, 6),
            unknown=round(sum(t.weight for t in words if not t.terms) / total, 6),
            known_coverage=round(
                sum(word.weight * gain for word, gain in known) / known_total
                if known_total
                else 0.0,
                6,
            ),
            known_concept_missed=round(ev.concept_missed / known_total if known_total else 0.0, 6),
            unknown_in_question=round(sum(t.weight for t in unknown if t.in_question) / total, 6),
        )
        return Scored(self._ids[ev.entry], round(0.7 * ev.coverage + 0.3 * ev.fit, 6), evidence)

    def _knows_key(self, key: str) -> bool:
        return key in self._terms

    def _resolve(self, query: Query) -> list[QueryWord]:
        """Turn analysed tokens into weighted term sets, repairing unknown words."""
        resolved: list[QueryWord] = []
        for token in query.tokens:
            if token.kind is Kind.STOP:
                continue
            terms = {self._terms[k]: 1.0 for k in token.keys if k in self._terms}
            if (
                token.script is Script.CYRILLIC
                and token.kind is Kind.CONTENT
                and not token.real_word
            ):
                # A name in Cyrillic letters ("интамт") may be known in Latin ones.
                latin = cyrillic_to_latin(token.surface)
                for key in (stem(latin, "en"), stem(latin, "de")):
                    if key in self._terms:
                        terms.setdefault(self._terms[key], 1.0)
            if token.kind is Kind.QUESTION:
                weight = max((self._idf[t] for t in terms), default=1.0)
                weight = max(weight, _QUESTION_WEIGHT_FLOOR)
                resolved.append(QueryWord(token.surface, weight, terms, token.kind))
                continue
            if not terms and token.kind is Kind.CONTENT:
                parts = self._compound_parts(token)
                if parts:
                    resolved.extend(parts)
                    continue
                terms = self._repair(token)
            if terms:
                # Readings of one word (its English and German stems, its Cyrillic and
                # Latin spellings) are one word: the most widely used decides its weight.
                weight = min(self._idf[t] for t in terms)
                if token.shift:
                    weight = max(weight, _SHIFT_WEIGHT)
            elif token.shift or token.kind is Kind.NUMBER:
                # Another time ("next"), another number ("the 12th"): not what we know.
                weight = _SHIFT_WEIGHT
            elif token.focus or token.kind is not Kind.CONTENT:
                weight = _UNKNOWN_WEIGHT[Pos.NOUN]
            else:
                weight = _unknown_weight(token.pos)
            if (
                terms
                and query.lang in ("de", None)
                and token.script is Script.LATIN
                and len(token.surface) >= 8
                and token.surface not in self._english_words
            ):
                # A known German compound also stands for its parts: "Partnerstädte" meets
                # the "Städtepartnerkonferenz" of another entry through "Partner" and "Stadt".
                for part in split_compound(token.surface, self._knows_key, min_part=4):
                    for key in (stem(part, "de"), stem(part, "en")):
                        if key in self._terms:
                            terms.setdefault(self._terms[key], _COMPOUND_PART_CREDIT)
            resolved.append(QueryWord(token.surface, weight, terms, token.kind))
        if any(t.kind is not Kind.SOCIAL for t in resolved):
            # "hey so when was…": a greeting inside a question is filler.
            resolved = [t for t in resolved if t.kind is not Kind.SOCIAL]
        return resolved

    def _compound_parts(self, token: Token) -> list[QueryWord]:
        # A real word is not split ("Teilnahme" is not "Teil" + "nahme").
        if token.script is not Script.LATIN or len(token.surface) < 8 or token.real_word:
            return []
        result = []
        for part in split_compound(token.surface, self._knows_key):
            terms = {
                self._terms[k]: _COMPOUND_PART_CREDIT
                for k in (stem(part, "de"), stem(part, "en"))
                if k in self._terms
            }
            if terms:
                weight = max(self._idf[t] for t in terms)
                result.append(QueryWord(part, weight, terms, Kind.CONTENT))
        return result

    def _repair(self, token: Token) -> dict[int, float]:
        """Terms an unknown word probably means: a typo's correction, its Russian reading,
        or a longer or shorter form of the same stem."""
        if not token.real_word:
            found = self._fuzzy(_surface_key(token))
            if not found and token.keys and len(token.keys[0]) >= 5:
                found = self._fuzzy(token.keys[0])
            if found:
                return found
        found = {self._terms[k]: 1.0 for k in token.fallback_keys if k in self._terms}
        return found or self._prefix(token)

    def _fuzzy(self, surface: str) -> dict[int, float]:
        """Known words within one edit (two for long words), by symmetric deletion.

        Words longer than any real word are no typos of one: deletions grow with the
        square of the length, so such "words" are not probed at all.
        """
        if not 4 <= len(surface) <= _MAX_TYPO_LENGTH:
            return {}
        limit = 1 if len(surface) < 8 else 2
        best_distance = limit + 1
        best: set[str] = set()
        for known in self._typos.near(surface, limit):
            distance = OSA.distance(surface, known, score_cutoff=limit)
            if distance > limit or distance == 0:
                continue
            if distance < best_distance:
                best_distance, best = distance, {known}
            elif distance == best_distance:
                best.add(known)
        credit = _FUZZY_CREDIT.get(best_distance, 0.0)
        return {term: credit for known in sorted(best) for term in self._surfaces[known]}

    def _prefix(self, token: Token) -> dict[int, float]:
        """Terms sharing a long prefix with one of the token's stems ("koordin…")."""
        terms: dict[int, float] = {}
        for key in token.keys[:2]:
            if len(key) < _MIN_PREFIX or key.startswith("?"):
                continue
            for size in range(len(key), _MIN_PREFIX - 1, -1):
                prefix = key[:size]
                start = bisect.bisect_left(self._sorted_terms, prefix)
                for known in self._sorted_terms[start : start + 20]:
                    if not known.startswith(prefix):
                        break
                    if size >= 0.75 * min(len(known), len(key)):
                        terms.setdefault(self._terms[known], _PREFIX_CREDIT)
                if terms:
                    return terms
        return terms

    # ------------------------------------------------------------------ scoring

    def _shortlist(self, tokens: list[QueryWord]) -> list[int]:
        """The entries with the most weighted hits, best first (ties: knowledge-base order)."""
        # Bulk step over the postings of the rarer terms; the common ones only when no rarer
        # term is known at all.
        starts, postings = self._starts, self._postings
        rough = np.zeros(len(self._entries))
        rare: list[tuple[int, float]] = []
        common: list[tuple[int, float]] = []
        for token in tokens:
            for term, credit in token.terms.items():
                size = starts[term + 1] - starts[term]
                if size:
                    (common if size > self._common else rare).append((term, token.weight * credit))
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

    def _evidence(self, index: int, tokens: list[QueryWord], total: float) -> _Evidence:
        entry = self._entries[index]
        content_total = sum(t.weight for t in tokens if t.kind is not Kind.QUESTION)
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
                answer_credit = (
                    _ANSWER_NUMBER_CREDIT if token.kind is Kind.NUMBER else _ANSWER_CREDIT
                )
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
                if token.kind is not Kind.QUESTION:
                    hit = hits[position]
                    content_hit += token.weight * (
                        hit if hit > support[position] else support[position]
                    )
            # A question word counts only where the entry asking it also speaks of the
            # question's subject (in that phrasing or its others): "who" in "Who is
            # INTAMT?" doesn't answer "Who founded INTAMT?" — that INTAMT was founded is
            # only in the answer.
            context = (
                min(1.0, content_hit / content_total / _CONCEPT_CONTEXT) if content_total else 1.0
            )
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
                weight = self._group_weights[group]
                weight_total += weight
                best = 0.0
                for term, group_credit in self._groups[group]:
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
            index,
            coverage=coverage,
            fit=best_fit,
            phrasing=best_text,
            concept_missed=concept_missed,
            gains=tuple(best_gains),
            concepts=concept_best,
        )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while an index is built or loaded: it is
    millions of small containers without reference cycles, and each collection would
    traverse all of it again (a third of the build time at 10,000 entries, half of the
    time to unpickle it). The pause is process-wide: a reload built in a worker thread
    pauses collection for the running bot too, for as long as the build takes; cycles
    made meanwhile are collected afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build_entries(
    phrasings: list[tuple[int, Lang, str, list[int]]],
    answers: list[dict[int, float]],
    groups: list[_Group],
    term_count: int,
) -> list[_Entry]:
    """Every entry's index from its phrasings' group ids (*phrasings* in entry order), in a
    few array passes over all entries at once.

    Per entry and term: the phrasings using it (with its credit in each, where that is not
    always 1.0) and how well the phrasings as a whole explain it (`union`).
    """
    count = len(phrasings)
    entry_count = len(answers)
    # Each group's terms and credits, flat.
    sizes = np.fromiter(map(len, groups), np.int64, len(groups))
    first_member = np.concatenate(([0], np.cumsum(sizes)))
    members = np.fromiter(
        (term for group in groups for term, _ in group), np.int64, int(first_member[-1])
    )
    member_credits = np.fromiter(
        (credit for group in groups for _, credit in group), np.float64, int(first_member[-1])
    )
    # Each phrasing: its entry, its number in that entry, its language's bit.
    entries_column, langs_column, texts, ids_column = (
        zip(*phrasings, strict=True) if phrasings else ((), (), (), ())
    )
    entry_of = np.fromiter(entries_column, np.int64, count)
    bit_of = np.fromiter(map(_LANG_BITS.__getitem__, langs_column), np.int64, count)
    first_of_entry = np.searchsorted(entry_of, np.arange(entry_count + 1))
    number_of = np.arange(count) - first_of_entry[entry_of]
    lengths = np.fromiter(map(len, ids_column), np.int64, count)
    ids = np.fromiter(itertools.chain.from_iterable(ids_column), np.int64, int(lengths.sum()))
    # One row per (phrasing, term of one of its groups).
    per_id = sizes[ids]
    phrasing = np.repeat(np.repeat(np.arange(count), lengths), per_id)
    at = np.repeat(first_member[ids] - (np.cumsum(per_id) - per_id), per_id) + np.arange(
        int(per_id.sum())
    )
    term, credit = members[at], member_credits[at]
    # A term counts once per phrasing, at its best credit.
    key = phrasing * term_count + term
    order = np.lexsort((-credit, key))
    key = key[order]
    # (a base whose phrasings are all stop words has no rows at all)
    best = order[np.concatenate(([True], key[1:] != key[:-1]))[: len(key)]]
    phrasing, term, credit = phrasing[best], term[best], credit[best]
    # Rows by (entry, term), phrasings in order within (the rows are in phrasing order).
    entry = entry_of[phrasing]
    order = np.argsort(entry * term_count + term, kind="stable")
    phrasing, term, credit, entry = phrasing[order], term[order], credit[order], entry[order]
    pair_key = entry * term_count + term
    starts = np.flatnonzero(
        np.concatenate(([True], pair_key[1:] != pair_key[:-1]))[: len(pair_key)]
    )
    # How much the entry's phrasings use each term: the sum of its credits (full credits
    # sum exactly in any order; a term with a partial credit is summed in phrasing order
    # below, as the union formula always was).
    mentions = np.add.reduceat(credit, starts) if len(starts) else np.zeros(0)
    partial_pair = (
        np.minimum.reduceat(credit, starts) < 1.0 if len(starts) else np.zeros(0, dtype=bool)
    )
    starts_list = starts.tolist()
    ends = [*starts_list[1:], len(phrasing)]
    credit_list = credit.tolist()
    partial_pairs = np.flatnonzero(partial_pair).tolist()
    pair_credits = [credit_list[starts_list[pair] : ends[pair]] for pair in partial_pairs]
    for pair, credits in zip(partial_pairs, pair_credits, strict=True):
        mentions[pair] = sum(credits)
    # A term the entry's phrasings keep using is what the entry is about ("Konferenz" for
    # the conference entry), a term one phrasing mentions in passing explains less.
    langs = np.bitwise_or.reduceat(bit_of[phrasing], starts) if len(starts) else starts
    # phrasings_in[entry, mask]: the entry's phrasings in the languages of that bit mask
    masks = 1 << len(LANGS)
    per_lang = np.zeros((entry_count, masks), dtype=np.int64)
    np.add.at(per_lang, (entry_of, bit_of), 1)
    phrasings_in = np.zeros((entry_count, masks), dtype=np.int64)
    for mask in range(1, masks):
        for bit in _LANG_BITS.values():
            if mask & bit:
                phrasings_in[:, mask] += per_lang[:, bit]
    pair_entry = entry[starts]
    share = mentions / phrasings_in[pair_entry, langs]
    union = np.minimum(mentions, 1.0) * (
        (1.0 - _PERIPHERAL_DISCOUNT) + _PERIPHERAL_DISCOUNT * np.sqrt(np.minimum(share, 1.0))
    )
    # Per entry: its pairs, its phrasings' numbers per term (bytes below 256 phrasings).
    pair_bounds = np.searchsorted(pair_entry, np.arange(entry_count + 1)).tolist()
    # (Python ints from shared objects: an index holds millions of references to a few
    # tens of thousands of ids.)
    shared_int = list(range(max(len(groups), term_count)))
    terms_list = list(map(shared_int.__getitem__, term[starts].tolist()))
    entry_list = pair_entry.tolist()
    union_list = union.tolist()
    numbers = number_of[phrasing]
    small = numbers.astype(np.uint8).tobytes() if len(numbers) else b""
    ids_list = list(map(shared_int.__getitem__, ids.tolist()))
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    # where each phrasing's group ids end, counted from its entry's first phrasing
    ends_in_entry = (offsets[1:] - offsets[first_of_entry[entry_of]]).tolist()
    offsets_list = offsets.tolist()
    first_list = first_of_entry.tolist()
    partial: list[dict[int, list[float]]] = [{} for _ in answers]
    for pair, credits in zip(partial_pairs, pair_credits, strict=True):
        partial[entry_list[pair]][terms_list[pair]] = credits
    built: list[_Entry] = []
    for index, answer in enumerate(answers):
        low, high = pair_bounds[index], pair_bounds[index + 1]
        first, last = first_list[index], first_list[index + 1]
        few = last - first < 256
        phrasings_of: dict[int, bytes | tuple[int, ...]] = dict(
            zip(
                terms_list[low:high],
                map(small.__getitem__, map(slice, starts_list[low:high], ends[low:high]))
                if few
                else (
                    tuple(numbers[start:end].tolist())
                    for start, end in zip(starts_list[low:high], ends[low:high], strict=True)
                ),
                strict=True,
            )
        )
        built.append(
            _Entry(
                texts[first:last],
                tuple(ids_list[offsets_list[first] : offsets_list[last]]),
                (0, *ends_in_entry[first:last]),
                phrasings_of,
                partial[index],
                dict(zip(terms_list[low:high], union_list[low:high], strict=True)),
                answer,
            )
        )
    return built


def _f_beta(recall: float, precision: float) -> float:
    """F-measure weighing the question's recall twice as much as the phrasing's precision."""
    if recall <= 0 or precision <= 0:
        return 0.0
    beta2 = 4.0
    return (1 + beta2) * recall * precision / (beta2 * precision + recall)


def _mark_context(text: str, words: list[QueryWord]) -> list[QueryWord]:
    """Mark the words outside the question's own sentences, when the message asks in one
    sentence and tells about itself in others ("I teach social studies. Who led…?")."""
    folded = clean(text).casefold()
    sentences = [(m.start(), m.end(), "?" in m.group()) for m in _SENTENCE.finditer(folded)]
    if not any(asks for *_, asks in sentences) or all(asks for *_, asks in sentences):
        return words
    marked: list[QueryWord] = []
    position = 0
    for word in words:
        at = folded.find(word.surface, position)
        if at < 0:
            at = position
        else:
            position = at
        asks = next((a for start, end, a in sentences if start <= at < end), True)
        marked.append(word if asks else replace(word, in_question=False))
    return marked


def _fold_surface(word: str, script: Script) -> str:
    if script is Script.CYRILLIC:
        return word.replace("ё", "е").replace("й", "и")
    return fold_latin(word)


def _script_of(word: str) -> Script:
    return Script.CYRILLIC if any("а" <= ch <= "я" for ch in word) else Script.LATIN


def _surface_key(token: Token) -> str:
    return _fold_surface(token.surface, token.script)

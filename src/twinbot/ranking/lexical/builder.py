"""Knowledge base → `LexicalIndex`, once: every phrasing, keyword and answer split into
runs of letters and digits, every distinct word analysed once (textnorm: stems, Russian
lemmas, question concepts, German compound parts), each distinct token a group of
alternative terms, and then all entries' term maps in a few array passes (`_build_entries`).
Nothing of the build-time memos outlives the build.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from twinbot.knowledge import LANGS, KnowledgeBase, Lang
from twinbot.ranking.lexical.index import (
    COMPOUND_PART_CREDIT,
    LANG_BITS,
    MAX_TYPO_LENGTH,
    MIN_SOUND_LENGTH,
    EntryIndex,
    Group,
    LexicalIndex,
    fold_surface,
    gc_paused,
    surface_key,
)
from twinbot.ranking.lexical.persons import names_person
from twinbot.ranking.lexical.places import city_names
from twinbot.ranking.lexical.typos import DeleteIndex
from twinbot.textnorm import (
    QUESTION_CONCEPTS,
    QUESTION_WORDS,
    Kind,
    Script,
    TextWord,
    Token,
    analyze_text_word,
    phrase_key,
    question_concepts,
    run_words,
    russian_sound_key,
    text_runs,
)

_TAG = re.compile(r"<[^>]+>")
#: How much less a term few of an entry's phrasings use explains than one all of them use.
_PERIPHERAL_DISCOUNT = 0.25
#: Terms in more than this share of entries don't nominate candidates on their own
#: (they still count when candidates are scored): keeps the bulk step sublinear.
_COMMON_TERM_SHARE = 0.1
#: One bit per language, to note in one int which languages' phrasings use a term.
_LANG_BITS: dict[Lang, int] = {lang: 1 << number for number, lang in enumerate(LANGS)}
#: A run of letters and digits: the group id of each of its words (-1: a stop word), and
#: its words.
_Run = tuple[tuple[int, ...], tuple[str, ...]]


def build_index(knowledge: KnowledgeBase) -> LexicalIndex:
    """The lexical index of every phrasing, keyword and answer of *knowledge*."""
    with gc_paused():
        return _Builder().build(knowledge)


class _Builder:
    """The build-time state: terms and groups as they are met, and memos of runs and words
    (used once: `build` frees the memos on the way)."""

    def __init__(self) -> None:
        self._terms: dict[str, int] = {}
        self._surfaces: dict[str, set[int]] = defaultdict(set)
        self._surface_langs: dict[str, int] = defaultdict(int)
        self._vocabulary: dict[Lang, set[str]] = {lang: set() for lang in LANGS}
        # Each distinct token of the texts becomes one group of alternative terms; a text
        # is the tuple of its groups' ids. Words recur across texts: analysed once.
        self._groups: list[Group] = []
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
        # (the words of the English texts, and every word analysed: set by `build`)
        self._english_words: frozenset[str] = frozenset()
        self._analysis: dict[Lang, dict[str, TextWord]] = {}

    def build(self, knowledge: KnowledgeBase) -> LexicalIndex:
        """Index every phrasing, keyword and answer of *knowledge*."""
        entry_ids = [e.id for e in knowledge]
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
        for concept, concept_words in QUESTION_CONCEPTS.items():
            if concept in self._terms:
                for word in concept_words:
                    if len(word) >= 5:
                        self._surfaces[fold_surface(word, _script_of(word))].add(
                            self._terms[concept]
                        )
        names = self._shared_words()
        idf_list = self._inverse_document_frequencies(entries)
        # A token's weight in its text: its rarest reading's.
        # (one array op over all groups; a group without terms reads term -1, weight 0)
        idf = np.array([*idf_list, 0.0])
        group_starts = np.cumsum([0] + [len(group) or 1 for group in self._groups])
        members = np.fromiter(
            (term for group in self._groups for term, _ in group or ((-1, 0.0),)),
            dtype=np.int64,
            count=int(group_starts[-1]),
        )
        group_weights: list[float] = (
            np.maximum.reduceat(idf[members], group_starts[:-1]).tolist() if self._groups else []
        )
        # term t's entries are postings[starts[t]:starts[t + 1]], in knowledge-base order
        # (one flat array: small to keep and to load, and numpy adds a term's gain to all
        # its entries at once).
        used = [built.union.keys() | built.answer.keys() for built in entries]
        terms = np.fromiter(
            itertools.chain.from_iterable(used), dtype=np.int64, count=sum(map(len, used))
        )
        order = np.argsort(terms, kind="stable")
        postings = np.repeat(np.arange(len(entries), dtype=np.int32), [len(u) for u in used])[order]
        starts = np.zeros(len(self._terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(self._terms)), out=starts[1:])
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
        cities = city_names(knowledge)
        return LexicalIndex(
            ids=entry_ids,
            position={entry_id: n for n, entry_id in enumerate(entry_ids)},
            terms=self._terms,
            term_list=list(self._terms),
            sorted_terms=sorted(self._terms),
            surfaces=self._surfaces,
            surface_langs=dict(self._surface_langs),
            vocabulary=self._vocabulary,
            names=names,
            english_words=self._english_words,
            groups=self._groups,
            group_weights=group_weights,
            entries=entries,
            idf=idf_list,
            postings=postings,
            starts=starts,
            common=max(50, int(_COMMON_TERM_SHARE * len(entries))),
            verbatim=by_keyword | by_question,
            # (a longer known word is no typo of any word typo repair looks at)
            typos=DeleteIndex(list(self._surfaces), MAX_TYPO_LENGTH + 1),
            sounds=_sounds(self._surfaces),
            city_names=cities[0],
            entry_cities=cities[1],
            entry_people=[
                any(names_person(text, lang) for lang, text in e.answer.items()) for e in knowledge
            ],
        )

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
        bit = LANG_BITS[lang]
        key = surface_key(token)
        self._surfaces[key].update(alternatives)
        self._surface_langs[key] |= bit
        # Stems too, so a misspelt form the phrasings never use ("культры") meets the stem
        # of the forms they do ("культур").
        for key in token.keys:
            if len(key) >= 5 and not key.startswith("?"):
                self._surfaces[key].add(self._terms[key])
                self._surface_langs[key] |= bit
        for part, part_stem in parts:
            part_term = self._term(part_stem)
            alternatives.setdefault(part_term, COMPOUND_PART_CREDIT)
            key = fold_surface(part, token.script)
            self._surfaces[key].add(part_term)
            self._surface_langs[key] |= bit

    def _shared_words(self) -> frozenset[str]:
        """Words used in texts of two or more languages: names ("karlsruhe", "intamt")."""
        seen: dict[str, int] = defaultdict(int)
        for words in self._vocabulary.values():
            for word in words:
                seen[word] += 1
        return frozenset(word for word, count in seen.items() if count >= 2)

    def _inverse_document_frequencies(self, entries: list[EntryIndex]) -> list[float]:
        """IDF per term over entries, scaled so that a word in no entry would weigh 1.0."""
        n = max(len(entries), 1)
        count = sum(len(entry.union) for entry in entries)
        used = np.fromiter(
            itertools.chain.from_iterable(entry.union for entry in entries), np.int64, count
        )
        df = np.bincount(used, minlength=len(self._terms)).tolist()
        unseen = math.log(1.0 + (n + 0.5) / 0.5)
        return [math.log(1.0 + (n - d + 0.5) / (d + 0.5)) / unseen for d in df]


def _build_entries(
    phrasings: list[tuple[int, Lang, str, list[int]]],
    answers: list[dict[int, float]],
    groups: list[Group],
    term_count: int,
) -> list[EntryIndex]:
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
    built: list[EntryIndex] = []
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
            EntryIndex(
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


def _script_of(word: str) -> Script:
    return Script.CYRILLIC if any("а" <= ch <= "я" for ch in word) else Script.LATIN


def _sounds(surfaces: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The Cyrillic surfaces long enough to be met by their sound, by sound key."""
    sounds: dict[str, list[str]] = defaultdict(list)
    for surface in surfaces:
        if len(surface) >= MIN_SOUND_LENGTH and _script_of(surface) is Script.CYRILLIC:
            sounds[russian_sound_key(surface)].append(surface)
    return {key: tuple(sorted(found)) for key, found in sounds.items()}

"""Each ranker alone: the lexical one's evidence and exact phrasings, the dense one's
ordering, margins and large-base search, on the hashed encoder (no weights)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from auxil.responders import shipped
from twinbot.knowledge import Entry, KnowledgeBase, Topic
from twinbot.ranking.dense import (
    DenseRanker,
    HashedEncoder,
    VectorStore,
    build_dense_index,
)
from twinbot.ranking.lexical import LexicalRanker


def _pets() -> KnowledgeBase:
    entries = (
        Entry(
            "cats",
            "pets",
            {"en": ("What do cats eat?", "Which food do cats like?")},
            {"en": "Fish."},
            keywords={"en": ("dog food",)},
        ),
        Entry("dogs", "pets", {"en": ("How fast do dogs run?", "dog food")}, {"en": "Fast."}),
        Entry("birds", "pets", {"en": ("Can parrots talk?",)}, {"en": "Some do."}),
    )
    return KnowledgeBase((Topic("pets", {"en": "Pets"}, ("cats", "dogs", "birds")),), entries)


# --- lexical ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pets() -> LexicalRanker:
    return LexicalRanker(_pets())


def test_lexical_candidates_carry_their_evidence(pets: LexicalRanker) -> None:
    ranking = pets.rank("what do cats eat")
    best = ranking.candidates[0]
    assert best.entry_id == "cats"
    assert best.evidence.coverage == pytest.approx(1.0)
    assert best.evidence.unknown == 0.0
    assert best.evidence.phrasing == "What do cats eat?"
    assert ranking.detected == "en"


def test_unknown_words_count_against_every_entry(pets: LexicalRanker) -> None:
    ranking = pets.rank("what do cats think about quantum chromodynamics")
    assert "chromodynamics" in ranking.unknown_words
    evidence = ranking.candidates[0].evidence
    assert evidence.unknown > 0.3 and evidence.coverage < 0.7
    assert evidence.unknown_in_question == evidence.unknown  # one sentence: all of it asks


def test_words_outside_the_asking_sentence_are_marked(pets: LexicalRanker) -> None:
    ranking = pets.rank("I teach zoology. What do cats eat?")
    context = {w.surface for w in ranking.words if not w.in_question}
    assert "zoology" in context
    evidence = ranking.candidates[0].evidence
    assert evidence.unknown > 0 and evidence.unknown_in_question == 0


@pytest.mark.parametrize(
    ("message", "context", "asked"),
    [
        # a sentence leading up to the question about the asker: in the first person, or
        # mostly words the knowledge base doesn't know
        ("We study zoology. What do cats eat?", {"study", "zoology"}, {"cats", "eat"}),
        ("Grandma adopted kittens. What do cats eat?", {"grandma", "adopted", "kittens"}, {"cats"}),
        # one about the knowledge base's own things is part of the question
        ("Parrots and dog food. What do cats eat?", set(), {"parrots", "dog", "food", "cats"}),
        # a remark after the question is not what it asks
        ("What do cats eat? Parrots talk.", {"parrots", "talk"}, {"cats", "eat"}),
    ],
)
def test_only_sentences_about_the_asker_are_context(
    pets: LexicalRanker, message: str, context: set[str], asked: set[str]
) -> None:
    words = pets.rank(message).words
    assert {w.surface for w in words if not w.in_question} == context
    assert asked <= {w.surface for w in words if w.in_question}


def test_a_question_word_is_judged_by_its_own_sentence() -> None:
    # "When" is credited where the phrasing carrying it speaks of the question's subject;
    # the sentences around the question are not its subject.
    entries = (
        Entry("founded", "t", {"en": ("When was the club founded?",)}, {"en": "In 1990."}),
        Entry("members", "t", {"en": ("Who are the club's members?",)}, {"en": "Many."}),
    )
    ranker = LexicalRanker(
        KnowledgeBase((Topic("t", {"en": "T"}, ("founded", "members")),), entries)
    )
    ranking = ranker.rank(
        "I am writing a report on teachers, pupils, parents, towns, farms and hobbies for my "
        "history teacher. When was the club founded?"
    )
    best = ranking.candidates[0]
    assert best.entry_id == "founded"
    assert best.evidence.concept_missed == 0.0


@pytest.mark.parametrize(
    "question",
    [
        "Was fressen Katzen am 3. Tag?",  # a German ordinal's full stop ends no sentence
        "Was fressen Katzen z.B. im Winter?",  # nor does an abbreviation's
    ],
)
def test_a_full_stop_inside_the_question_keeps_it_one_sentence(
    pets: LexicalRanker, question: str
) -> None:
    ranking = pets.rank(question)
    assert all(word.in_question for word in ranking.words), ranking.words


def test_a_question_phrasing_beats_the_same_words_as_a_keyword(pets: LexicalRanker) -> None:
    # "dog food" is a question phrasing of "dogs" and a keyword of "cats".
    assert pets.rank("Dog food?").verbatim == "dogs"


def test_a_phrasing_two_entries_ask_is_nobodys() -> None:
    entries = (
        Entry("a", "t", {"en": ("What is it?",)}, {"en": "A."}),
        Entry("b", "t", {"en": ("What is it?", "Tell me more")}, {"en": "B."}),
    )
    knowledge = KnowledgeBase((Topic("t", {"en": "T"}, ("a", "b")),), entries)
    ranker = LexicalRanker(knowledge)
    assert ranker.rank("what is it").verbatim is None
    assert ranker.rank("tell me more").verbatim == "b"


def test_evidence_for_an_entry_outside_the_shortlist(pets: LexicalRanker) -> None:
    ranking = pets.rank("what do cats eat")
    birds = pets.evidence(ranking, "birds")
    assert birds.entry_id == "birds" and birds.evidence.coverage < 0.5
    assert pets.evidence(ranking, "cats") == ranking.candidates[0]


# --- dense -----------------------------------------------------------------------------------


def _dense(knowledge: KnowledgeBase, folder: Path | None = None) -> DenseRanker:
    encoder = HashedEncoder()
    return DenseRanker(build_dense_index(knowledge, VectorStore(encoder, folder)), encoder)


def test_dense_ranks_by_the_closest_phrasing_with_margins() -> None:
    ranking = _dense(_pets()).rank("Can parrots talk")
    first, second = ranking.candidates[:2]
    assert first.entry_id == "birds" and first.evidence.rank == 0
    assert first.evidence.phrasing == "Can parrots talk?"
    assert first.evidence.margin == pytest.approx(first.evidence.cosine - second.evidence.cosine)
    assert second.evidence.margin == pytest.approx(second.evidence.cosine - first.evidence.cosine)
    assert [c.score for c in ranking.candidates] == sorted(
        (c.score for c in ranking.candidates), reverse=True
    )


def test_dense_evidence_and_answer_similarity_for_any_entry() -> None:
    ranker = _dense(_pets())
    ranking = ranker.rank("Can parrots talk")
    cats = ranker.evidence(ranking, "cats")
    assert -1.0 <= cats.cosine < ranking.candidates[0].evidence.cosine
    assert -1.0 <= ranker.answer_similarity(ranking, "birds", "de") <= 1.0  # falls back to en


def test_the_vector_store_embeds_only_new_texts(tmp_path: Path) -> None:
    calls: list[int] = []

    class Counting(HashedEncoder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return super().encode(texts)

    encoder = Counting()
    store = VectorStore(encoder, tmp_path)
    first = build_dense_index(_pets(), store)
    store.save()
    again = VectorStore(encoder, tmp_path)  # a restart: read from the file
    second = build_dense_index(_pets(), again)
    assert calls == [sum(calls)]  # one batch at first, nothing after the restart
    assert np.array_equal(first.phrasings, second.phrasings)
    changed = KnowledgeBase(
        _pets().topics,
        (*_pets().entries[:2], Entry("birds", "pets", {"en": ("Do owls sleep?",)}, {"en": "Yes."})),
    )
    build_dense_index(changed, again)
    assert calls[1:] == [2]  # the new phrasing and the new answer


def test_large_bases_search_centroids_first_and_find_the_same_entry() -> None:
    topics = (Topic("t", {"en": "T"}, tuple(f"e{n}" for n in range(700))),)
    entries = tuple(
        Entry(
            f"e{n}", "t", {"en": tuple(f"question {n} variant {k}" for k in range(10))}, {"en": "A"}
        )
        for n in range(700)
    )
    ranker = _dense(KnowledgeBase(topics, entries))
    assert ranker._full is None  # 7,000 phrasings: the two-step search
    assert ranker.rank("question 123 variant 4").candidates[0].entry_id == "e123"


def test_dense_ranking_of_the_shipped_base_is_deterministic() -> None:
    ranker = _dense(shipped())
    first = ranker.rank("Wann war die Konferenz?")
    again = ranker.rank("Wann war die Konferenz?")
    assert first.candidates == again.candidates
    assert np.array_equal(first.vector, again.vector)


# --- the e5 encoder's thread count -----------------------------------------------------------


def test_each_thread_count_is_tried_then_the_faster_one_kept() -> None:
    from twinbot.ranking.dense.e5 import ThreadChoice

    choice = ThreadChoice((2, 1), explore=(4, 100))
    work = choice.work(["short question"])
    assert work < ThreadChoice.LARGE
    assert choice.pick(work) == 2
    choice.record(2, work, 0.006)
    assert choice.pick(work) == 1  # not measured yet
    choice.record(1, work, 0.009)
    picks = [choice.pick(work) for _ in range(8)]
    assert picks == [2, 2, 2, 1, 2, 2, 2, 1]  # every fourth call tries the other


def test_a_core_taken_by_another_process_moves_calls_to_one_thread() -> None:
    from twinbot.ranking.dense.e5 import ThreadChoice

    choice = ThreadChoice((2, 1), explore=(4, 100))
    work = choice.work(["short question"])
    choice.record(2, work, 0.006)
    choice.record(1, work, 0.009)
    for _ in range(12):  # the other core is busy: two threads now wait for each other
        count = choice.pick(work)
        choice.record(count, work, 0.030 if count == 2 else 0.009)
    assert choice.pick(work) == 1
    for _ in range(40):  # and it is free again
        count = choice.pick(work)
        choice.record(count, work, 0.006 if count == 2 else 0.009)
    assert choice.pick(work) == 2


def test_large_calls_are_measured_apart_and_tried_seldom() -> None:
    from twinbot.ranking.dense.e5 import ThreadChoice

    choice = ThreadChoice((2, 1), explore=(4, 100))
    small, large = choice.work(["hi"]), choice.work(["a long question " * 10] * 3)
    assert large >= ThreadChoice.LARGE
    for count, seconds in ((2, 0.010), (1, 0.008)):  # short calls: one thread is cheaper
        choice.record(count, small, seconds)
    for count, seconds in ((2, 0.020), (1, 0.040)):  # long ones: two are
        choice.record(count, large, seconds)
    assert choice.pick(small) == 1
    assert [choice.pick(large) for _ in range(99)] == [2] * 99
    assert choice.pick(large) == 1


def test_a_fixed_thread_count_is_never_changed() -> None:
    from twinbot.ranking.dense.e5 import ThreadChoice

    choice = ThreadChoice((3, 3))
    assert choice.counts == (3,)
    assert {choice.pick(choice.work(["x"])) for _ in range(100)} == {3}

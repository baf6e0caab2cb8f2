"""Fusion and the calibrator alone: the pooled candidates and their signals (hashed
encoder, no weights), the calibrated model's arithmetic and decisions, and the shipped
calibration file."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from auxil.responders import hashed_responder, lexical_responder, shipped
from twinbot.calibration import Calibration, Model, Outcome, RankWeights, load_calibration
from twinbot.fusion import Fuser, without_words
from twinbot.ranking.dense import DenseRanker, HashedEncoder, VectorStore, build_dense_index
from twinbot.ranking.lexical import LexicalRanker

WEIGHTS = RankWeights(0.5, 0.2, 0.1, 0.15, 0.9, 0.05)
LEXICAL_SIGNALS = {
    "coverage",
    "fit",
    "concept_missed",
    "unknown",
    "known_coverage",
    "known_concept_missed",
    "unknown_in_question",
    "score_margin",
}
DENSE_SIGNALS = {
    "cosine",
    "cosine_margin",
    "dense_top",
    "answer_cosine",
    "dropped",
    "unknown_pull",
}


def fuser(dense: bool = True) -> Fuser:
    responder = hashed_responder() if dense else lexical_responder()
    return Fuser(responder.fuser.lexical, responder.fuser.dense, WEIGHTS)


# --- fusion ----------------------------------------------------------------------------------


def test_fused_candidates_have_both_rankers_signals_best_first() -> None:
    fused = fuser().fuse("Wann war die Konferenz?")
    assert fused.mode == "fused"
    assert fused.candidates[0].entry_id == "conference-when-where"
    scores = [c.score for c in fused.candidates]
    assert scores == sorted(scores, reverse=True)
    for candidate in fused.candidates:
        assert set(candidate.signals) == LEXICAL_SIGNALS | DENSE_SIGNALS
    top, second = fused.candidates[:2]
    assert top.signals["score_margin"] == pytest.approx(top.score - second.score, abs=1e-5)
    assert second.signals["score_margin"] < 0


def test_the_pool_takes_the_dense_rankers_best_too() -> None:
    f = fuser()
    text = "Wann war die Konferenz?"
    lexical = {c.entry_id for c in f.lexical.rank(text).candidates}
    assert f.dense is not None
    dense = {c.entry_id for c in f.dense.rank(text).candidates[:5]}
    pooled = {c.entry_id for c in f.fuse(text).candidates}
    assert pooled == lexical | dense


def test_lexical_only_fusion_keeps_the_lexical_order() -> None:
    f = fuser(dense=False)
    fused = f.fuse("Wann war die Konferenz?")
    assert fused.mode == "lexical"
    assert [c.entry_id for c in fused.candidates] == [
        c.entry_id for c in f.lexical.rank("Wann war die Konferenz?").candidates
    ]
    assert not DENSE_SIGNALS & set(fused.candidates[0].signals)


def test_dropping_unknown_words_is_measured_only_when_there_are_some() -> None:
    f = fuser()
    assert f.fuse("Wann war die Konferenz?").candidates[0].signals["dropped"] == 0.0
    near_miss = f.fuse("Wer war der Bürgermeister von Karlsruhe?")
    assert near_miss.lexical.unknown_words
    assert near_miss.candidates[0].signals["dropped"] > 0.0


def test_the_pull_of_unknown_words_is_measured_per_entry() -> None:
    f = fuser()
    assert f.dense is not None
    known = f.fuse("Wann war die Konferenz?")
    assert {c.signals["unknown_pull"] for c in known.candidates} == {0.0}
    text = "Wer war der Bürgermeister von Karlsruhe?"
    near_miss = f.fuse(text)
    shorter = f.dense.rank(without_words(text, near_miss.lexical.unknown_words))
    pulls = {}
    for candidate in near_miss.candidates:
        assert candidate.dense is not None
        expected = candidate.dense.cosine - f.dense.evidence(shorter, candidate.entry_id).cosine
        assert candidate.signals["unknown_pull"] == pytest.approx(expected, abs=1e-6)
        pulls[candidate.entry_id] = candidate.signals["unknown_pull"]
    # The unknown word moves the question towards some entries more than towards others.
    assert len({round(p, 4) for p in pulls.values()}) > 1


def test_without_words_leaves_out_whole_words_in_any_case() -> None:
    assert without_words("Who is the Mayor of Suhl?", ("mayor",)) == "Who is the of Suhl?"
    assert without_words("mayoral mayor", ("mayor",)) == "mayoral"
    assert without_words("nothing here", ("mayor",)) == "nothing here"


def test_fusion_over_any_knowledge_base() -> None:
    from test_rankers import _pets

    encoder = HashedEncoder()
    dense = DenseRanker(build_dense_index(_pets(), VectorStore(encoder, None)), encoder)
    fused = Fuser(LexicalRanker(_pets()), dense, WEIGHTS).fuse("parrots talking")
    assert fused.candidates[0].entry_id == "birds"


# --- calibration -----------------------------------------------------------------------------


MODEL = Model(
    features=("coverage", "unknown"),
    mean=(0.5, 0.2),
    std=(0.25, 0.1),
    weights=(2.0, -1.0),
    bias=0.0,
    answer=60.0,
    suggest=30.0,
    tie=0.02,
)


def test_confidence_is_a_logistic_of_standardised_signals() -> None:
    assert MODEL.confidence({"coverage": 0.5, "unknown": 0.2}) == pytest.approx(50.0)
    # z = 2 * (1.0 - 0.5) / 0.25 = 4
    assert MODEL.confidence({"coverage": 1.0, "unknown": 0.2}) == pytest.approx(
        100 / (1 + 2.718281828459045**-4)
    )
    assert MODEL.confidence({"coverage": 0.5, "unknown": 0.9}) < 50.0
    assert 0.0 <= MODEL.confidence({"coverage": 1e9, "unknown": -1e9}) <= 100.0


def test_outcomes_by_threshold_and_ties() -> None:
    assert MODEL.outcome(80.0, None, 0.5) is Outcome.ANSWER
    assert MODEL.outcome(80.0, 20.0, 0.0) is Outcome.ANSWER  # runner-up below suggestions
    assert MODEL.outcome(80.0, 70.0, 0.01) is Outcome.SUGGESTIONS  # a tie at the top
    assert MODEL.outcome(80.0, 70.0, 0.05) is Outcome.ANSWER
    assert MODEL.outcome(45.0, None, 1.0) is Outcome.SUGGESTIONS
    assert MODEL.outcome(10.0, None, 1.0) is Outcome.NOT_FOUND


def test_a_malformed_calibration_is_refused() -> None:
    shipped_data = json.loads(json.dumps(load_calibration().to_json()))
    shipped_data["variants"]["fused"]["std"] = [0.0] * len(
        shipped_data["variants"]["fused"]["features"]
    )
    with pytest.raises(ValueError, match="fused"):
        Calibration.from_json(shipped_data)


def test_a_veto_must_name_another_variant_without_one() -> None:
    data = json.loads(json.dumps(load_calibration().to_json()))
    for bad in ("fused", "nonesuch"):
        data["variants"]["fused"]["veto"] = bad
        with pytest.raises(ValueError, match="veto"):
            Calibration.from_json(data)
    data["variants"]["fused"]["veto"] = "lexical"
    data["variants"]["lexical"]["veto"] = "fused"  # a chain of vetoes
    with pytest.raises(ValueError, match="veto"):
        Calibration.from_json(data)
    del data["variants"]["lexical"]["veto"]
    calibration = Calibration.from_json(data)
    assert calibration.veto("fused") == calibration.model("lexical")
    assert calibration.veto("lexical") is None


def test_a_vetoed_answer_is_offered_as_a_suggestion() -> None:
    responder = hashed_responder()
    question = "Wann war die Konferenz?"
    assert responder.understand(question).outcome is Outcome.ANSWER
    strict = type(responder)(responder.knowledge, responder.catalogs, responder.fuser)
    assert strict.veto is not None
    # A veto that answers nothing: the fused answer becomes a "did you mean".
    strict.veto = replace(strict.veto, answer=100.0)
    match = strict.understand(question)
    assert match.outcome is Outcome.SUGGESTIONS and match.reason.startswith("vetoed")
    assert match.best is not None and match.best.entry_id == "conference-when-where"
    reply = strict.reply(question)
    assert reply.links and reply.links[0].entry_id == "conference-when-where"
    # An exact phrasing is never vetoed.
    entry = shipped().entry("conference-when-where")
    assert entry is not None
    exact = strict.understand(entry.questions["de"][0])
    assert exact.outcome is Outcome.ANSWER and exact.reason == "exact phrasing"


def test_the_shipped_calibration_reads_only_signals_fusion_makes() -> None:
    calibration = load_calibration()
    assert Calibration.from_json(calibration.to_json()) == calibration  # what calibrate writes
    assert set(calibration.variants) == {"fused", "lexical"}
    assert calibration.veto("fused") == calibration.model("lexical")
    assert set(calibration.model("fused").features) <= LEXICAL_SIGNALS | DENSE_SIGNALS
    assert set(calibration.model("lexical").features) <= LEXICAL_SIGNALS
    for model in calibration.variants.values():
        assert 0 < model.suggest <= model.answer < 100
    fitted = calibration.fitted_on
    assert fitted["sets"] == {"dev": 62, "dev2": 172}
    for variant in ("fused", "lexical"):
        figures = fitted["report"][variant]["figures"]
        assert {"dev2 fit", "dev2 held-out"} <= set(figures)


def test_the_responder_decides_with_its_variant() -> None:
    assert lexical_responder().model == load_calibration().model("lexical")
    assert hashed_responder().model == load_calibration().model("fused")
    match = lexical_responder().understand("Wann war die Konferenz?")
    assert match.mode == "lexical" and match.outcome is Outcome.ANSWER
    assert match.best is not None and match.best.signals


def test_an_exact_phrasing_answers_with_its_entry() -> None:
    entry = shipped().entry("youth-language-exchanges")
    assert entry is not None
    for lang in ("en", "de", "ru"):
        for question in entry.questions.get(lang, ()):  # type: ignore[call-overload]
            match = lexical_responder().understand(question)
            assert match.outcome is Outcome.ANSWER and match.reason == "exact phrasing"
            assert match.best is not None and match.best.entry_id == entry.id


def test_a_tie_at_the_top_is_a_suggestion() -> None:
    responder = lexical_responder()
    tied = type(responder)(responder.knowledge, responder.catalogs, responder.fuser)
    # Any runner-up counts as tied, and every candidate is above the levels.
    tied.model = replace(responder.model, answer=0.01, suggest=0.001, tie=10.0)
    match = tied.understand("Wann war die Konferenz?")
    assert len(match.candidates) >= 2
    assert match.outcome is Outcome.SUGGESTIONS and match.reason == "tie"
    untied = type(responder)(responder.knowledge, responder.catalogs, responder.fuser)
    untied.model = replace(tied.model, tie=0.0)
    assert untied.understand("Wann war die Konferenz?").outcome is Outcome.ANSWER


def test_the_encoder_reads_what_the_lexical_ranker_reads_cut_to_the_limit() -> None:
    from twinbot.textnorm import MAX_MATCH_CHARS

    seen: list[int] = []

    class Recording(HashedEncoder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            seen.extend(len(t) for t in texts)
            return super().encode(texts)

    base = hashed_responder().fuser
    assert base.dense is not None
    dense = DenseRanker(base.dense.index, Recording())
    Fuser(base.lexical, dense, WEIGHTS).fuse("Wann war die Konferenz? " * 500)
    assert seen and max(seen) <= MAX_MATCH_CHARS


def test_a_question_asked_again_is_not_embedded_again() -> None:
    calls: list[int] = []

    class Counting(HashedEncoder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return super().encode(texts)

    base = hashed_responder().fuser
    assert base.dense is not None
    fuser = Fuser(base.lexical, DenseRanker(base.dense.index, Counting()), WEIGHTS)
    first = fuser.fuse("Wer war der Bürgermeister von Karlsruhe?")
    again = fuser.fuse("Wer war der Bürgermeister von Karlsruhe?")
    assert calls == [2]  # the question and the question without its unknown words, once
    assert first == again


def test_a_question_is_cheap_without_an_embedding_to_compute() -> None:
    f = fuser()
    phrasings = [q for e in hashed_responder().knowledge for qs in e.questions.values() for q in qs]
    for text in phrasings:  # the quick look agrees with the full reading
        assert f.lexical.verbatim(text) == f.lexical.rank(text).verbatim, text
    typed = next(t for t in phrasings if f.lexical.verbatim(t) == "conference-when-where")
    assert f.is_cheap(typed) and f.is_cheap(typed.upper().rstrip("?"))
    new = "Wer war der Bürgermeister von Karlsruhe?"
    assert not f.is_cheap(new)
    f.fuse(new)
    assert f.is_cheap(new)  # its vectors are kept
    assert fuser(dense=False).is_cheap(new)
    assert not fuser(dense=False).is_cheap(new * 20)  # a long message may take a while

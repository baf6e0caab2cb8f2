"""The lexical ranker on the shipped knowledge base: how repair reads each kind of word, the
evidence it gives, and an index that is the same however it was made (rebuilt, pickled)."""

from __future__ import annotations

import pickle

import pytest

import twinbot.ranking.lexical as lexical
from twinbot.paths import bundled_knowledge_dir
from twinbot.ranking.lexical import LexicalRanker
from twinbot.validate import load_valid_knowledge

QUESTIONS = [
    "Wer hat die Workshps auf der Konferenz koordinirt",
    "Was verbindet die Städtepartnerschaften wirtschaftlich?",
    "интамт когда появился",
    "kogda byla konferentsiya v karlsrue",
    "Who is the mayor of Karlsruhe?",
    "I teach social studies. Which organisations led the working groups?",
    "What can you do?",
    "",
]


@pytest.mark.parametrize(
    ("question", "word", "terms"),
    [
        # typos, corrected against the surfaces the knowledge base uses
        ("Wer hat die Workshps auf der Konferenz koordinirt", "workshps", {"workshop"}),
        ("Wer hat die Workshps auf der Konferenz koordinirt", "koordinirt", {"koordiniert"}),
        # a real but rare word one doubled letter or one swap from a much commoner
        # known one
        ("was war das moto der konverenz", "moto", {"motto"}),
        ("frist german russian partner cities", "frist", {"first"}),
        # Russian spelt by ear meets the word it sounds like; a clipped slang word the
        # words it begins
        ("кто каардинировал рабочии групы", "каардинировал", {"координирова"}),
        ("где была канфиренция", "канфиренция", {"конференц"}),
        ("какой девиз был у конфы", "конфы", {"конференц"}),
        # a Russian word also stands for the known words derived from its base
        ("сколько городов связаны партнёрскими отношениями", "партнерскими", {"партнер"}),
        ("какие группы участвуют в партнёрстве", "партнерстве", {"партнерск"}),
        ("сколько городских партнёров", "городских", {"город"}),
        # an English loanword in Cyrillic letters, declined as Russian
        ("интамт был на том ивенте?", "ивенте", {"event"}),
        # "aller-" only intensifies a German superlative
        ("welche stadt war als allererstes verpartnert", "allererstes", {"erst"}),
        # a German compound also stands for its parts
        ("Anzahl Partnerstädte", "partnerstädte", {"partnerstadt", "partner", "stadt"}),
        # umlauts typed as digraphs
        ("Jubilaeum Karlsruhe", "jubilaeum", {"jubilaum"}),
        # a name in Cyrillic letters meets its Latin spelling; one in Latin letters its
        # Russian reading
        ("интамт когда появился", "интамт", {"intamt"}),
        ("Partner von Moskva", "moskva", {"москв"}),
        # Russian in Latin letters is read in Cyrillic, question words as concepts
        ("kogda byla konferentsiya v karlsrue", "когда", {"?when"}),
        ("kogda byla konferentsiya v karlsrue", "конференция", {"конференц"}),
        # chat spellings of question words; a typo of one is the question's language's
        ("скок всего воркшопов было", "сколько", {"?howmany"}),
        ("skok vsego vorkshopov bylo", "сколько", {"?howmany"}),
        ("whn was teh karlsruhe confrence", "when", {"?when"}),
    ],
)
def test_repair_reads_each_kind_of_word(
    lexical_ranker: LexicalRanker, question: str, word: str, terms: set[str]
) -> None:
    reading = dict(lexical_ranker.rank(question).reading)
    assert terms <= set(reading[word].split(",")), reading


def test_a_typo_is_corrected_only_to_a_word_of_the_questions_language(
    lexical_ranker: LexicalRanker,
) -> None:
    # "schengen" is two edits from the German texts' "schonen", and no English word
    reading = dict(lexical_ranker.rank("Is a Schengen visa needed for the exchnage?").reading)
    assert reading["schengen"] == "?", reading
    assert "exchang" in reading["exchnage"].split(","), reading  # an English typo still is


def test_placeholder_nouns_are_filler(lexical_ranker: LexicalRanker) -> None:
    # "das Ding", "штука", "areas": the thing asked about is named elsewhere, or not at all
    for question in (
        "ey was war das motto von dem ding in karlsruhe",
        "что за штука этот интамт",
        # complex prepositions and chat articles are filler too
        "welches jubiläum hatte im rahmen von ner konferenz karlsruhe",
        # so are the words of "now" and the nouns naming a kind of thing to be named
        "how many partner cities are there at the moment",
        "in which areas do partnerships make a real difference",
        "in welchen Gebieten helfen Partnerschaften",
        "в каких областях помогает партнёрство в данный момент",
        # "such" in any language only points back
        "что подтверждают подобные мероприятия",
        "was bringen solche Partnerschaften",
    ):
        ranking = lexical_ranker.rank(question)
        assert ranking.unknown_words == (), ranking.reading


def test_every_form_of_a_possessive_is_filler(lexical_ranker: LexicalRanker) -> None:
    # "ihr" was filler but "ihrer" weighed as a content word the knowledge base lacks
    for question, possessive in (
        ("Wo trafen sich die Partnerstädte 2015 zu ihrer 13. Konferenz?", "ihrer"),
        ("Welche Ziele hat INTAMT mit seinen Seminaren?", "seinen"),
        ("с какими городами дружат наши города?", "наши"),
        ("какие проекты INTAMT делает со своими партнёрами?", "своими"),
    ):
        ranking = lexical_ranker.rank(question)
        assert possessive not in {word.surface for word in ranking.words}, ranking.reading


def test_an_unknown_noun_weighs_most_and_stays_unknown(lexical_ranker: LexicalRanker) -> None:
    ranking = lexical_ranker.rank("Who is the mayor of Karlsruhe?")
    weights = {word.surface: word.weight for word in ranking.words}
    assert ranking.unknown_words == ("mayor",)
    assert weights["mayor"] == max(weights.values())
    assert dict(ranking.reading)["mayor"] == "?"


def test_a_phrasing_typed_as_written_is_verbatim(lexical_ranker: LexicalRanker) -> None:
    ranking = lexical_ranker.rank("What can you do?")
    assert ranking.verbatim == "about-bot"
    assert ranking.words == () and ranking.candidates == ()


def test_evidence_for_every_entry(lexical_ranker: LexicalRanker) -> None:
    ranking = lexical_ranker.rank("Wann war die Konferenz?")
    shortlisted = {candidate.entry_id: candidate for candidate in ranking.candidates}
    assert len(shortlisted) == 10
    for entry_id in lexical_ranker.entry_ids:
        found = lexical_ranker.evidence(ranking, entry_id)
        assert found.entry_id == entry_id and 0.0 <= found.score <= 1.0
        assert found == shortlisted.get(entry_id, found)
    empty = lexical_ranker.evidence(lexical_ranker.rank(""), "greeting")
    assert empty.score == 0.0 and empty.evidence.coverage == 0.0


def test_a_rebuilt_index_ranks_alike(lexical_ranker: LexicalRanker) -> None:
    again = LexicalRanker(load_valid_knowledge(bundled_knowledge_dir()))
    assert again.entry_ids == lexical_ranker.entry_ids
    for question in QUESTIONS:
        assert again.rank(question) == lexical_ranker.rank(question), question


def test_a_pickled_index_ranks_alike(lexical_ranker: LexicalRanker) -> None:
    # (the index cache stores rankers pickled)
    copy = pickle.loads(pickle.dumps(lexical_ranker, protocol=pickle.HIGHEST_PROTOCOL))
    for question in QUESTIONS:
        assert copy.rank(question) == lexical_ranker.rank(question), question


def test_the_package_exports_what_callers_use() -> None:
    assert sorted(lexical.__all__) == [
        "LexicalEvidence",
        "LexicalRanker",
        "LexicalRanking",
        "QueryWord",
        "gc_paused",
    ]
    for name in lexical.__all__:
        assert getattr(lexical, name).__module__.startswith("twinbot.ranking.lexical.")


def _weight_of(ranker: LexicalRanker, question: str, word: str) -> float:
    return next(w.weight for w in ranker.rank(question).words if w.surface == word)


def test_a_shift_word_shifts_only_what_the_knowledge_base_knows(
    lexical_ranker: LexicalRanker,
) -> None:
    # "the other workshops" asks about workshops the knowledge base doesn't describe;
    # "in other ways" is one unknown phrase, "other" no stronger than any adjective
    assert _weight_of(lexical_ranker, "what other workshops were there", "other") > 2.0
    assert _weight_of(lexical_ranker, "do partnerships matter in other ways", "other") < 1.0


def test_the_noun_a_which_question_asks_for_weighs_double(lexical_ranker: LexicalRanker) -> None:
    def weight_of(question: str, word: str) -> float:
        return _weight_of(lexical_ranker, question, word)

    plain = weight_of("the slogan of the partner cities conference", "slogan")
    assert weight_of("under what slogan did the conference take place", "slogan") == 2 * plain
    assert weight_of("какой девиз был у конференции", "девиз") == 2 * weight_of(
        "девиз конференции", "девиз"
    )
    # "der wievielte": which one in number
    assert weight_of("der wievielte Stadtgeburtstag", "stadtgeburtstag") == 2 * weight_of(
        "der Stadtgeburtstag", "stadtgeburtstag"
    )
    # "what" before a verb asks no noun
    youth = weight_of("youth and language workshop", "youth")
    assert weight_of("what did the youth and language workshop conclude", "youth") == youth


def test_a_shift_word_is_unknown_whatever_shares_its_stem(lexical_ranker: LexicalRanker) -> None:
    # "weiteren" shares its stem with the thanks answer's "Frag ruhig weiter"; "ещё" asks
    # for other ones right after "какие", and is filler elsewhere
    for question, word in (
        ("Welche weiteren Partnerstädte hat Düsseldorf außer Moskau?", "weiteren"),
        ("Какие ещё города-побратимы есть у Дюссельдорфа?", "еще"),
    ):
        ranking = lexical_ranker.rank(question)
        assert dict(ranking.reading)[word] == "?", ranking.reading
        weights = {w.surface: w.weight for w in ranking.words}
        assert weights[word] == max(weights.values()), weights
    assert "еще" not in dict(lexical_ranker.rank("а ещё когда была конференция").reading)


def test_other_of_a_framing_noun_is_no_shift(lexical_ranker: LexicalRanker) -> None:
    # "other areas" asks about more of what is asked ("apart from the economy"); "other
    # cities" about cities the knowledge base doesn't describe
    def weight_of_other(question: str) -> float:
        return {w.surface: w.weight for w in lexical_ranker.rank(question).words}["other"]

    framing = weight_of_other("Apart from the economy, in which other areas do partnerships help?")
    shifted = weight_of_other("Which other cities are partners of Moscow?")
    assert framing < 1.0 < shifted


def test_a_known_focus_word_counts_against_an_entry_that_does_not_explain_it(
    lexical_ranker: LexicalRanker,
) -> None:
    # "решения" is the local-governance workshop's word ("принятие решений"); asked of the
    # youth workshop it is what that entry cannot answer
    ranking = lexical_ranker.rank("какие решения приняли на воркшопе про молодёжь и язык")
    assert dict(ranking.reading)["решения"] != "?"
    youth = lexical_ranker.evidence(ranking, "workshop-youth-language").evidence
    governance = lexical_ranker.evidence(ranking, "workshop-local-governance").evidence
    assert youth.unknown_in_question > governance.unknown_in_question


def test_intensifiers_of_a_superlative_are_filler(lexical_ranker: LexicalRanker) -> None:
    # "самый первый" is "первый", as "allererste" is "erste"
    reading = dict(lexical_ranker.rank("о чём был самый первый воркшоп").reading)
    assert "самыи" not in reading and "самый" not in reading, reading
    assert "перв" in reading["первый"].split(","), reading


def test_a_citys_founding_is_no_question_about_its_partnership(
    lexical_ranker: LexicalRanker,
) -> None:
    # a city's founding is an event of its own history (a focus word), not its partnership's
    suhl = lexical_ranker.rank("Wann wurde Suhl gegründet?")
    assert lexical_ranker.evidence(suhl, "first-partnership").evidence.unknown_in_question > 0
    karlsruhe = lexical_ranker.rank("Wann wurde Karlsruhe gegründet?")
    founded = lexical_ranker.evidence(karlsruhe, "karlsruhe-anniversary").evidence
    assert founded.unknown_in_question == 0

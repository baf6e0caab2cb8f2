"""A question asking for a city ("which city…") against the cities each answer names."""

from __future__ import annotations

import pytest

from auxil.lexical import concept_missed
from twinbot.knowledge import Entry, KnowledgeBase, Topic
from twinbot.lexicon import city_table
from twinbot.ranking.lexical import LexicalRanker
from twinbot.textnorm import analyze_query


def test_one_city_is_one_id_in_every_language_and_script() -> None:
    table = city_table()
    assert table["moskau"] & table["moscow"] & table["москва"]
    assert table["karlsruhe"] & table["карлсруэ"]
    assert table["suhl"] & table["зуль"]
    assert not table["moskau"] & table["berlin"]
    assert "the" not in table and "auch" not in table  # short names and codes are left out


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Which Russian city is Karlsruhe twinned with?", "city"),
        ("Welche Partnerstädte hat Karlsruhe selbst?", "partnerstädte"),
        ("С каким российским городом дружит Карлсруэ?", "городом"),
        ("In which city was the conference held?", "city"),
        # "which" asks for something else: a filler noun first, or no noun
        ("В каких сферах городам помогает партнёрство?", None),
        ("Which workshops were there in Karlsruhe?", None),
        ("What did the cities decide?", None),
        # a compound or an adjective of "city" asks for something else
        ("Welches Stadtjubiläum feierte Karlsruhe?", None),
        ("Какой городской юбилей отмечал Карлсруэ?", None),
        ("Какие города-побратимы у самого Карлсруэ?", "города"),
    ],
)
def test_a_which_asks_for_a_city(question: str, noun: str | None) -> None:
    from twinbot.ranking.lexical.places import asked_place

    assert asked_place(analyze_query(question).tokens) == noun


def test_an_answer_naming_only_the_given_city_misses_the_question(
    lexical_ranker: LexicalRanker,
) -> None:
    question = "Which Russian city is Karlsruhe twinned with?"
    # the conference's answer names Karlsruhe only; the partner-city count names Moscow's
    # partners, not Karlsruhe
    assert concept_missed(lexical_ranker, question, "conference-when-where") > 0.2
    assert concept_missed(lexical_ranker, question, "partner-city-count") > 0.2
    ranking = lexical_ranker.rank("С каким российским городом дружит Карлсруэ?")
    assert ranking.place is not None and ranking.place.cities


def test_an_answer_naming_the_asked_city_does_not(lexical_ranker: LexicalRanker) -> None:
    assert (
        concept_missed(
            lexical_ranker, "In which city was the conference held?", "conference-when-where"
        )
        == 0
    )
    assert (
        concept_missed(
            lexical_ranker, "Which German city is Kaluga's partner?", "first-partnership"
        )
        == 0
    )
    assert (
        concept_missed(
            lexical_ranker,
            "Mit welchen deutschen Städten arbeitet Moskau zusammen?",
            "moscow-partners",
        )
        == 0
    )
    # no "which city": nothing changes
    assert (
        concept_missed(
            lexical_ranker, "Is Karlsruhe twinned with a Russian city?", "conference-when-where"
        )
        == 0
    )


def test_cities_outside_germany_and_russia_are_not_known() -> None:
    topic = Topic("t", {"en": "T"}, ("paris", "kaluga"))
    knowledge = KnowledgeBase(
        (topic,),
        (
            Entry("paris", "t", {"en": ("Which city is Paris?",)}, {"en": "Paris is in France."}),
            Entry(
                "kaluga", "t", {"en": ("Which city is Kaluga?",)}, {"en": "Kaluga is in Russia."}
            ),
        ),
    )
    index = LexicalRanker(knowledge).index
    assert index.entry_cities[0] == frozenset()
    assert index.entry_cities[1] and index.entry_cities[1] <= city_table()["калуга"]

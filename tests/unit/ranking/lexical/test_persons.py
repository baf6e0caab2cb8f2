"""A question asking for a person ("who is the mayor…", "wie heißt der Gründer…") against
whether each answer names one."""

from __future__ import annotations

import pytest

from auxil.lexical import concept_missed
from twinbot.knowledge import Entry, KnowledgeBase, Topic
from twinbot.ranking.lexical import LexicalRanker
from twinbot.ranking.lexical.persons import asked_person, names_person
from twinbot.textnorm import analyze_query


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("Who is the director of the INTAMT Academy?", "director"),
        ("Wie heißt der Gründer der Akademie?", "gründer"),
        ("Wer war der Redner?", "redner"),
        ("Welche Person hat den Workshop moderiert?", "person"),
        ("Как зовут представителей INTAMT?", "зовут"),
        ("Кто руководитель академии?", "руководитель"),
        ("What were the names of the INTAMT people in Karlsruhe?", "people"),
        ("Назовите имена участников", "участников"),
        # a name asked of a thing, or people asked without a name: no person asked
        ("What was the name of the workshop for young people?", None),
        ("Wie heißt der Workshop zur Jugend?", None),
        ("Who took part in the conference?", None),
        ("Who were the participants?", None),
        ("Wer sind die Teilnehmer der Partnerschaften?", None),
        ("Кто участвует в партнёрствах?", None),
        ("Who coordinated the working groups?", None),
        ("Which workshops were there?", None),
    ],
)
def test_what_asks_for_a_person(question: str, word: str | None) -> None:
    assert asked_person(analyze_query(question).tokens) == word


@pytest.mark.parametrize(
    ("text", "lang", "named"),
    [
        ("The academy is led by Anna Beispielfrau.", "en", True),
        ("The conference was opened by Dr. Beispiel.", "en", True),
        ("Die Akademie leitet Frau Beispiel.", "de", True),
        ("Среди координаторов был Фонд Эберхарда Шёка.", "ru", True),
        # common words, cities, acronyms, hyphenated names and sentence starts are no person
        ("INTAMT attended the 13th German-Russian Partner Cities Conference.", "en", False),
        ("The workshop on Local Governance met in Karlsruhe.", "en", False),
        ("Kaluga and Suhl were first. Moscow Berlin ties grew.", "en", False),
        ("Die Eberhard-Schöck-Stiftung koordinierte.", "de", False),
        ("<b>Youth and Language</b> was the fifth workshop.", "en", False),
    ],
)
def test_whether_an_answer_names_a_person(text: str, lang: str, named: bool) -> None:
    assert names_person(text, lang) is named  # type: ignore[arg-type]


def test_an_answer_naming_nobody_misses_a_question_for_a_person(
    lexical_ranker: LexicalRanker,
) -> None:
    # the founding explains "Gründer" and "INTAMT-Akademie", but names nobody
    assert concept_missed(
        lexical_ranker, "Wie heißt der Gründer der INTAMT-Akademie?", "intamt-founded"
    )
    assert concept_missed(
        lexical_ranker, "Как зовут представителей INTAMT в Карлсруэ?", "intamt-at-conference"
    )
    # no person asked: nothing changes
    question = "Who took part in the conference?"
    assert not concept_missed(lexical_ranker, question, "conference-participants")


def test_an_answer_naming_a_person_answers_it() -> None:
    topic = Topic("t", {"en": "T"}, ("head", "work"))
    knowledge = KnowledgeBase(
        (topic,),
        (
            Entry(
                "head",
                "t",
                {"en": ("Who leads the academy?",)},
                {"en": "The academy is led by Anna Beispielfrau."},
            ),
            Entry(
                "work",
                "t",
                {"en": ("What does the academy do?",)},
                {"en": "The academy organises exchanges."},
            ),
        ),
    )
    ranker = LexicalRanker(knowledge)
    assert ranker.index.entry_people == [True, False]
    question = "Who is the director of the academy?"
    assert concept_missed(ranker, question, "work") > concept_missed(ranker, question, "head")

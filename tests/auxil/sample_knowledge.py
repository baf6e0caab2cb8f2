"""A small trilingual knowledge base for the bot tests, independent of the shipped content.

Phrasings are matched verbatim in the tests, so whichever matcher is in place answers them.
"""

from __future__ import annotations

from twinbot.knowledge import Entry, KnowledgeBase, Topic

CONFERENCE_DATES = Entry(
    id="conference-dates",
    topic="conference",
    questions={
        "en": ("When is the partner cities conference?",),
        "de": ("Wann ist die Städtepartnerkonferenz?",),
        "ru": ("Когда пройдёт конференция городов-партнёров?",),
    },
    answer={
        "en": "The conference takes place from <b>27 to 30 June 2015</b> in Karlsruhe.",
        "de": "Die Konferenz findet vom <b>27. bis 30. Juni 2015</b> in Karlsruhe statt.",
        "ru": "Конференция проходит <b>с 27 по 30 июня 2015 года</b> в Карлсруэ.",
    },
    related=("conference-venue", "youth-exchange"),
)
CONFERENCE_VENUE = Entry(
    id="conference-venue",
    topic="conference",
    questions={
        "en": ("Where does the conference take place?",),
        "de": ("Wo findet die Konferenz statt?",),
        "ru": ("Где проходит конференция?",),
    },
    answer={
        "en": 'In the <a href="https://example.org/kongress">Kongresszentrum</a> Karlsruhe.',
        "de": 'Im <a href="https://example.org/kongress">Kongresszentrum</a> Karlsruhe.',
        "ru": 'В <a href="https://example.org/kongress">конгресс-центре</a> Карлсруэ.',
    },
    related=("conference-dates",),
)
YOUTH_EXCHANGE = Entry(
    id="youth-exchange",
    topic="exchange",
    questions={
        "en": ("How can I take part in a youth exchange?",),
        "de": ("Wie kann ich an einem Jugendaustausch teilnehmen?",),
        "ru": ("Как принять участие в молодёжном обмене?",),
    },
    answer={
        "en": "Ask the partnership association of your town.",
        "de": "Frag den Partnerschaftsverein deiner Stadt.",
        "ru": "Спроси в обществе дружбы твоего города.",
    },
)
LANGUAGE_COURSE = Entry(
    id="language-course",
    topic="exchange",
    questions={
        "en": ("Is there a language course for participants?",),
        "de": ("Gibt es einen Sprachkurs für Teilnehmende?",),
    },
    # Only in English: readers in other languages get a note saying so.
    answer={"en": "Yes, a two-week tandem course before the exchange."},
)

TOPICS = (
    Topic(
        "conference",
        {"en": "The conference", "de": "Die Konferenz", "ru": "Конференция"},
        ("conference-dates", "conference-venue"),
    ),
    Topic(
        "exchange",
        {"en": "Youth exchange", "de": "Jugendaustausch", "ru": "Молодёжный обмен"},
        ("youth-exchange", "language-course"),
    ),
)


def sample_knowledge() -> KnowledgeBase:
    """Two topics, four entries, one of them answered only in English."""
    return KnowledgeBase(
        TOPICS, (CONFERENCE_DATES, CONFERENCE_VENUE, YOUTH_EXCHANGE, LANGUAGE_COURSE)
    )

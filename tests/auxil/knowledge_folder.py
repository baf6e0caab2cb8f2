"""A small knowledge folder on disk, and the edits organisers make to it, for reload tests."""

from __future__ import annotations

from pathlib import Path

CONFERENCE = """\
topic:
  id: conference
  title: {en: The conference, de: Die Konferenz, ru: Конференция}

entries:
  - id: conference-dates
    questions:
      en: [When is the partner cities conference?]
      de: [Wann ist die Städtepartnerkonferenz?]
      ru: [Когда пройдёт конференция городов-партнёров?]
    answer:
      en: The conference takes place from <b>27 to 30 June 2015</b> in Karlsruhe.
      de: Die Konferenz findet vom <b>27. bis 30. Juni 2015</b> in Karlsruhe statt.
      ru: Конференция проходит <b>с 27 по 30 июня 2015 года</b> в Карлсруэ.
"""

PARKING = """\
  - id: conference-parking
    questions:
      en: [Where can I park my car at the conference?]
      de: [Wo kann ich bei der Konferenz mein Auto parken?]
      ru: [Где можно припарковать машину на конференции?]
    answer:
      en: Park in the garage under the Kongresszentrum.
      de: Parken kannst du in der Tiefgarage unter dem Kongresszentrum.
      ru: Парковка — в подземном гараже под конгресс-центром.
"""

#: An answer with a tag Telegram rejects: an error on line 21 of conference.yaml.
BROKEN = PARKING.replace("Park in the garage", "Park in the <p>garage")
BROKEN_LINE = "conference.yaml:21:"

EXCHANGE = """\
topic:
  id: exchange
  title: {en: Youth exchange, de: Jugendaustausch, ru: Молодёжный обмен}

entries:
  - id: youth-exchange
    questions:
      en: [How can I take part in a youth exchange?]
      de: [Wie kann ich an einem Jugendaustausch teilnehmen?]
      ru: [Как принять участие в молодёжном обмене?]
    answer:
      en: Ask the partnership association of your town.
      de: Frag den Partnerschaftsverein deiner Stadt.
      ru: Спроси в обществе дружбы твоего города.
"""

PARKING_QUESTION = "Where can I park my car at the conference?"
PARKING_ANSWER = "Park in the garage under the Kongresszentrum."
DATES_QUESTION = "When is the partner cities conference?"


def write_folder(directory: Path) -> Path:
    """Two valid files: conference.yaml and exchange.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "conference.yaml").write_text(CONFERENCE, encoding="utf-8")
    (directory / "exchange.yaml").write_text(EXCHANGE, encoding="utf-8")
    return directory


def add_parking(directory: Path, entry: str = PARKING) -> None:
    """The organisers' edit: a new entry at the end of conference.yaml."""
    (directory / "conference.yaml").write_text(CONFERENCE + entry, encoding="utf-8")

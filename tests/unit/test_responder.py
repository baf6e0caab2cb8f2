"""responder: the three outcomes rendered, the language fallback, the JSON contract."""

from __future__ import annotations

from twinbot.assembly import build_responder
from twinbot.calibration import Outcome
from twinbot.i18n import Catalogs
from twinbot.knowledge import Entry, KnowledgeBase, Topic
from twinbot.responder import Responder


def tiny() -> Responder:
    entries = (
        Entry(
            "bratwurst",
            "food",
            {"de": ("Wo gibt es Bratwurst?", "Bratwurst"), "en": ("Where is the bratwurst?",)},
            {"de": "Am <b>Marktplatz</b>."},
            related=("borscht",),
        ),
        Entry(
            "borscht",
            "food",
            {"ru": ("Где борщ?",), "en": ("Where is the borscht?",)},
            {"ru": "В столовой.", "en": "In the canteen.", "de": "In der Kantine."},
        ),
    )
    topics = (Topic("food", {"en": "Food", "de": "Essen", "ru": "Еда"}, ("bratwurst", "borscht")),)
    return build_responder(KnowledgeBase(topics, entries), Catalogs.load(), None)


def test_answer_in_another_language_says_so_in_the_users_language() -> None:
    reply = tiny().reply("Where is the bratwurst?")
    assert reply.outcome is Outcome.ANSWER and reply.entry_id == "bratwurst"
    assert reply.lang == "en"
    assert "only available in German" in reply.text and "Marktplatz" in reply.text
    assert [link.entry_id for link in reply.links] == ["borscht"]
    assert reply.links[0].label == "Where is the borscht?"  # in the user's language


def test_answer_by_id_for_buttons_and_deep_links() -> None:
    responder = tiny()
    reply = responder.answer("borscht", "de")
    assert reply is not None and reply.text == "In der Kantine." and reply.matched
    assert responder.answer("no-such-entry", "de") is None


def test_not_found_names_the_topics_in_the_users_language() -> None:
    reply = tiny().reply("Wie wird das Wetter morgen?")
    assert reply.outcome is Outcome.NOT_FOUND and not reply.matched
    assert reply.lang == "de" and "Essen" in reply.text and "/topics" in reply.text


def test_json_contract() -> None:
    record = tiny().reply("Где борщ?").to_json()
    assert record["matched"] is True and record["entry"] == "borscht"
    assert record["lang"] == "ru" and record["answer"] == "В столовой."
    assert record["suggestions"] == [] and 0 <= record["score"] <= 100
    refused = tiny().reply("What's the weather like?").to_json()
    assert refused["matched"] is False and refused["entry"] is None
    assert refused["suggestions"] == []

"""Replies and menus as Telegram HTML and keyboards; callback data encoding and decoding."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import InputTextMessageContent

from sample_knowledge import sample_knowledge
from twinbot.assembly import build_responder
from twinbot.bot import render
from twinbot.bot.render import Action, Kind
from twinbot.bot.split import MESSAGE_LIMIT, text_content, utf16_len
from twinbot.calibration import Outcome
from twinbot.i18n import Catalogs, Translator
from twinbot.knowledge import Lang
from twinbot.responder import Link, Reply

KB = sample_knowledge()
CATALOGS = Catalogs.load()
RESPONDER = build_responder(KB, CATALOGS, None)


def tr(lang: Lang) -> Translator:
    return CATALOGS.translator(lang)


def data(screen: render.Screen) -> list[str]:
    if screen.markup is None:
        return []
    return [str(b.callback_data) for row in screen.markup.inline_keyboard for b in row]


def labels(screen: render.Screen) -> list[str]:
    if screen.markup is None:
        return []
    return [b.text for row in screen.markup.inline_keyboard for b in row]


# --- callback data -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "encoded"),
    [
        (Action(Kind.ANSWER, "de", "conference-dates"), "a:de:conference-dates"),
        (Action(Kind.TOPICS, "ru"), "t:ru"),
        (Action(Kind.TOPICS, "en", "exchange"), "t:en:exchange"),
        (Action(Kind.LANGUAGE, "ru"), "l:ru"),
    ],
)
def test_callback_data_round_trip(action: Action, encoded: str) -> None:
    assert action.encode() == encoded
    assert render.decode(encoded) == action


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        "",
        ":",
        "a",
        "a:",
        "a:de",
        "a:de:",
        "a:fr:x",
        "q:de:x",
        "l:de:x",
        "t",
        "A:de:x",
        "a:DE:x",
        "é" * 40,
    ],
)
def test_stale_or_forged_data_decodes_to_nothing(garbage: object) -> None:
    assert render.decode(garbage) is None


@given(st.text(max_size=80))
def test_decode_never_raises(text: str) -> None:
    action = render.decode(text)
    if action is not None:
        assert action.encode() == text


def test_too_long_ids_leave_the_button_out() -> None:
    action = Action(Kind.ANSWER, "en", "x" * 70)
    assert action.encode() is None
    assert render.button("label", action) is None
    assert render.keyboard([[render.button("label", action)]]) is None


def test_labels_are_one_short_line() -> None:
    assert render.label("  two\nlines  ") == "two lines"
    long = render.label("word " * 30)
    assert len(long) == render.MAX_LABEL
    assert long.endswith("…")


# --- replies -------------------------------------------------------------------------------------


def test_answer_with_related_buttons() -> None:
    reply = RESPONDER.answer("conference-dates", "de")
    assert reply is not None
    screen = render.render_reply(reply, tr("de"), KB)
    assert screen.text.startswith("Die Konferenz findet vom <b>27.")
    assert data(screen) == ["a:de:conference-venue", "a:de:youth-exchange"]
    assert labels(screen) == [
        "Wo findet die Konferenz statt?",
        "Wie kann ich an einem Jugendaustausch teilnehmen?",
    ]


def test_answer_reached_by_button_has_back_to_its_topic() -> None:
    reply = RESPONDER.answer("youth-exchange", "ru")
    assert reply is not None
    screen = render.render_reply(reply, tr("ru"), KB, with_back=True)
    assert data(screen) == ["t:ru:exchange"]
    assert labels(screen) == ["« Назад"]


def test_suggestions_become_buttons() -> None:
    reply = Reply(
        Outcome.SUGGESTIONS, "en", "Did you mean…", links=(Link("conference-venue", "Where?"),)
    )
    assert data(render.render_reply(reply, tr("en"), KB)) == ["a:en:conference-venue"]


def test_not_found_points_to_topics() -> None:
    screen = render.render_reply(RESPONDER.not_found("ru"), tr("ru"), KB)
    assert "Конференция, Молодёжный обмен" in screen.text
    assert data(screen) == ["t:ru"]
    assert labels(screen) == ["📚 Темы"]


def test_long_replies_stay_whole_for_the_handlers_to_split() -> None:
    reply = Reply(Outcome.ANSWER, "en", "<b>" + "a &amp; b. " * 1000 + "</b>", "x")
    assert render.render_reply(reply, tr("en"), KB).text == reply.text


def test_inline_results_cut_long_answers_to_one_message_keeping_the_markup() -> None:
    text = "<b>" + "a &amp; b. " * 1000 + "</b>"
    reply = Reply(Outcome.ANSWER, "en", text, "conference-dates")
    (result,) = render.inline_results([reply], KB, tr("en"), "twinbot_bot")
    content = result.input_message_content
    assert isinstance(content, InputTextMessageContent)
    assert content.message_text.startswith("<b>a &amp; b. ")
    assert content.message_text.endswith("</b>…")
    assert utf16_len(text_content(content.message_text)) <= MESSAGE_LIMIT


# --- menus ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "greeting", "example"),
    [
        ("en", "Hi Anna &amp; Co!", "When is the partner cities conference?"),
        ("de", "Hallo Anna &amp; Co!", "Wann ist die Städtepartnerkonferenz?"),
        ("ru", "Привет, Anna &amp; Co!", "Когда пройдёт конференция городов-партнёров?"),
    ],
)
def test_start_screen(lang: Lang, greeting: str, example: str) -> None:
    screen = render.start_screen(KB, tr(lang), "Anna & Co")
    assert screen.text.startswith(greeting)
    assert f"• <i>{example}</i>" in screen.text
    assert data(screen) == [f"t:{lang}:conference", f"t:{lang}:exchange"]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 тема — выбери:"),
        (3, "3 темы — выбери:"),
        (5, "5 тем — выбери:"),
        (11, "11 тем — выбери:"),
        (21, "21 тема — выбери:"),
        (1000, "1 000 тем — выбери:"),
    ],
)
def test_russian_plural_forms(count: int, expected: str) -> None:
    text = tr("ru").ngettext("{count} topic — pick one:", "{count} topics — pick one:", count)
    assert text.format(count=tr("ru").number(count)).replace("\xa0", " ") == expected


def test_topics_and_topic_screens() -> None:
    topics = render.topics_screen(KB, tr("de"))
    assert topics.text == "2 Themen – wähl eins aus:"
    assert labels(topics) == ["Die Konferenz (2)", "Jugendaustausch (2)"]
    topic = KB.topic("conference")
    assert topic is not None
    screen = render.topic_screen(KB, topic, tr("en"))
    assert screen.text == "<b>The conference</b>\n2 questions — pick one:"
    assert data(screen) == ["a:en:conference-dates", "a:en:conference-venue", "t:en"]


def test_about_formats_numbers_and_dates_for_the_locale() -> None:
    loaded = datetime(2015, 6, 27, 9, 0, tzinfo=UTC)
    # CLDR puts (narrow) no-break spaces into Russian dates.
    russian = render.about_screen(KB, tr("ru"), loaded).text.replace("\u202f", " ")
    assert "загружена 27 июн. 2015 г.: 4 ответа, 2 темы." in russian
    assert (
        "loaded on Jun 27, 2015: 4 answers, 2 topics."
        in render.about_screen(KB, tr("en"), loaded).text
    )


def test_language_screen_uses_endonyms() -> None:
    screen = render.language_screen(tr("en"))
    assert labels(screen) == ["Deutsch", "Русский", "English"]
    assert data(screen) == ["l:de", "l:ru", "l:en"]


@pytest.mark.parametrize("lang", ["en", "de", "ru"])
def test_profile_texts_fit_telegrams_limits(lang: Lang) -> None:
    assert len(render.description(tr(lang))) <= 512
    assert len(render.short_description(tr(lang))) <= 120
    for command in render.commands(tr(lang)):
        assert 1 <= len(command.description) <= 256


def test_inline_results() -> None:
    replies = RESPONDER.search("When is the partner cities conference?", "en")
    results = render.inline_results(replies, KB, tr("en"), "twinbot_bot")
    assert 1 <= len(results) <= render.MAX_INLINE_RESULTS
    first = results[0]
    assert first.id == "conference-dates"
    assert first.description is not None and "<b>" not in first.description
    assert first.reply_markup is not None
    assert first.reply_markup.inline_keyboard[0][0].url == (
        "https://t.me/twinbot_bot?start=conference-dates"
    )


def test_every_shipped_entry_and_topic_fits_buttons_and_deep_links() -> None:
    validate = pytest.importorskip("twinbot.validate")
    from twinbot.paths import bundled_knowledge_dir

    shipped = validate.load_valid_knowledge(bundled_knowledge_dir())
    for entry in shipped:
        assert Action(Kind.ANSWER, "ru", entry.id).encode() is not None, entry.id
        # t.me/<bot>?start=<id> accepts 1-64 of A-Z a-z 0-9 _ -
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", entry.id), entry.id
    for topic in shipped.topics:
        assert Action(Kind.TOPICS, "ru", topic.id).encode() is not None, topic.id
    for lang in ("en", "de", "ru"):
        screen = render.topics_screen(shipped, tr(lang))  # type: ignore[arg-type]
        assert len(labels(screen)) == len(shipped.topics)

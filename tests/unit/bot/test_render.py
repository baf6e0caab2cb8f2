"""Replies and menus as Telegram HTML and keyboards; callback data encoding and decoding."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import InputTextMessageContent

from auxil.sample_knowledge import sample_knowledge
from twinbot.assembly import build_responder
from twinbot.bot import render
from twinbot.bot.render import Action, ButtonKind
from twinbot.bot.split import MESSAGE_LIMIT, text_content, utf16_len
from twinbot.calibration import Outcome
from twinbot.i18n import Catalogs, Translator
from twinbot.knowledge import KnowledgeBase, Lang, Topic
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
        (Action(ButtonKind.ANSWER, "de", "conference-dates"), "a:de:conference-dates"),
        (Action(ButtonKind.TOPICS, "ru"), "t:ru"),
        (Action(ButtonKind.TOPICS, "en", "exchange"), "t:en:exchange"),
        (Action(ButtonKind.LANGUAGE, "ru"), "l:ru"),
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
    action = Action(ButtonKind.ANSWER, "en", "x" * 70)
    assert action.encode() is None
    assert render.button("label", action) is None
    assert render.keyboard([[render.button("label", action)]]) is None


def test_labels_are_one_short_line() -> None:
    assert render.label("  two\nlines  ") == "two lines"
    long = render.label("word " * 30)
    assert len(long) <= render.MAX_LABEL
    assert long.endswith("word…")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Wie finde ich eine Partnerstadt für meine Schule und wen frage ich nach "
            "Partnerstädten?",
            "Wie finde ich eine Partnerstadt für meine Schule und wen…",
        ),
        ("Städtepartnerschaftsjubiläumsveranstaltungsorganisationskomiteemitglied!", None),
    ],
)
def test_long_labels_are_cut_between_words(text: str, expected: str | None) -> None:
    cut = render.label(text)
    assert len(cut) <= render.MAX_LABEL
    assert cut.endswith("…")
    if expected is not None:
        assert cut == expected
    else:  # one endless word: cut inside it, there is no boundary
        assert len(cut) == render.MAX_LABEL


def test_an_entry_label_replaces_its_question_on_buttons() -> None:
    entry = replace(KB.entries[1], label={"de": "Wo?"})
    kb = KnowledgeBase(KB.topics, (KB.entries[0], entry, *KB.entries[2:]))
    responder = build_responder(kb, CATALOGS, None)
    reply = responder.answer("conference-dates", "de")
    assert reply is not None
    assert labels(render.render_reply(reply, tr("de"), kb))[0] == "Wo?"
    topic = kb.topic("conference")
    assert topic is not None
    assert labels(render.topic_screen(kb, topic, tr("de")))[1] == "Wo?"
    assert labels(render.topic_screen(kb, topic, tr("en")))[1] == entry.title("en")


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
    screen = render.render_reply(reply, tr("en"), KB)
    assert data(screen) == ["a:en:conference-venue", "t:en"]
    assert labels(screen)[-1] == "None of these → 📚 Topics"


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
        assert Action(ButtonKind.ANSWER, "ru", entry.id).encode() is not None, entry.id
        # t.me/<bot>?start=<id> accepts 1-64 of A-Z a-z 0-9 _ -
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", entry.id), entry.id
    for topic in shipped.topics:
        assert Action(ButtonKind.TOPICS, "ru", topic.id).encode() is not None, topic.id
    for lang in ("en", "de", "ru"):
        screen = render.topics_screen(shipped, tr(lang))  # type: ignore[arg-type]
        assert len(labels(screen)) == len(shipped.browsable_topics) == len(shipped.topics) - 1


# --- small talk, feedback and paging ---------------------------------------------------------


def _with_smalltalk() -> KnowledgeBase:
    from twinbot.knowledge import Entry

    hello = Entry(
        "hello", "chat", {"en": ("Hi!",), "de": ("Hallo!",)}, {"en": "Hi!", "de": "Hallo!"}
    )
    chat = Topic("chat", {"en": "Small talk"}, ("hello",), kind="smalltalk")
    return KnowledgeBase((chat, *KB.topics), (hello, *KB.entries))


def test_small_talk_stays_out_of_menus_examples_and_the_refusal() -> None:
    kb = _with_smalltalk()
    start = render.start_screen(kb, tr("en"), "Anna")
    assert "Hi!" not in start.text
    assert "<i>When is the partner cities conference?</i>" in start.text
    assert data(start) == ["t:en:conference", "t:en:exchange"]
    assert data(render.topics_screen(kb, tr("en"))) == ["t:en:conference", "t:en:exchange"]
    assert render.topics_screen(kb, tr("en")).text == "2 topics — pick one:"
    refusal = build_responder(kb, CATALOGS, None).not_found("en")
    assert "Small talk" not in refusal.text
    hello = build_responder(kb, CATALOGS, None).answer("hello", "en")
    assert hello is not None
    # Small talk answers, without "Helpful?" buttons.
    assert render.render_reply(hello, tr("en"), kb, feedback=True).markup is None
    replies = [
        r for e in kb.entries if (r := build_responder(kb, CATALOGS, None).answer(e.id, "en"))
    ]
    assert "hello" not in [r.id for r in render.inline_results(replies, kb, tr("en"), "bot")]


def test_answers_ask_whether_they_helped_and_refusals_offer_the_organisers() -> None:
    reply = RESPONDER.answer("youth-exchange", "ru")
    assert reply is not None
    assert data(render.render_reply(reply, tr("ru"), KB)) == []
    screen = render.render_reply(reply, tr("ru"), KB, feedback=True)
    assert data(screen) == ["v:ru:+youth-exchange", "v:ru:-youth-exchange"]
    assert labels(screen) == ["Помогло? 👍", "👎"]
    refusal = RESPONDER.not_found("de")
    assert data(render.render_reply(refusal, tr("de"), KB, feedback=True)) == ["t:de"]
    with_admins = render.render_reply(refusal, tr("de"), KB, organisers=True)
    assert data(with_admins) == ["t:de", "o:de"]
    assert labels(with_admins)[-1] == "✉️ Das Orga-Team fragen"
    assert render.without_votes(screen.markup) is None


@pytest.mark.parametrize("data_", ["v:en:+", "v:en:x-entry", "p:en:", "p:en:two", "o:en:x"])
def test_malformed_new_buttons_decode_to_nothing(data_: str) -> None:
    assert render.decode(data_) is None


def _many_topics(count: int) -> KnowledgeBase:
    from twinbot.knowledge import Entry

    entries = tuple(
        Entry(f"e{n}", f"t{n}", {"en": (f"Question {n}?",)}, {"en": "A"}) for n in range(count)
    )
    topics = tuple(
        Topic(f"t{n}", {"en": f"Topic number {n} with a longish title"}, (f"e{n}",))
        for n in range(count)
    )
    return KnowledgeBase(topics, entries)


def test_thousands_of_topics_page_within_telegram_limits() -> None:
    kb = _many_topics(3006)
    pages = -(-3006 // render.PAGE_SIZE)
    seen: list[str] = []
    for page in range(pages):
        screen = render.topics_screen(kb, tr("de"), page)
        assert screen.markup is not None
        rows = screen.markup.inline_keyboard
        assert sum(len(row) for row in rows) <= 100
        assert all(len(row) <= 8 for row in rows)
        assert len(screen.markup.to_json().encode()) < 10_000
        seen += [d for d in data(screen) if d.startswith("t:")]
        nav = [b.callback_data for b in rows[-1]]
        if page + 1 < pages:
            assert f"p:de:{page + 1}" in nav
        if page:
            assert f"p:de:{page - 1}" in nav
    assert seen == [f"t:de:t{n}" for n in range(3006)]
    # A page past the end shows the last one rather than nothing.
    assert data(render.topics_screen(kb, tr("de"), 10**5)) == data(
        render.topics_screen(kb, tr("de"), pages - 1)
    )
    assert render.decode("p:de:3") == Action(ButtonKind.PAGE, "de", "3")
    assert render.decode("p:de:t7/3") == Action(ButtonKind.PAGE, "de", "t7/3")


def test_a_topic_with_many_entries_pages_too() -> None:
    from twinbot.knowledge import Entry

    entries = tuple(Entry(f"e{n}", "big", {"en": (f"Q{n}?",)}, {"en": "A"}) for n in range(45))
    topic = Topic("big", {"en": "Big"}, tuple(e.id for e in entries))
    kb = KnowledgeBase((topic,), entries)
    first = render.topic_screen(kb, topic, tr("en"))
    assert data(first)[: render.PAGE_SIZE] == [f"a:en:e{n}" for n in range(render.PAGE_SIZE)]
    assert "p:en:big/1" in data(first)
    last = render.topic_screen(kb, topic, tr("en"), 2)
    assert [d for d in data(last) if d.startswith("a:")] == [f"a:en:e{n}" for n in range(40, 45)]
    assert data(last)[-1] == "t:en"


def test_privacy_screen_in_three_languages() -> None:
    assert "180 days" in render.privacy_screen(tr("en"), 180, 30).text
    assert "180 Tage" in render.privacy_screen(tr("de"), 180, 30).text
    assert "30 дней" in render.privacy_screen(tr("ru"), 180, 30, organisers=True).text
    # Without organisers there is no /feedback, so the link to them is not mentioned.
    assert "/feedback" not in render.privacy_screen(tr("en"), 180, 30).text
    assert "/privacy" in render.about_screen(KB, tr("ru"), datetime(2015, 6, 27, tzinfo=UTC)).text


def test_about_counts_what_topics_shows() -> None:
    about = render.about_screen(_with_smalltalk(), tr("en"), datetime(2015, 6, 27, tzinfo=UTC))
    assert "4 answers, 2 topics." in about.text

"""What users see in Telegram: replies and menus as HTML text plus inline keyboards.

Every screen is a pure function of the knowledge base, a `Translator` and a few values, so the
handlers stay thin and the tests need no Telegram. Buttons carry callback data in a small
namespaced format, at most 64 bytes (Telegram's limit):

    a:<lang>:<entry-id>   show an answer          t:<lang>              list the topics
    t:<lang>:<topic-id>   list a topic's entries  l:<lang>              choose a language

A change of meaning gets a new prefix, never a new reading of an old one, so buttons in old
messages either still work or decode to nothing; `decode` never raises on stale, truncated or
forged data — the handler answers those with a localized "out of date" note.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from babel import Locale
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from twinbot import __version__
from twinbot.bot.split import text_content, truncate_html
from twinbot.calibration import Outcome
from twinbot.i18n import Translator
from twinbot.knowledge import KnowledgeBase, Lang, Topic, is_lang
from twinbot.responder import Reply

_log = logging.getLogger(__name__)

#: Telegram's limit on callback data, in bytes.
CALLBACK_DATA_LIMIT = 64
#: Longer button labels are cut with an ellipsis; phones show about this much.
MAX_LABEL = 60
#: Inline mode offers at most this many answers.
MAX_INLINE_RESULTS = 10
#: How many example questions /start shows.
START_EXAMPLES = 3
#: The order of the /language buttons.
LANGUAGE_BUTTONS: tuple[Lang, ...] = ("de", "ru", "en")


class Kind(StrEnum):
    """What a button does; the value is its callback-data prefix."""

    ANSWER = "a"
    TOPICS = "t"
    LANGUAGE = "l"


@dataclass(frozen=True, slots=True)
class Action:
    """A decoded button press; `target` is an entry or topic id, or empty."""

    kind: Kind
    lang: Lang
    target: str = ""

    def encode(self) -> str | None:
        """The callback data, or None when it would exceed Telegram's 64 bytes."""
        parts = [self.kind.value, self.lang]
        if self.target:
            parts.append(self.target)
        data = ":".join(parts)
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            return None
        return data


def decode(data: object) -> Action | None:
    """The action behind callback *data*, or None for anything stale or malformed."""
    if not isinstance(data, str) or len(data.encode()) > CALLBACK_DATA_LIMIT:
        return None
    prefix, _, rest = data.partition(":")
    lang, _, target = rest.partition(":")
    if not is_lang(lang):
        return None
    try:
        kind = Kind(prefix)
    except ValueError:
        return None
    if kind is Kind.ANSWER and not target:
        return None
    if kind is Kind.LANGUAGE and target:
        return None
    return Action(kind, lang, target)


@dataclass(frozen=True, slots=True)
class Screen:
    """One message: Telegram HTML and an optional inline keyboard."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def label(text: str) -> str:
    """A button label: one line, at most `MAX_LABEL` characters."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def button(text: str, action: Action) -> InlineKeyboardButton | None:
    """A callback button, or None (logged) when its data would not fit."""
    data = action.encode()
    if data is None:
        _log.warning(
            "callback data for %s %r is over 64 bytes; button left out", action.kind, action.target
        )
        return None
    return InlineKeyboardButton(label(text), callback_data=data)


def keyboard(rows: Sequence[Sequence[InlineKeyboardButton | None]]) -> InlineKeyboardMarkup | None:
    """A keyboard of the buttons that exist; None when there are none."""
    kept = [[b for b in row if b is not None] for row in rows]
    kept = [row for row in kept if row]
    return InlineKeyboardMarkup(kept) if kept else None


def plain(text: str) -> str:
    """Telegram HTML as plain text (for inline descriptions)."""
    return text_content(text)


# --- replies -----------------------------------------------------------------------------------


def render_reply(
    reply: Reply, tr: Translator, knowledge: KnowledgeBase, *, with_back: bool = False
) -> Screen:
    """A responder reply: its text, its links as buttons, and a way back when browsing."""
    lang = reply.lang
    rows: list[list[InlineKeyboardButton | None]] = [
        [button(link.label, Action(Kind.ANSWER, lang, link.entry_id))] for link in reply.links
    ]
    if reply.outcome is Outcome.NOT_FOUND:
        rows.append([button(tr.gettext("📚 Topics"), Action(Kind.TOPICS, lang))])
    if with_back and reply.entry_id is not None:
        entry = knowledge.entry(reply.entry_id)
        topic = knowledge.topic(entry.topic) if entry is not None else None
        back = Action(Kind.TOPICS, lang, topic.id) if topic else Action(Kind.TOPICS, lang)
        rows.append([button(tr.gettext("« Back"), back)])
    # Not cut here: the handlers send an answer too long for one message as several.
    return Screen(reply.text, keyboard(rows))


def stale_button(tr: Translator) -> str:
    """The note for a button whose target no longer exists."""
    return tr.gettext("This button is out of date. Send /topics to start over.")


def error_text(tr: Translator) -> str:
    """What users read when the bot failed on its side."""
    return tr.gettext("Sorry, something went wrong on my side. Please try again in a moment.")


def slow_down(tr: Translator) -> str:
    """The one note a user gets when flood control starts dropping their messages."""
    return tr.gettext(
        "You're sending messages faster than I can read them. I'll answer again in a moment."
    )


def non_text_hint(tr: Translator) -> str:
    """The reply to stickers, photos, voice messages and the like."""
    return tr.gettext("I can only read text. Write me a question or send /topics.")


# --- menus -------------------------------------------------------------------------------------


def topic_buttons(
    knowledge: KnowledgeBase, tr: Translator
) -> list[list[InlineKeyboardButton | None]]:
    """One button per topic, with its number of entries."""
    rows: list[list[InlineKeyboardButton | None]] = []
    for topic in knowledge.topics:
        count = len(knowledge.entries_of(topic.id))
        text = tr.gettext("{topic} ({count})").format(
            topic=topic.title_in(tr.lang), count=tr.number(count)
        )
        rows.append([button(text, Action(Kind.TOPICS, tr.lang, topic.id))])
    return rows


def start_screen(knowledge: KnowledgeBase, tr: Translator, name: str) -> Screen:
    """The greeting: who the bot is, example questions, and the topics."""
    lines = [
        tr.gettext(
            "Hi {name}! I'm twinbot. I answer questions about German–Russian partner cities, "
            "the partner cities conference in Karlsruhe and youth exchanges — in German, "
            "Russian and English."
        ).format(name=html.escape(name)),
    ]
    examples = [
        entries[0].title(tr.lang)
        for topic in knowledge.topics
        if (entries := knowledge.entries_of(topic.id))
    ][:START_EXAMPLES]
    if examples:
        lines += ["", tr.gettext("Just write your question, for example:")]
        lines += [f"• <i>{html.escape(example)}</i>" for example in examples]
    if knowledge.topics:
        lines += ["", tr.gettext("Or pick a topic:")]
    return Screen("\n".join(lines), keyboard(topic_buttons(knowledge, tr)))


def help_screen(tr: Translator, bot_username: str) -> Screen:
    """How to use the bot: free text, the commands, inline mode."""
    text = tr.gettext(
        "<b>How to use twinbot</b>\n"
        "Write your question in German, Russian or English — I answer in the language you "
        "write in.\n\n"
        "/topics — browse everything I know\n"
        "/language — choose the language of the menus\n"
        "/about — about this bot\n"
        "/help — this help\n\n"
        "In any chat, type @{bot} and a question to share an answer with your group."
    ).format(bot=html.escape(bot_username))
    return Screen(text, keyboard([[button(tr.gettext("📚 Topics"), Action(Kind.TOPICS, tr.lang))]]))


def about_screen(knowledge: KnowledgeBase, tr: Translator, loaded_at: datetime) -> Screen:
    """What the bot is, how much it knows, and since when."""
    answers = tr.ngettext("{count} answer", "{count} answers", len(knowledge)).format(
        count=tr.number(len(knowledge))
    )
    topics = tr.ngettext("{count} topic", "{count} topics", len(knowledge.topics)).format(
        count=tr.number(len(knowledge.topics))
    )
    text = "\n\n".join(
        [
            tr.gettext(
                "<b>twinbot {version}</b> answers questions about German–Russian partner cities, "
                "the 13th German-Russian Partner Cities Conference in Karlsruhe, its workshops, "
                "and youth and language exchanges."
            ).format(version=html.escape(__version__)),
            tr.gettext("Knowledge base loaded on {date}: {answers}, {topics}.").format(
                answers=answers, topics=topics, date=tr.date(loaded_at.date())
            ),
            tr.gettext(
                "Questions I cannot answer are logged without your name, so the "
                "organisers can add the answers."
            ),
        ]
    )
    return Screen(text)


def topics_screen(knowledge: KnowledgeBase, tr: Translator) -> Screen:
    """Every topic as a button."""
    count = len(knowledge.topics)
    text = tr.ngettext("{count} topic — pick one:", "{count} topics — pick one:", count).format(
        count=tr.number(count)
    )
    return Screen(text, keyboard(topic_buttons(knowledge, tr)))


def topic_screen(knowledge: KnowledgeBase, topic: Topic, tr: Translator) -> Screen:
    """The entries of one topic as buttons, and Back to all topics."""
    entries = knowledge.entries_of(topic.id)
    heading = tr.ngettext(
        "{count} question — pick one:", "{count} questions — pick one:", len(entries)
    ).format(count=tr.number(len(entries)))
    text = f"<b>{html.escape(topic.title_in(tr.lang))}</b>\n{heading}"
    rows: list[list[InlineKeyboardButton | None]] = [
        [button(entry.title(tr.lang), Action(Kind.ANSWER, tr.lang, entry.id))] for entry in entries
    ]
    rows.append([button(tr.gettext("« Back"), Action(Kind.TOPICS, tr.lang))])
    return Screen(text, keyboard(rows))


def language_name(lang: Lang) -> str:
    """The language's own name, from Babel's CLDR data: Deutsch, Русский, English."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def language_screen(tr: Translator) -> Screen:
    """The three languages as buttons."""
    rows = [[button(language_name(lang), Action(Kind.LANGUAGE, lang)) for lang in LANGUAGE_BUTTONS]]
    return Screen(tr.gettext("Choose your language:"), keyboard(rows))


def language_saved(tr: Translator) -> Screen:
    """The confirmation, in the newly chosen language."""
    text = tr.gettext(
        "Okay, I'll speak English with you from now on. Questions are still answered in the "
        "language you write them in."
    )
    return Screen(text, keyboard([[button(tr.gettext("📚 Topics"), Action(Kind.TOPICS, tr.lang))]]))


# --- inline mode -------------------------------------------------------------------------------


def inline_results(
    replies: Sequence[Reply], knowledge: KnowledgeBase, tr: Translator, bot_username: str
) -> list[InlineQueryResultArticle]:
    """Answers as shareable articles, each with a button that opens the bot on that answer."""
    results = []
    for reply in replies[:MAX_INLINE_RESULTS]:
        entry = knowledge.entry(reply.entry_id or "")
        if entry is None:
            continue
        description = " ".join(plain(reply.text).split())
        markup = None
        if bot_username:
            url = f"https://t.me/{bot_username}?start={entry.id}"
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(tr.gettext("Ask twinbot"), url=url)]]
            )
        results.append(
            InlineQueryResultArticle(
                id=entry.id[:64],
                title=label(entry.title(reply.lang)),
                description=description[:120],
                input_message_content=InputTextMessageContent(
                    truncate_html(reply.text), parse_mode="HTML"
                ),
                reply_markup=markup,
            )
        )
    return results


# --- start-up registration ---------------------------------------------------------------------


def commands(tr: Translator) -> list[BotCommand]:
    """The command menu in one language."""
    return [
        BotCommand("start", tr.gettext("Start and pick a topic")),
        BotCommand("topics", tr.gettext("Browse all topics")),
        BotCommand("language", tr.gettext("Choose your language")),
        BotCommand("help", tr.gettext("How to use twinbot")),
        BotCommand("about", tr.gettext("About this bot")),
    ]


def description(tr: Translator) -> str:
    """The text in an empty chat with the bot (at most 512 characters)."""
    return tr.gettext(
        "Questions about German–Russian partner cities, the partner cities conference in "
        "Karlsruhe or youth exchanges? Ask me in German, Russian or English — or browse "
        "the topics."
    )[:512]


def short_description(tr: Translator) -> str:
    """The bot's profile line and share text (at most 120 characters)."""
    return tr.gettext(
        "Answers about German–Russian partner cities, in German, Russian and English."
    )[:120]

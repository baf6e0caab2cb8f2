"""What users see in Telegram: replies and menus as HTML text plus inline keyboards.

Every screen is a pure function of the knowledge base, a `Translator` and a few values, so the
handlers stay thin and the tests need no Telegram. Buttons carry callback data in a small
namespaced format, at most 64 bytes (Telegram's limit):

    a:<lang>:<entry-id>   show an answer          t:<lang>              list the topics
    t:<lang>:<topic-id>   list a topic's entries  l:<lang>              choose a language
    p:<lang>:<n>          page n of the topics    p:<lang>:<topic-id>/<n>  page n of a topic
    v:<lang>:+<entry-id>  "helpful" (- for not)   o:<lang>              ask an organiser

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
#: Longer button labels are cut at a word boundary with an ellipsis; phones show about this much.
MAX_LABEL = 60
#: Menus list this many topics or questions per message, then ‹ › buttons: Telegram refuses a
#: keyboard of more than 100 buttons (and a large one is useless on a phone anyway).
PAGE_SIZE = 20
#: Inline mode offers at most this many answers.
MAX_INLINE_RESULTS = 10
#: How many example questions /start shows.
START_EXAMPLES = 3
#: The order of the /language buttons.
LANGUAGE_BUTTONS: tuple[Lang, ...] = ("de", "ru", "en")


class ButtonKind(StrEnum):
    """What a button does; the value is its callback-data prefix."""

    ANSWER = "a"
    TOPICS = "t"
    LANGUAGE = "l"
    PAGE = "p"
    VOTE = "v"
    ORGANISER = "o"


@dataclass(frozen=True, slots=True)
class Action:
    """A decoded button press; `target` is an entry or topic id, or empty."""

    kind: ButtonKind
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
        kind = ButtonKind(prefix)
    except ValueError:
        return None
    if kind in (ButtonKind.ANSWER, ButtonKind.PAGE, ButtonKind.VOTE) and not target:
        return None
    if kind in (ButtonKind.LANGUAGE, ButtonKind.ORGANISER) and target:
        return None
    if kind is ButtonKind.PAGE and page_of(target) is None:
        return None
    if kind is ButtonKind.VOTE and (target[0] not in "+-" or len(target) < 2):
        return None
    return Action(kind, lang, target)


def page_of(target: str) -> tuple[str, int] | None:
    """(topic id or "", page number) of a `ButtonKind.PAGE` target, or None when malformed."""
    topic, _, number = target.rpartition("/")
    if not number.isdigit() or len(number) > 6:
        return None
    return topic, int(number)


@dataclass(frozen=True, slots=True)
class Screen:
    """One message: Telegram HTML and an optional inline keyboard."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def label(text: str) -> str:
    """A button label: one line, at most `MAX_LABEL` characters, cut between words."""
    text = " ".join(text.split())
    if len(text) <= MAX_LABEL:
        return text
    cut = text[: MAX_LABEL - 1]
    space = cut.rfind(" ")
    if space >= MAX_LABEL // 2:  # a word boundary not too far back; else cut the long word
        cut = cut[:space]
    return cut.rstrip(" ,;:–—-") + "…"


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
    reply: Reply,
    tr: Translator,
    knowledge: KnowledgeBase,
    *,
    with_back: bool = False,
    feedback: bool = False,
    organisers: bool = False,
) -> Screen:
    """A responder reply: its text, its links as buttons, and a way back when browsing.

    *feedback* adds "Helpful? 👍 / 👎" under an answer (never under small talk); *organisers*
    adds "Ask an organiser" under a refusal (only when the bot has admins).
    """
    lang = reply.lang
    rows: list[list[InlineKeyboardButton | None]] = [
        [
            button(
                _link_text(link.entry_id, link.label, lang, knowledge),
                Action(ButtonKind.ANSWER, lang, link.entry_id),
            )
        ]
        for link in reply.links
    ]
    if reply.outcome is Outcome.SUGGESTIONS and reply.links:
        rows.append(
            [button(tr.gettext("None of these → 📚 Topics"), Action(ButtonKind.TOPICS, lang))]
        )
    if reply.outcome is Outcome.NOT_FOUND:
        rows.append([button(tr.gettext("📚 Topics"), Action(ButtonKind.TOPICS, lang))])
        if organisers:
            rows.append(
                [button(tr.gettext("✉️ Ask an organiser"), Action(ButtonKind.ORGANISER, lang))]
            )
    if (
        feedback
        and reply.matched
        and reply.entry_id is not None
        and not knowledge.is_smalltalk(reply.entry_id)
    ):
        rows.append(vote_buttons(reply.entry_id, tr))
    if with_back and reply.entry_id is not None:
        entry = knowledge.entry(reply.entry_id)
        topic = knowledge.topic(entry.topic) if entry is not None else None
        back = (
            Action(ButtonKind.TOPICS, lang, topic.id) if topic else Action(ButtonKind.TOPICS, lang)
        )
        rows.append([button(tr.gettext("« Back"), back)])
    # Not cut here: the handlers send an answer too long for one message as several.
    return Screen(reply.text, keyboard(rows))


def _link_text(entry_id: str, fallback: str, lang: Lang, knowledge: KnowledgeBase) -> str:
    entry = knowledge.entry(entry_id)
    return entry.button_text(lang) if entry is not None else fallback


def vote_buttons(entry_id: str, tr: Translator) -> list[InlineKeyboardButton | None]:
    """The "Helpful? 👍 / 👎" row under an answer."""
    return [
        button(tr.gettext("Helpful? 👍"), Action(ButtonKind.VOTE, tr.lang, f"+{entry_id}")),
        button("👎", Action(ButtonKind.VOTE, tr.lang, f"-{entry_id}")),
    ]


def without_votes(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """*markup* minus its vote buttons: what stays under an answer once it was rated."""
    if markup is None:
        return None
    prefix = f"{ButtonKind.VOTE.value}:"
    rows = [
        [
            b
            for b in row
            if not (isinstance(b.callback_data, str) and b.callback_data.startswith(prefix))
        ]
        for row in markup.inline_keyboard
    ]
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


def vote_thanks(tr: Translator, helpful: bool) -> str:
    """The short note after a vote."""
    if helpful:
        return tr.gettext("Thanks! Glad it helped.")
    return tr.gettext(
        "Thanks for telling me. The organisers will see that this answer did not help."
    )


def vote_already(tr: Translator) -> str:
    """The note for a second vote on the same answer."""
    return tr.gettext("You already rated this answer. Thanks!")


def acknowledgement(tr: Translator) -> str:
    """The reply to a bare "ok", "lol" or "👍": short, friendly, no refusal."""
    return tr.gettext("👍 Anything else? Just ask, or send /topics.")


def unknown_link(tr: Translator) -> Screen:
    """A /start link whose entry or topic no longer exists."""
    text = tr.gettext(
        "This link points to something I no longer have — it may be outdated. "
        "Here is everything I know:"
    )
    return Screen(
        text, keyboard([[button(tr.gettext("📚 Topics"), Action(ButtonKind.TOPICS, tr.lang))]])
    )


def unknown_command(tr: Translator, command: str) -> str:
    """The line before the help for a command the bot does not know."""
    return tr.gettext("I don't know the command {command}.").format(command=html.escape(command))


# --- messages to and from the organisers ------------------------------------------------------


def feedback_prompt(tr: Translator) -> str:
    """After /feedback or "Ask an organiser": what happens next, and what is shared."""
    return tr.gettext(
        "✉️ Write your message to the organisers now: your next message goes to them, "
        "together with your Telegram name (not your phone number). When they reply, I pass "
        "the answer on to you here. Send /cancel to send nothing."
    )


def feedback_cancelled(tr: Translator) -> str:
    return tr.gettext("Okay, nothing was sent.")


def feedback_sent(tr: Translator) -> str:
    return tr.gettext("✅ Sent to the organisers. Their reply will appear here.")


def feedback_failed(tr: Translator) -> str:
    return tr.gettext(
        "Sorry, I could not reach the organisers just now. Please try again later with /feedback."
    )


def message_for_organisers(tr: Translator, name: str, lang: Lang, text: str) -> str:
    """A user's message as an admin gets it (*name* and *text* already HTML-escaped)."""
    return tr.gettext(
        "✉️ <b>Message from {name}</b> ({lang}):\n\n{text}\n\n"
        "<i>Reply to this message to answer; I'll pass your reply on.</i>"
    ).format(name=name, lang=lang, text=text)


def organiser_reply(tr: Translator, text: str) -> str:
    """An admin's reply as the user gets it (*text* already HTML-escaped)."""
    return tr.gettext("✉️ <b>Reply from the organisers:</b>\n\n{text}").format(text=text)


def reply_delivered(tr: Translator) -> str:
    return tr.gettext("✅ Your reply was delivered.")


def reply_not_delivered(tr: Translator) -> str:
    return tr.gettext("❌ Your reply could not be delivered (the user may have blocked the bot).")


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
    knowledge: KnowledgeBase, tr: Translator, page: int = 0
) -> list[list[InlineKeyboardButton | None]]:
    """One button per browsable topic (small talk is left out), with its number of entries;
    one page of them, and ‹ › buttons when there are more."""
    topics = knowledge.browsable_topics
    page, first, last = _page_bounds(len(topics), page)
    rows: list[list[InlineKeyboardButton | None]] = []
    for topic in topics[first:last]:
        count = len(knowledge.entries_of(topic.id))
        text = tr.gettext("{topic} ({count})").format(
            topic=topic.title_in(tr.lang), count=tr.number(count)
        )
        rows.append([button(text, Action(ButtonKind.TOPICS, tr.lang, topic.id))])
    rows.append(_pager(len(topics), page, tr, ""))
    return rows


def _page_bounds(count: int, page: int) -> tuple[int, int, int]:
    """The page (clamped to the ones that exist) and the slice of items it shows."""
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    return page, page * PAGE_SIZE, min(count, (page + 1) * PAGE_SIZE)


def _pager(
    count: int, page: int, tr: Translator, topic_id: str
) -> list[InlineKeyboardButton | None]:
    """‹ n/m › for a list longer than one page; nothing for a short one."""
    pages = max(1, -(-count // PAGE_SIZE))
    if pages == 1:
        return []
    prefix = f"{topic_id}/" if topic_id else ""
    row: list[InlineKeyboardButton | None] = []
    if page > 0:
        row.append(button("‹", Action(ButtonKind.PAGE, tr.lang, f"{prefix}{page - 1}")))
    row.append(
        button(
            tr.gettext("{page} of {pages}").format(
                page=tr.number(page + 1), pages=tr.number(pages)
            ),
            Action(ButtonKind.PAGE, tr.lang, f"{prefix}{page}"),
        )
    )
    if page + 1 < pages:
        row.append(button("›", Action(ButtonKind.PAGE, tr.lang, f"{prefix}{page + 1}")))
    return row


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
        for topic in knowledge.browsable_topics
        if (entries := knowledge.entries_of(topic.id))
    ][:START_EXAMPLES]
    if examples:
        lines += ["", tr.gettext("Just write your question, for example:")]
        lines += [f"• <i>{html.escape(example)}</i>" for example in examples]
    if knowledge.browsable_topics:
        lines += ["", tr.gettext("Or pick a topic:")]
    return Screen("\n".join(lines), keyboard(topic_buttons(knowledge, tr)))


def help_screen(tr: Translator, bot_username: str, *, organisers: bool = False) -> Screen:
    """How to use the bot: free text, the commands, inline mode."""
    text = tr.gettext(
        "<b>How to use twinbot</b>\n"
        "Write your question in German, Russian or English — I answer in the language you "
        "write in.\n\n"
        "/topics — browse everything I know\n"
        "/language — choose the language of the menus\n"
        "/about — about this bot\n"
        "/privacy — what the bot stores\n"
        "/help — this help\n\n"
        "In any chat, type @{bot} and a question to share an answer with your group."
    ).format(bot=html.escape(bot_username))
    if organisers:
        text += "\n\n" + tr.gettext(
            "/feedback — write to the organisers (they see your Telegram name, not your number)"
        )
    return Screen(
        text, keyboard([[button(tr.gettext("📚 Topics"), Action(ButtonKind.TOPICS, tr.lang))]])
    )


def about_screen(knowledge: KnowledgeBase, tr: Translator, loaded_at: datetime) -> Screen:
    """What the bot is, how much it knows, and since when."""
    # Counted as /topics shows them: small talk is not something the bot "knows".
    entries, browsable = len(knowledge.browsable_entries), len(knowledge.browsable_topics)
    answers = tr.ngettext("{count} answer", "{count} answers", entries).format(
        count=tr.number(entries)
    )
    topics = tr.ngettext("{count} topic", "{count} topics", browsable).format(
        count=tr.number(browsable)
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
                "organisers can add the answers. Details: /privacy"
            ),
        ]
    )
    return Screen(text)


def privacy_screen(
    tr: Translator, retention_days: int, relay_days: int, *, organisers: bool = False
) -> Screen:
    """/privacy: what the bot stores, for how long, and what it never stores."""
    days = tr.ngettext("{count} day", "{count} days", retention_days).format(
        count=tr.number(retention_days)
    )
    relay = tr.ngettext("{count} day", "{count} days", relay_days).format(
        count=tr.number(relay_days)
    )
    lines = [
        tr.gettext("<b>What twinbot stores</b>"),
        tr.gettext(
            "• Your language choice (/language), under your Telegram user id — deleted when "
            "you have not written for {days}."
        ).format(days=days),
        tr.gettext(
            "• Questions I could not answer, word for word but without your id or name, so "
            "the organisers can add answers. Answered questions are only counted."
        ),
        tr.gettext(
            "• Your 👍/👎 on an answer, without your id or name (a one-way code stops double "
            "votes); with a 👎 also the question it answered, so the organisers can improve it."
        ),
    ]
    if organisers:
        lines.append(
            tr.gettext(
                "• When you write to the organisers (/feedback): your message and your Telegram "
                "name go to them; to deliver their reply, the bot keeps which chat it came from "
                "for {relay}."
            ).format(relay=relay)
        )
    lines += [
        "",
        tr.gettext(
            "Questions and ratings are deleted once they are {days} old. Your phone number is "
            "never seen or stored."
        ).format(days=days),
    ]
    return Screen("\n".join(lines))


def topics_screen(knowledge: KnowledgeBase, tr: Translator, page: int = 0) -> Screen:
    """The browsable topics as buttons, one page of them."""
    count = len(knowledge.browsable_topics)
    text = tr.ngettext("{count} topic — pick one:", "{count} topics — pick one:", count).format(
        count=tr.number(count)
    )
    return Screen(text, keyboard(topic_buttons(knowledge, tr, page)))


def topic_screen(knowledge: KnowledgeBase, topic: Topic, tr: Translator, page: int = 0) -> Screen:
    """The entries of one topic as buttons (one page of them), and Back to all topics."""
    entries = knowledge.entries_of(topic.id)
    heading = tr.ngettext(
        "{count} question — pick one:", "{count} questions — pick one:", len(entries)
    ).format(count=tr.number(len(entries)))
    text = f"<b>{html.escape(topic.title_in(tr.lang))}</b>\n{heading}"
    page, first, last = _page_bounds(len(entries), page)
    rows: list[list[InlineKeyboardButton | None]] = [
        [button(entry.button_text(tr.lang), Action(ButtonKind.ANSWER, tr.lang, entry.id))]
        for entry in entries[first:last]
    ]
    rows.append(_pager(len(entries), page, tr, topic.id))
    rows.append([button(tr.gettext("« Back"), Action(ButtonKind.TOPICS, tr.lang))])
    return Screen(text, keyboard(rows))


def language_name(lang: Lang) -> str:
    """The language's own name, from Babel's CLDR data: Deutsch, Русский, English."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def language_screen(tr: Translator) -> Screen:
    """The three languages as buttons."""
    rows = [
        [
            button(language_name(lang), Action(ButtonKind.LANGUAGE, lang))
            for lang in LANGUAGE_BUTTONS
        ]
    ]
    return Screen(tr.gettext("Choose your language:"), keyboard(rows))


def language_saved(tr: Translator) -> Screen:
    """The confirmation, in the newly chosen language."""
    text = tr.gettext(
        "Okay, I'll speak English with you from now on. Questions are still answered in the "
        "language you write them in."
    )
    return Screen(
        text, keyboard([[button(tr.gettext("📚 Topics"), Action(ButtonKind.TOPICS, tr.lang))]])
    )


# --- inline mode -------------------------------------------------------------------------------


def inline_results(
    replies: Sequence[Reply], knowledge: KnowledgeBase, tr: Translator, bot_username: str
) -> list[InlineQueryResultArticle]:
    """Answers as shareable articles, each with a button that opens the bot on that answer."""
    results = []
    for reply in replies[:MAX_INLINE_RESULTS]:
        entry = knowledge.entry(reply.entry_id or "")
        if entry is None or knowledge.is_smalltalk(entry.id):
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


def commands(tr: Translator, *, organisers: bool = False) -> list[BotCommand]:
    """The command menu in one language; /feedback only when the bot has organisers."""
    menu = [
        BotCommand("start", tr.gettext("Start and pick a topic")),
        BotCommand("topics", tr.gettext("Browse all topics")),
        BotCommand("language", tr.gettext("Choose your language")),
        BotCommand("help", tr.gettext("How to use twinbot")),
        BotCommand("about", tr.gettext("About this bot")),
        BotCommand("privacy", tr.gettext("What the bot stores")),
    ]
    if organisers:
        menu.append(BotCommand("feedback", tr.gettext("Write to the organisers")))
    return menu


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

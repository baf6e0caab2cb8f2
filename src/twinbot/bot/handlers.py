"""Thin Telegram handlers: read the update, ask the responder, send what render builds.

Which language each reply is in is `language.py`'s decision. Any field of an update may be
missing — a handler that finds nothing to answer returns quietly.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import traceback
from collections.abc import Awaitable, Hashable
from typing import TypeVar

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop

from twinbot.acknowledgements import is_acknowledgement
from twinbot.bot import render
from twinbot.bot.context import BotContext, Services
from twinbot.bot.feedback import RELAY_LIFETIME
from twinbot.bot.language import preferred_lang, ui_translator, ui_translator_for
from twinbot.bot.render import Action, ButtonKind, Screen
from twinbot.bot.split import split_html, text_content, truncate_html
from twinbot.bot.throttle import Verdict
from twinbot.calibration import Match
from twinbot.i18n import Translator
from twinbot.knowledge import DEFAULT_LANG

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: `/start topic-<id>` opens a topic; any other payload is an entry id.
TOPIC_LINK_PREFIX = "topic-"


# --- helpers -------------------------------------------------------------------------------


def _in_group(message: Message) -> bool:
    return message.chat.type != ChatType.PRIVATE


def _parts(screen: Screen) -> list[str]:
    """The screen's text as the messages it takes: one, or several when it is too long."""
    parts = [part for part in split_html(screen.text) if text_content(part).strip()]
    return parts or [screen.text]


async def _delivered(send: Awaitable[_T]) -> _T | None:
    """Await one send; a message Telegram accepted is sent, even if its answer is unreadable.

    python-telegram-bot builds a `Message` from the answer after the request succeeded; when
    that fails (an answer in a shape it does not know), the user has the reply all the same:
    no error note on top of it, and the handler goes on (the question is logged). The sent
    message, or None when its answer could not be read.
    """
    try:
        return await send
    except TelegramError:
        raise
    except Exception as exc:
        if not _while_reading_the_answer(exc):
            raise
        _log.warning(
            "a message was sent, but Telegram's answer could not be read (%s)",
            type(exc).__name__,
        )
        return None


def _while_reading_the_answer(exc: BaseException) -> bool:
    """Whether *exc* was raised while python-telegram-bot parsed a Bot API result."""
    frames = traceback.extract_tb(exc.__traceback__)
    return any(frame.name in _PARSERS for frame in frames)


#: python-telegram-bot's functions that turn a Bot API result into objects.
_PARSERS = frozenset({"de_json", "de_list", "_de_json", "de_json_optional", "de_list_optional"})


async def _send(message: Message, screen: Screen) -> Message | None:
    """Send *screen* in reply to *message*; the last message sent (the one with the buttons)."""
    # In groups the reply quotes the question, so it is clear whom the bot answers. A long
    # text goes out as several messages; the buttons belong under the last one.
    parts = _parts(screen)
    sent: Message | None = None
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        sent = await _delivered(
            message.reply_text(
                part,
                reply_markup=screen.markup if last else None,
                do_quote=_in_group(message) and number == 1,
            )
        )
    return sent


async def _send_to_chat(query: CallbackQuery, screen: Screen) -> Message | None:
    """A button's answer as a new message under the one pressed, which stays as it was.

    A message sent in inline mode has no chat to send to: it is edited instead.
    """
    message = query.message
    if message is None or not message.is_accessible:
        await _edit(query, screen)
        return None
    sent: Message | None = None
    parts = _parts(screen)
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        sent = await _delivered(
            message.chat.send_message(part, reply_markup=screen.markup if last else None)
        )
    return sent


def _has_organisers(services: Services) -> bool:
    organisers = services.organisers
    return organisers is not None and bool(organisers.ids)


async def _edit(query: CallbackQuery, screen: Screen) -> None:
    """Answer a button press in place; fall back to a new message if the old one is gone.

    A text too long for one message replaces the old one with its first part; the other parts
    follow as new messages, the buttons under the last one.
    """
    message = query.message
    # A message sent in inline mode can be edited, but nothing can be sent after it.
    chat = message.chat if message is not None and message.is_accessible else None
    first, *rest = _parts(screen) if chat is not None else [truncate_html(screen.text)]
    try:
        await _delivered(
            query.edit_message_text(first, reply_markup=None if rest else screen.markup)
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return  # the same button pressed twice
        if chat is None:
            raise
        _log.info("editing message failed (%s); sending a new one", exc.message)
        rest = [first, *rest]
    for number, part in enumerate(rest, start=1):
        last = number == len(rest)
        if chat is not None:
            await _delivered(chat.send_message(part, reply_markup=screen.markup if last else None))


def addressed_text(message: Message, bot_id: int, bot_username: str) -> str | None:
    """In a group: the question if the message mentions or replies to the bot, else None."""
    text = message.text or ""
    if not _in_group(message):
        return text
    mention = re.compile(rf"@{re.escape(bot_username)}\b", re.IGNORECASE) if bot_username else None
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return mention.sub(" ", text).strip() if mention else text
    if mention is not None and mention.search(text):
        return mention.sub(" ", text).strip()
    return None


# --- every update: tracing and flood control ------------------------------------------------


async def on_any(update: Update, context: BotContext) -> None:
    """Before every handler: a --verbose trace, then flood control (one handler for both, as
    it runs for every update)."""
    if _log.isEnabledFor(logging.DEBUG):
        _trace(update)
    await _flood_check(update, context)


def _trace(update: Update) -> None:
    # One line per update with its kind and chat type, never its text or sender.
    kind = next(
        (name for name in ("message", "callback_query", "inline_query") if getattr(update, name)),
        "other",
    )
    chat = update.effective_chat.type if update.effective_chat is not None else "-"
    _log.debug("update %d: %s in %s chat", update.update_id, kind, chat)


def wants_bot(message: Message, bot_id: int, bot_username: str) -> bool:
    """Whether the bot would answer *message*: anything in private; in groups a command for
    this bot, a mention, or a reply to one of its messages."""
    if not _in_group(message):
        return True
    text = message.text or ""
    if text.startswith("/"):
        _, at, target = text.split(maxsplit=1)[0].partition("@")
        return not at or target.lower() == bot_username.lower()
    if message.text is None:
        replied = message.reply_to_message
        return (
            replied is not None
            and replied.from_user is not None
            and (replied.from_user.id == bot_id)
        )
    return addressed_text(message, bot_id, bot_username) is not None


async def _flood_check(update: Update, context: BotContext) -> None:
    """Drop what a flooding user sends (no handler sees it); say "slow down" once per flood.

    Only what the bot would answer counts: group chatter never costs anyone anything. Inline
    queries (one per pause in typing) have a bucket of their own and are dropped silently.
    """
    throttle = context.bot_data.throttle
    user = update.effective_user
    if throttle is None or user is None:
        return
    key: Hashable = user.id
    if update.inline_query is not None:
        key = (user.id, "inline")
    elif update.callback_query is None and (
        update.message is None
        or not wants_bot(update.message, context.bot.id, context.bot.username or "")
    ):
        return
    verdict = throttle.check(key)
    if verdict is Verdict.ALLOW:
        return
    _log.info("flood control: update %d dropped (%s)", update.update_id, verdict.value)
    if verdict is Verdict.WARN and update.inline_query is None:
        try:
            text = render.slow_down(await ui_translator(update, context.bot_data.services))
            if update.callback_query is not None:
                await update.callback_query.answer(text)
            elif update.message is not None:
                await update.message.reply_text(text, do_quote=_in_group(update.message))
        except TelegramError as exc:  # the note is a courtesy; dropping is what matters
            _log.warning("could not send the slow-down note: %s", exc)
    raise ApplicationHandlerStop


# --- commands ------------------------------------------------------------------------------


async def on_start(update: Update, context: BotContext) -> None:
    """/start: greet with examples and topics; `/start <entry-id>` or `/start topic-<id>`
    (a deep link, e.g. from a poster's QR code) opens that answer or topic."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    tr = await ui_translator(update, services)
    if context.args:
        await _send(
            message, _deep_link(context.args[0], tr, services, private=not _in_group(message))
        )
        return
    user = update.effective_user
    name = user.first_name if user is not None else ""
    await _send(message, render.start_screen(services.knowledge, tr, name))


def _deep_link(payload: str, tr: Translator, services: Services, *, private: bool) -> Screen:
    """The screen a /start payload opens; a note and /topics for an unknown one.

    Payloads are matched without regard to case: QR scanners and people typing a link
    by hand change it.
    """
    knowledge = services.knowledge
    wanted = payload.strip().lower()
    reply = services.responder.answer(wanted, tr.lang)
    if reply is not None:
        return render.render_reply(reply, tr, knowledge, feedback=private)
    topic_id = wanted.removeprefix(TOPIC_LINK_PREFIX)
    topic = knowledge.topic(topic_id) if wanted.startswith(TOPIC_LINK_PREFIX) else None
    if topic is not None:
        return render.topic_screen(knowledge, topic, tr)
    _log.info("deep link to unknown entry %r", payload[:64])
    return render.unknown_link(tr)


async def on_help(update: Update, context: BotContext) -> None:
    """/help: what to ask, the commands, inline mode."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    tr = await ui_translator(update, services)
    screen = render.help_screen(
        tr, context.bot.username or "twinbot", organisers=_has_organisers(services)
    )
    await _send(message, screen)


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not know (in a private chat): say so, then the help."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    tr = await ui_translator(update, services)
    command = (message.text or "/").split(maxsplit=1)[0].split("@", 1)[0][:64]
    help_screen = render.help_screen(
        tr, context.bot.username or "twinbot", organisers=_has_organisers(services)
    )
    text = f"{render.unknown_command(tr, command)}\n\n{help_screen.text}"
    await _send(message, Screen(text, help_screen.markup))


async def on_about(update: Update, context: BotContext) -> None:
    """/about: what the bot is and how much it knows."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    tr = await ui_translator(update, services)
    await _send(message, render.about_screen(services.knowledge, tr, services.loaded_at))


async def on_privacy(update: Update, context: BotContext) -> None:
    """/privacy: what the bot stores and for how long."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    tr = await ui_translator(update, services)
    relay_days = RELAY_LIFETIME.days
    screen = render.privacy_screen(
        tr, services.retention_days, relay_days, organisers=_has_organisers(services)
    )
    await _send(message, screen)


async def on_feedback(update: Update, context: BotContext) -> None:
    """/feedback (only when the bot has organisers): the next message goes to them."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    tr = await ui_translator(update, context.bot_data.services)
    context.bot_data.conversations.expect_message(user.id)
    await _send(message, Screen(render.feedback_prompt(tr)))


async def on_cancel(update: Update, context: BotContext) -> None:
    """/cancel: forget a pending /feedback prompt."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    tr = await ui_translator(update, context.bot_data.services)
    if context.bot_data.conversations.cancel(user.id):
        await _send(message, Screen(render.feedback_cancelled(tr)))
    else:
        await on_unknown_command(update, context)


async def on_topics(update: Update, context: BotContext) -> None:
    """/topics: every topic as a button."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    tr = await ui_translator(update, services)
    await _send(message, render.topics_screen(services.knowledge, tr))


async def on_language(update: Update, context: BotContext) -> None:
    """/language: Deutsch / Русский / English buttons."""
    message = update.effective_message
    if message is None:
        return
    tr = await ui_translator(update, context.bot_data.services)
    await _send(message, render.language_screen(tr))


# --- messages ------------------------------------------------------------------------------


async def on_text(update: Update, context: BotContext) -> None:
    """Free text: the answer, "did you mean" buttons, or what the bot knows.

    Before that, in private chats: an admin's reply to a user's message is delivered back,
    and a message after /feedback goes to the organisers.
    """
    message = update.effective_message
    if message is None or message.text is None:
        return
    question = addressed_text(message, context.bot.id, context.bot.username or "")
    if question is None:
        return  # group chatter not meant for the bot
    services = context.bot_data.services
    user = update.effective_user
    if user is not None and not _in_group(message):
        if await _relay_reply(message, user.id, context):
            return
        if context.bot_data.conversations.take_message(user.id) and _has_organisers(services):
            await _to_organisers(update, message, context)
            return
    hint = await preferred_lang(update, services)
    if user is not None and services.storage.seen_due(user.id):
        await asyncio.to_thread(services.storage.seen, user.id)
    if not question.strip():
        tr = services.catalogs.translator(hint or DEFAULT_LANG)
        name = update.effective_user.first_name if update.effective_user else ""
        await _send(message, render.start_screen(services.knowledge, tr, name))
        return
    # A question that needs the encoder costs tens of milliseconds, during which other chats'
    # replies and the next getUpdates would wait: it is answered off the event loop (the
    # responder is read-only and serves concurrent questions). One that doesn't (typed as a
    # phrasing, asked before, lexical-only) is answered here: in a thread, its Python work
    # would fight the loop for the GIL (bench_bot at 100 questions/s: p99 74 ms vs 32 ms).
    responder = services.responder
    if responder.is_cheap(question):
        reply, match = responder.explain(question, hint)
    else:
        reply, match = await asyncio.to_thread(responder.explain, question, hint)
    _log.debug(
        "question: %s in %s (detected %s) -> %s (%.0f)",
        reply.outcome,
        reply.lang,
        reply.detected,
        reply.entry_id,
        reply.score,
    )
    tr = services.catalogs.translator(reply.lang)
    knowledge = services.knowledge
    smalltalk = reply.matched and knowledge.is_smalltalk(reply.entry_id)
    if is_acknowledgement(question) and not (smalltalk and _in_words(match)):
        # "ok", "lol", "👍": nothing was asked, so nothing is refused and nothing logged.
        # Small talk still answers "danke" or "ok thanks" — but not when only the semantic
        # ranker found it: e5 puts "haha" near the greeting and "🙂" near the thanks.
        await _send(message, Screen(render.acknowledgement(tr)))
        return
    private = not _in_group(message)
    screen = render.render_reply(
        reply,
        tr,
        knowledge,
        feedback=private,
        organisers=private and _has_organisers(services),
    )
    sent = await _send(message, screen)
    if sent is not None and private and reply.matched and not smalltalk:
        context.bot_data.conversations.remember_question(sent.chat_id, sent.message_id, question)
    # For "did you mean" replies the first suggestion is kept: what the asker probably meant.
    suggested = reply.links[0].entry_id if reply.links and not reply.matched else None
    # Queued, not awaited: the storage's writer commits questions in batches.
    services.storage.queue_question(
        reply.lang, reply.outcome.value, reply.entry_id, question, suggested=suggested
    )


def _in_words(match: Match) -> bool:
    """Whether the lexical ranker found the top candidate in the question's words."""
    return bool(match.candidates) and match.candidates[0].coverage > 0


async def _relay_reply(message: Message, user_id: int, context: BotContext) -> bool:
    """An admin's reply to a user's forwarded message: deliver it; True if it was one."""
    services = context.bot_data.services
    organisers = services.organisers
    replied = message.reply_to_message
    if (
        organisers is None
        or not organisers.is_admin(user_id)
        or replied is None
        or replied.from_user is None
        or replied.from_user.id != context.bot.id
    ):
        return False
    link = await asyncio.to_thread(
        services.storage.relay_of, message.chat_id, replied.message_id, max_age=RELAY_LIFETIME
    )
    if link is None:
        return False
    admin_tr = await ui_translator_for(user_id, services)
    user_chat, lang = link
    user_tr = services.catalogs.translator(lang)
    try:
        await _delivered(
            context.bot.send_message(
                user_chat, render.organiser_reply(user_tr, html.escape(_cut(message.text)))
            )
        )
    except TelegramError as exc:
        _log.warning("could not deliver an organiser's reply: %s", exc)
        await _delivered(message.reply_text(render.reply_not_delivered(admin_tr)))
        return True
    await _delivered(message.reply_text(render.reply_delivered(admin_tr)))
    return True


#: Relayed texts are cut to this many characters, so the framing and HTML escapes still fit
#: in one Telegram message (4096).
MAX_RELAYED = 3000


def _cut(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= MAX_RELAYED else text[: MAX_RELAYED - 1] + "…"


async def _to_organisers(update: Update, message: Message, context: BotContext) -> None:
    """Send a user's message to every admin; remember each copy so a reply finds its way back."""
    services = context.bot_data.services
    organisers = services.organisers
    user = update.effective_user
    if organisers is None or user is None:
        return
    lang = await preferred_lang(update, services) or DEFAULT_LANG
    name = html.escape(user.full_name)
    if user.username:
        name += f" (@{html.escape(user.username)})"
    delivered = 0
    for admin in sorted(organisers.ids):
        tr = await ui_translator_for(admin, services)
        text = render.message_for_organisers(tr, name, lang, html.escape(_cut(message.text)))
        try:
            copy = await _delivered(context.bot.send_message(admin, text))
        except TelegramError as exc:  # e.g. an admin who never opened the bot
            _log.warning("could not pass a message on to admin %d: %s", admin, exc)
            continue
        delivered += 1
        if copy is None:
            continue  # sent, but without its message id a reply cannot find its way back
        # Committed at once, not with the update's "done": after a crash the copy the admin
        # has must still lead back (at worst the message is passed on twice).
        await asyncio.to_thread(
            services.storage.add_relay, admin, copy.message_id, message.chat_id, lang
        )
    user_tr = services.catalogs.translator(lang)
    note = render.feedback_sent(user_tr) if delivered else render.feedback_failed(user_tr)
    await _send(message, Screen(note))


async def on_other(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice, locations…: a short hint (in groups only when replying to us)."""
    message = update.effective_message
    if message is None:
        return
    if _in_group(message):
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return
    tr = await ui_translator(update, context.bot_data.services)
    await _send(message, Screen(render.non_text_hint(tr)))


# --- buttons and inline mode ---------------------------------------------------------------


async def on_callback(update: Update, context: BotContext) -> None:
    """A button press, in the language the button was made in: menus change in place, an
    answer comes as a new message (the one read stays), a vote is stored once."""
    query = update.callback_query
    if query is None:
        return
    services = context.bot_data.services
    action = render.decode(query.data)
    _log.debug("button: %r -> %s", (query.data or "")[:64], action)
    if action is not None and action.kind is ButtonKind.VOTE:
        await _vote(query, action, context)
        return
    if action is not None and action.kind is ButtonKind.ORGANISER and _has_organisers(services):
        user = update.effective_user
        if user is not None:
            context.bot_data.conversations.expect_message(user.id)
        await query.answer()
        await _send_to_chat(
            query, Screen(render.feedback_prompt(services.catalogs.translator(action.lang)))
        )
        return
    # Votes only where one person reads the answer: a private chat, not a group or inline.
    pressed = query.message
    private = (
        pressed is not None and pressed.is_accessible and pressed.chat.type == ChatType.PRIVATE
    )
    screen = _screen_for(action, services, feedback=private) if action is not None else None
    if action is None or screen is None:
        tr = await ui_translator(update, services)
        await query.answer(render.stale_button(tr), show_alert=True)
        return
    if action.kind is ButtonKind.LANGUAGE:
        user = update.effective_user
        if user is not None:
            await asyncio.to_thread(services.storage.set_language, user.id, action.lang)
    await query.answer()
    if action.kind is ButtonKind.ANSWER:
        await _send_to_chat(query, screen)
        return
    await _edit(query, screen)


async def _vote(query: CallbackQuery, action: Action, context: BotContext) -> None:
    """👍/👎 under an answer: one vote per user and message, stored without ids."""
    services = context.bot_data.services
    tr = services.catalogs.translator(action.lang)
    message = query.message
    helpful, entry_id = action.target[0] == "+", action.target[1:]
    if message is None or not message.is_accessible:
        await query.answer()
        return
    storage = services.storage
    voter = await asyncio.to_thread(
        storage.voter_key, query.from_user.id, message.chat.id, message.message_id
    )
    question = (
        None
        if helpful
        else context.bot_data.conversations.question_of(message.chat.id, message.message_id)
    )
    stored = await asyncio.to_thread(
        storage.record_vote, voter, action.lang, entry_id, helpful, question
    )
    await query.answer(render.vote_thanks(tr, helpful) if stored else render.vote_already(tr))
    # The vote buttons go; the follow-up buttons stay.
    markup = message.reply_markup if isinstance(message, Message) else None
    try:
        await query.edit_message_reply_markup(render.without_votes(markup))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            _log.info("could not remove the vote buttons: %s", exc.message)


def _screen_for(action: Action, services: Services, *, feedback: bool) -> Screen | None:
    tr = services.catalogs.translator(action.lang)
    knowledge = services.knowledge
    if action.kind is ButtonKind.ANSWER:
        reply = services.responder.answer(action.target, action.lang)
        return render.render_reply(reply, tr, knowledge, feedback=feedback) if reply else None
    if action.kind is ButtonKind.TOPICS:
        if not action.target:
            return render.topics_screen(knowledge, tr)
        topic = knowledge.topic(action.target)
        return render.topic_screen(knowledge, topic, tr) if topic else None
    if action.kind is ButtonKind.PAGE:
        topic_id, page = render.page_of(action.target) or ("", 0)
        if not topic_id:
            return render.topics_screen(knowledge, tr, page)
        topic = knowledge.topic(topic_id)
        return render.topic_screen(knowledge, topic, tr, page) if topic else None
    if action.kind is ButtonKind.LANGUAGE:
        return render.language_saved(tr)
    return None


async def on_inline_query(update: Update, context: BotContext) -> None:
    """`@bot question` in any chat: up to 10 answers to share, in the query's language."""
    query = update.inline_query
    if query is None:
        return
    services = context.bot_data.services
    hint = await preferred_lang(update, services)
    text = query.query.strip()
    if text:
        replies = await asyncio.to_thread(
            services.responder.search, text[:300], hint, limit=render.MAX_INLINE_RESULTS
        )
    else:
        lang = hint or DEFAULT_LANG
        replies = [
            reply
            for entry in services.knowledge.browsable_entries[: render.MAX_INLINE_RESULTS]
            if (reply := services.responder.answer(entry.id, lang)) is not None
        ]
    lang = replies[0].lang if replies else hint or DEFAULT_LANG
    tr = services.catalogs.translator(lang)
    results = render.inline_results(replies, services.knowledge, tr, context.bot.username or "")
    # Personal: the language hint differs between users asking the same thing.
    await query.answer(results, cache_time=60, is_personal=True)

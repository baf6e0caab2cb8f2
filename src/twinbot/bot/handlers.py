"""Thin Telegram handlers: read the update, ask the responder, send what render builds.

The language policy lives here (the mechanism is `twinbot.i18n`): free text is answered in the
language it is written in, else the user's saved /language choice, else Telegram's
`language_code`, else English; menus and commands use the last three. Any field of an update
may be missing — a handler that finds nothing to answer returns quietly.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Awaitable, Hashable

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop

from twinbot.bot import render
from twinbot.bot.context import BotContext, Services
from twinbot.bot.render import Action, Kind, Screen
from twinbot.bot.split import split_html, text_content, truncate_html
from twinbot.bot.throttle import Verdict
from twinbot.i18n import Translator, negotiate
from twinbot.knowledge import DEFAULT_LANG, Lang

_log = logging.getLogger(__name__)


# --- language policy -----------------------------------------------------------------------


async def preferred_lang(update: Update, services: Services) -> Lang | None:
    """The user's saved /language choice, else their Telegram language; None if neither."""
    user = update.effective_user
    if user is None:
        return None
    known, saved = services.storage.cached_language(user.id)
    if not known:  # the first time this user writes: ask the database, off the event loop
        saved = await asyncio.to_thread(services.storage.language_of, user.id)
    return saved or negotiate(user.language_code)


async def ui_translator(update: Update, services: Services) -> Translator:
    """The translator for menus and commands."""
    lang = await preferred_lang(update, services) or DEFAULT_LANG
    return services.catalogs.translator(lang)


# --- helpers -------------------------------------------------------------------------------


def _in_group(message: Message) -> bool:
    return message.chat.type != ChatType.PRIVATE


def _parts(screen: Screen) -> list[str]:
    """The screen's text as the messages it takes: one, or several when it is too long."""
    parts = [part for part in split_html(screen.text) if text_content(part).strip()]
    return parts or [screen.text]


async def _delivered(send: Awaitable[object]) -> None:
    """Await one send; a message Telegram accepted is sent, even if its answer is unreadable.

    python-telegram-bot builds a `Message` from the answer after the request succeeded; when
    that fails (an answer in a shape it does not know), the user has the reply all the same:
    no error note on top of it, and the handler goes on (the question is logged).
    """
    try:
        await send
    except TelegramError:
        raise
    except Exception as exc:
        if not _while_reading_the_answer(exc):
            raise
        _log.warning(
            "a message was sent, but Telegram's answer could not be read (%s)",
            type(exc).__name__,
        )


def _while_reading_the_answer(exc: BaseException) -> bool:
    """Whether *exc* was raised while python-telegram-bot parsed a Bot API result."""
    frames = traceback.extract_tb(exc.__traceback__)
    return any(frame.name in _PARSERS for frame in frames)


#: python-telegram-bot's functions that turn a Bot API result into objects.
_PARSERS = frozenset({"de_json", "de_list", "_de_json", "de_json_optional", "de_list_optional"})


async def _send(message: Message, screen: Screen) -> None:
    # In groups the reply quotes the question, so it is clear whom the bot answers. A long
    # text goes out as several messages; the buttons belong under the last one.
    parts = _parts(screen)
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        await _delivered(
            message.reply_text(
                part,
                reply_markup=screen.markup if last else None,
                do_quote=_in_group(message) and number == 1,
            )
        )


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
    """/start: greet with examples and topics; `/start <entry-id>` (a deep link) answers it."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    tr = await ui_translator(update, services)
    if context.args:
        reply = services.responder.answer(context.args[0], tr.lang)
        if reply is not None:
            await _send(message, render.render_reply(reply, tr, services.knowledge))
            return
        _log.info("deep link to unknown entry %r", context.args[0][:64])
    user = update.effective_user
    name = user.first_name if user is not None else ""
    await _send(message, render.start_screen(services.knowledge, tr, name))


async def on_help(update: Update, context: BotContext) -> None:
    """/help: what to ask, the commands, inline mode."""
    message = update.effective_message
    if message is None:
        return
    tr = await ui_translator(update, context.bot_data.services)
    await _send(message, render.help_screen(tr, context.bot.username or "twinbot"))


async def on_about(update: Update, context: BotContext) -> None:
    """/about: what the bot is and how much it knows."""
    message = update.effective_message
    if message is None:
        return
    services = context.bot_data.services
    tr = await ui_translator(update, services)
    await _send(message, render.about_screen(services.knowledge, tr, services.loaded_at))


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
    """Free text: the answer, "did you mean" buttons, or what the bot knows."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    question = addressed_text(message, context.bot.id, context.bot.username or "")
    if question is None:
        return  # group chatter not meant for the bot
    services = context.bot_data.services
    hint = await preferred_lang(update, services)
    if not question.strip():
        tr = services.catalogs.translator(hint or DEFAULT_LANG)
        name = update.effective_user.first_name if update.effective_user else ""
        await _send(message, render.start_screen(services.knowledge, tr, name))
        return
    reply = services.responder.reply(question, hint)
    _log.debug(
        "question: %s in %s (detected %s) -> %s (%.0f)",
        reply.outcome,
        reply.lang,
        reply.detected,
        reply.entry_id,
        reply.score,
    )
    tr = services.catalogs.translator(reply.lang)
    await _send(message, render.render_reply(reply, tr, services.knowledge))
    # For "did you mean" replies the first suggestion is kept: what the asker probably meant.
    suggested = reply.links[0].entry_id if reply.links and not reply.matched else None
    # Queued, not awaited: the storage's writer commits questions in batches.
    services.storage.queue_question(
        reply.lang, reply.outcome.value, reply.entry_id, question, suggested=suggested
    )


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
    """A button press: answer in place, in the language the button was made in."""
    query = update.callback_query
    if query is None:
        return
    services = context.bot_data.services
    action = render.decode(query.data)
    _log.debug("button: %r -> %s", (query.data or "")[:64], action)
    screen = _screen_for(action, services) if action is not None else None
    if action is None or screen is None:
        tr = await ui_translator(update, services)
        await query.answer(render.stale_button(tr), show_alert=True)
        return
    if action.kind is Kind.LANGUAGE:
        user = update.effective_user
        if user is not None:
            await asyncio.to_thread(services.storage.set_language, user.id, action.lang)
    await query.answer()
    await _edit(query, screen)


def _screen_for(action: Action, services: Services) -> Screen | None:
    tr = services.catalogs.translator(action.lang)
    knowledge = services.knowledge
    if action.kind is Kind.ANSWER:
        reply = services.responder.answer(action.target, action.lang)
        return render.render_reply(reply, tr, knowledge, with_back=True) if reply else None
    if action.kind is Kind.TOPICS:
        if not action.target:
            return render.topics_screen(knowledge, tr)
        topic = knowledge.topic(action.target)
        return render.topic_screen(knowledge, topic, tr) if topic else None
    return render.language_saved(tr)


async def on_inline_query(update: Update, context: BotContext) -> None:
    """`@bot question` in any chat: up to 10 answers to share, in the query's language."""
    query = update.inline_query
    if query is None:
        return
    services = context.bot_data.services
    hint = await preferred_lang(update, services)
    text = query.query.strip()
    if text:
        replies = services.responder.search(text[:300], hint, limit=render.MAX_INLINE_RESULTS)
    else:
        lang = hint or DEFAULT_LANG
        replies = [
            reply
            for entry in services.knowledge.entries[: render.MAX_INLINE_RESULTS]
            if (reply := services.responder.answer(entry.id, lang)) is not None
        ]
    lang = replies[0].lang if replies else hint or DEFAULT_LANG
    tr = services.catalogs.translator(lang)
    results = render.inline_results(replies, services.knowledge, tr, context.bot.username or "")
    # Personal: the language hint differs between users asking the same thing.
    await query.answer(results, cache_time=60, is_personal=True)

"""The organisers' side of the bot: admin commands and menu, hot reload, and its reports.

Admins are the Telegram user ids in `TWINBOT_ADMINS`. Their commands (/reload, /unanswered,
/stats) are registered with a filter on those ids in private chats, ahead of the catch-all for
unknown commands, so anybody else who sends one gets exactly the unknown-command reply and
learns nothing. The commands appear in the menu only in admins' chats (`BotCommandScopeChat`
per admin and language, next to the everyone-menu `app.register_profile` sets).

`attach` gives the application its `Organisers` (organisers.py): the admin ids, the `Reloader`
of the knowledge folder and the language each admin last used. The reloader installs a new
knowledge base by replacing `Services` as a whole, so a handler that already holds the old
services finishes with them. Reloads started by a file change are reported to every admin,
in their language; /reload answers the admin who sent it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from telegram import BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler, TypeHandler, filters

from twinbot import report
from twinbot.bot import admin_render, render
from twinbot.bot.context import BotApplication, BotContext, Services
from twinbot.bot.language import ui_translator, ui_translator_for
from twinbot.bot.organisers import Organisers
from twinbot.config import Settings
from twinbot.i18n import Translator
from twinbot.knowledge import DEFAULT_LANG, LANGS, Lang
from twinbot.paths import bundled_knowledge_dir
from twinbot.reloader import Reloader, ReloadMode, ReloadResult
from twinbot.responder import Responder

_log = logging.getLogger(__name__)

#: The admin commands, in menu order.
ADMIN_COMMANDS = ("reload", "unanswered", "stats")
#: How many unanswered questions /unanswered lists.
UNANSWERED_LIMIT = 20
#: How often the bot looks whether its database file is still there and writable.
STORAGE_CHECK_SECONDS = 5.0


def attach(application: BotApplication, settings: Settings) -> Organisers:
    """Give *application* its organisers and a reloader for `settings.knowledge_dir`."""
    services = application.bot_data.services

    def install(responder: Responder) -> None:
        # One assignment: the next update sees the new knowledge base, a running one the old.
        current = application.bot_data.services
        application.bot_data.attach(
            replace(current, responder=responder, loaded_at=datetime.now(UTC))
        )

    async def tell_admins(result: ReloadResult) -> None:
        await notify_admins(application, result)

    directory = settings.knowledge_dir or bundled_knowledge_dir()
    dense = services.responder.fuser.dense
    reloader = Reloader(
        directory,
        services.catalogs,
        install,
        report=tell_admins,
        encoder=dense.encoder if dense is not None else None,
    )
    organisers = Organisers(settings.admins, reloader, report.local_zone())
    application.bot_data.attach(replace(services, organisers=organisers))
    return organisers


def add_admin_handlers(application: BotApplication) -> None:
    """The admin commands, for admins in private chats only; call before the unknown-command
    catch-all so it answers everybody else."""
    organisers = application.bot_data.services.organisers
    ids = organisers.ids if organisers is not None else frozenset()
    # An empty id set matches nobody (allow_empty=False).
    only_admins = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.User(ids)
    # Before everything else: notices go out in the language an admin last used.
    application.add_handler(TypeHandler(Update, on_admin_update), group=-3)
    # block=False: building a large index takes a moment; other chats go on meanwhile.
    application.add_handler(CommandHandler("reload", on_reload, only_admins, block=False))
    application.add_handler(CommandHandler("unanswered", on_unanswered, only_admins))
    application.add_handler(CommandHandler("stats", on_stats, only_admins))


# --- handlers -------------------------------------------------------------------------------


def _organisers(services: Services) -> Organisers | None:
    return services.organisers


async def on_admin_update(update: Update, context: BotContext) -> None:
    """Remember an admin's Telegram language; set their menu if start-up could not."""
    user = update.effective_user
    organisers = _organisers(context.bot_data.services)
    if user is None or organisers is None or not organisers.is_admin(user.id):
        return
    organisers.remember(user.id, user.language_code)
    if user.id not in organisers.menus and update.effective_chat is not None:
        organisers.menus.add(user.id)
        application: Any = context.application
        application.create_task(_register_menu(application, user.id), update=update)


async def on_reload(update: Update, context: BotContext) -> None:
    """/reload (admins): reload the knowledge base now, and say how it went."""
    message = update.effective_message
    organisers = _organisers(context.bot_data.services)
    if message is None or organisers is None or organisers.reloader is None:
        return
    tr = await ui_translator(update, context.bot_data.services)
    result = await organisers.reloader.reload(force=True)
    serving_since = context.bot_data.services.loaded_at
    for text in admin_render.reload_messages(result, tr, serving_since, organisers.zone):
        await message.reply_text(text)


async def on_unanswered(update: Update, context: BotContext) -> None:
    """/unanswered [days] (admins): the most frequent questions the bot could not answer."""
    await _report(update, context, "unanswered", _unanswered_messages)


async def on_stats(update: Update, context: BotContext) -> None:
    """/stats [days] (admins): questions per day and language, outcomes, top entries."""
    await _report(update, context, "stats", _stats_messages)


Build = Callable[[Services, report.Period, Translator, tzinfo], list[str]]


async def _report(update: Update, context: BotContext, command: str, build: Build) -> None:
    message = update.effective_message
    services = context.bot_data.services
    organisers = _organisers(services)
    if message is None or organisers is None:
        return
    tr = await ui_translator(update, services)
    days = _days(context.args or [])
    if days is None:
        texts = admin_render.usage(tr, command)
    else:
        period = report.Period.last_days(days, datetime.now(UTC), organisers.zone)
        # Reading and grouping a long log is work for a thread, not the event loop.
        texts = await asyncio.to_thread(build, services, period, tr, organisers.zone)
    for text in texts:
        await message.reply_text(text)


def _days(args: list[str]) -> int | None:
    if not args:
        return report.DEFAULT_DAYS
    if len(args) == 1 and args[0].isdigit() and 1 <= int(args[0]) <= admin_render.MAX_DAYS:
        return int(args[0])
    return None


def _unanswered_messages(
    services: Services, period: report.Period, tr: Translator, zone: tzinfo
) -> list[str]:
    logged = services.storage.questions_between(period.since, None, unanswered_only=True)
    votes = services.storage.votes_between(period.since, None)
    listing = report.unanswered(logged, period, limit=UNANSWERED_LIMIT, votes=votes)
    return admin_render.unanswered_messages(listing, tr, zone, services.knowledge)


def _stats_messages(
    services: Services, period: report.Period, tr: Translator, zone: tzinfo
) -> list[str]:
    knowledge = services.knowledge
    smalltalk = frozenset(e.id for e in knowledge if knowledge.is_smalltalk(e.id))
    logged = services.storage.questions_between(period.since, None)
    votes = services.storage.votes_between(period.since, None)
    stats = report.stats(logged, period, zone, smalltalk=smalltalk, votes=votes)
    return admin_render.stats_messages(stats, tr, services.knowledge, zone)


# --- notices and the menu -------------------------------------------------------------------


async def notify_admins(application: BotApplication, result: ReloadResult) -> None:
    """Tell every admin, in their language, how a reload after a file change went."""
    services = application.bot_data.services
    organisers = _organisers(services)
    if organisers is None:
        return
    for admin in sorted(organisers.ids):
        tr = await ui_translator_for(admin, services)
        texts = admin_render.reload_messages(result, tr, services.loaded_at, organisers.zone)
        try:
            for text in texts:
                await application.bot.send_message(admin, text)
        except TelegramError as exc:
            # e.g. the admin never opened a chat with the bot: the others still hear of it.
            _log.warning("could not tell admin %d about the reload: %s", admin, exc)


async def tell_admins(application: BotApplication, text: Callable[[Translator], str]) -> None:
    """Send every admin one message, *text* built in their language; failures are logged."""
    services = application.bot_data.services
    organisers = _organisers(services)
    if organisers is None:
        return
    for admin in sorted(organisers.ids):
        try:
            tr = await ui_translator_for(admin, services)
        except Exception:  # the database may be what is broken
            tr = services.catalogs.translator(DEFAULT_LANG)
        try:
            await application.bot.send_message(admin, text(tr))
        except TelegramError as exc:
            _log.warning("could not tell admin %d: %s", admin, exc)


async def watch_storage(application: BotApplication, stop: asyncio.Event) -> None:
    """Tell the log and the admins when the database was damaged at start, or is deleted or
    turns read-only while the bot runs (once per change, and when it is fine again)."""
    storage = application.bot_data.services.storage
    path = str(storage.path)

    def notice(problem: str, aside: str = "") -> Callable[[Translator], str]:
        return lambda tr: admin_render.database_notice(tr, path, problem, aside)

    if storage.recovered_from is not None:
        await tell_admins(application, notice("damaged", str(storage.recovered_from)))
    last: str | None = None
    while not stop.is_set():
        problem = await asyncio.to_thread(storage.health)
        if problem != last:
            if problem is not None:
                _log.error("the database %s is %s: what the bot saves now is lost", path, problem)
                await tell_admins(application, notice(problem))
            else:
                _log.warning("the database %s is writable again", path)
            last = problem
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), STORAGE_CHECK_SECONDS)


async def register_admin_menus(application: BotApplication) -> None:
    """Everyone's commands plus the admin commands, in each admin's chat, per language."""
    organisers = _organisers(application.bot_data.services)
    if organisers is None:
        return
    for admin in sorted(organisers.ids):
        organisers.menus.add(admin)
        await _register_menu(application, admin)


async def _register_menu(application: BotApplication, admin: int) -> None:
    services = application.bot_data.services
    scope = BotCommandScopeChat(admin)
    targets: list[tuple[Lang, str | None]] = [(DEFAULT_LANG, None)]
    targets += [(lang, lang) for lang in LANGS]
    try:
        for lang, code in targets:
            tr = services.catalogs.translator(lang)
            menu = render.commands(tr, organisers=True) + admin_render.admin_commands(tr)
            await application.bot.set_my_commands(menu, scope=scope, language_code=code)
    except TelegramError as exc:
        # Telegram knows a chat only once the admin has written to the bot; retried then.
        _log.warning("could not set the admin menu for %d: %s", admin, exc)
        organisers = _organisers(services)
        if organisers is not None:
            organisers.menus.discard(admin)


# --- watching the knowledge folder ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Watching:
    """A running watch of the knowledge folder, and how to stop it."""

    task: asyncio.Task[None]
    stop: asyncio.Event


def start_watching(application: BotApplication, settings: Settings) -> Watching | None:
    """Reload on file changes in the background (unless `settings.reload` is off)."""
    organisers = _organisers(application.bot_data.services)
    if organisers is None or organisers.reloader is None or settings.reload == "off":
        return None
    stop = asyncio.Event()
    watch = organisers.reloader.watch(stop, ReloadMode(settings.reload), settings.reload_interval)
    return Watching(asyncio.create_task(watch, name="twinbot-knowledge-watch"), stop)


async def stop_watching(watching: Watching | None) -> None:
    """Stop the watch and wait for it (a reload in progress finishes first)."""
    if watching is None:
        return
    watching.stop.set()
    try:
        await asyncio.wait_for(watching.task, 10)
    except Exception:  # shutting down: log, never raise
        _log.warning("the knowledge watch did not stop cleanly", exc_info=True)

"""Wiring: the python-telegram-bot Application, its handlers, and the ways to run it.

Reads top to bottom: the error handler, then `add_handlers` (one comment per group), then
`build_application`, start-up registration of the localized command menu, and the runners —
`serve` (long polling or webhook until asked to stop), `run_bot` (`twinbot run`, with signal
handling) and `chat_locally` (`twinbot chat`: the same Application over `LocalRequest`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from twinbot.bot import admin, render, webhook
from twinbot.bot.context import BotApplication, BotContext, BotData, Services
from twinbot.bot.delivery import (
    ChatOrderedProcessor,
    DeliveryPolicy,
    RetryingRateLimiter,
    on_polling_error,
)
from twinbot.bot.feedback import RELAY_LIFETIME, Conversations
from twinbot.bot.handlers import (
    on_about,
    on_any,
    on_callback,
    on_cancel,
    on_feedback,
    on_help,
    on_inline_query,
    on_language,
    on_other,
    on_privacy,
    on_start,
    on_text,
    on_topics,
    on_unknown_command,
)
from twinbot.bot.inbox import Inbox, InboxProcessor
from twinbot.bot.language import ui_translator
from twinbot.bot.local import Endpoint, LocalRequest
from twinbot.bot.logs import redact
from twinbot.bot.throttle import Throttle
from twinbot.config import Settings
from twinbot.errors import ConfigError, TwinbotError
from twinbot.i18n import Catalogs
from twinbot.knowledge import DEFAULT_LANG, LANGS, Lang
from twinbot.responder import Responder
from twinbot.storage import Storage

_log = logging.getLogger(__name__)

#: The only updates twinbot asks Telegram for.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
#: A placeholder token for the local chat: python-telegram-bot needs one, nothing checks it.
LOCAL_TOKEN = "0:twinbot-local-chat"


# --- errors --------------------------------------------------------------------------------


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure first, then tell the user briefly; never raise from here."""
    update_id = update.update_id if isinstance(update, Update) else None
    _log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        tr = await ui_translator(update, context.bot_data.services)
        text = render.error_text(tr)
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message is not None and update.inline_query is None:
            await update.effective_message.reply_text(text)
    except Exception:  # the report is best effort; the bot must keep running
        _log.warning("could not tell the user about the error", exc_info=True)


# --- handlers ------------------------------------------------------------------------------


def add_handlers(application: BotApplication) -> None:
    """Register every handler, in the order python-telegram-bot should try them."""
    new_messages = filters.UpdateType.MESSAGE

    # Every update first: a debug trace, then flood control — a user over their limit goes no
    # further (one "slow down" note).
    application.add_handler(TypeHandler(Update, on_any), group=-1)

    # Commands, in private chats and groups; python-telegram-bot already ignores
    # `/help@another_bot`, and edited messages never re-trigger a command.
    application.add_handler(CommandHandler("start", on_start, filters=new_messages))
    application.add_handler(CommandHandler("help", on_help, filters=new_messages))
    application.add_handler(CommandHandler("about", on_about, filters=new_messages))
    application.add_handler(CommandHandler("topics", on_topics, filters=new_messages))
    application.add_handler(CommandHandler("language", on_language, filters=new_messages))
    application.add_handler(CommandHandler("privacy", on_privacy, filters=new_messages))
    # A way to the organisers, in private chats, only when there are organisers (without
    # TWINBOT_ADMINS /feedback is an unknown command like any other).
    private = new_messages & filters.ChatType.PRIVATE
    services = application.bot_data.services
    if services.organisers is not None and services.organisers.ids:
        application.add_handler(CommandHandler("feedback", on_feedback, filters=private))
    application.add_handler(CommandHandler("cancel", on_cancel, filters=private))
    # Organisers' commands: TWINBOT_ADMINS in private chats; others get the unknown-command reply.
    admin.add_admin_handlers(application)

    # Buttons under the bot's messages, and `@bot question` in any chat.
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(InlineQueryHandler(on_inline_query))

    # Free text: always in private chats; in groups on_text answers only when addressed.
    application.add_handler(MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, on_text))
    # An unknown command in a private chat is named as unknown, then the help text follows.
    application.add_handler(
        MessageHandler(
            new_messages & filters.COMMAND & filters.ChatType.PRIVATE, on_unknown_command
        )
    )
    # Stickers, photos, voice, locations…: a short hint; service messages are ignored.
    application.add_handler(
        MessageHandler(new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_other)
    )

    # One place for every failure.
    application.add_error_handler(on_error)


# --- building ------------------------------------------------------------------------------


def build_application(
    settings: Settings,
    services: Services,
    *,
    request: BaseRequest | None = None,
    token: str | None = None,
    delivery: DeliveryPolicy | None = DeliveryPolicy(),  # noqa: B008 - frozen, shared
    throttle: Throttle | None = None,
    durable: bool = True,
) -> BotApplication:
    """The Application with handlers and services; *request* replaces HTTP (local chat).

    *delivery* None sends without flood limits or retries (the local chat, where nothing can
    fail). *throttle* replaces the flood control built from the settings (tests pass one with
    a clock they control); `settings.flood_burst` 0 turns flood control off. *durable* feeds
    the Application from the inbox (see inbox.py) instead of python-telegram-bot's Updater;
    the local chat, whose update ids start again at every start, does without.
    """
    if token is None:
        if settings.token is None:
            raise ConfigError("TWINBOT_TOKEN is not set — create a bot with @BotFather first")
        token = settings.token.reveal()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.api_url)
        .context_types(ContextTypes(context=CallbackContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                # A question deleted before the answer arrives must not turn into an error.
                allow_sending_without_reply=True,
            )
        )
        # No scheduled jobs (yet): without this, python-telegram-bot warns about APScheduler.
        .job_queue(None)
    )
    # Chats are served side by side, each one's updates in order (see delivery.py).
    concurrent = (delivery or DeliveryPolicy()).concurrent_updates
    inbox = Inbox(services.storage, ALLOWED_UPDATES) if durable else None
    if inbox is not None:
        # Updates come from the inbox, which fetches them itself (or takes them from the
        # webhook), and each is marked done before its chat goes on (see inbox.py).
        builder = builder.updater(None).concurrent_updates(InboxProcessor(concurrent, inbox))
    else:
        builder = builder.concurrent_updates(ChatOrderedProcessor(concurrent))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    elif delivery is not None:
        builder = builder.connection_pool_size(delivery.connections).pool_timeout(
            delivery.connection_wait
        )
    if delivery is not None:
        # Stays under Telegram's flood limits (30 msg/s overall, 20/min per group), waits out
        # a 429's retry_after, and retries a reply that failed for a transient reason.
        # (The builder's type still says "no rate limiter"; it changes type on this call.)
        builder = builder.rate_limiter(RetryingRateLimiter(delivery))  # type: ignore[arg-type]
    application: BotApplication = builder.build()
    application.bot_data.attach(replace(services, retention_days=settings.retention_days))
    application.bot_data.conversations = Conversations()
    application.bot_data.inbox = inbox
    admin.attach(application, settings)
    if throttle is None and settings.flood_burst > 0:
        throttle = Throttle(settings.flood_burst, settings.flood_per_minute)
    application.bot_data.throttle = throttle
    add_handlers(application)
    return application


def make_services(
    settings: Settings, responder: Responder, *, loaded_at: datetime | None = None
) -> Services:
    """Open the storage in the data directory and bundle it with the responder."""
    # A damaged database is moved aside and a fresh one started: one bad file must not keep
    # the bot down until someone intervenes (the admins are told at start).
    storage = Storage.open_or_recover(settings.data_dir)
    return Services(responder, storage, loaded_at or datetime.now(UTC))


async def register_profile(application: BotApplication, catalogs: Catalogs) -> None:
    """The command menu, description and short description per language, English as default."""
    bot = application.bot
    organisers = application.bot_data.services.organisers
    with_feedback = organisers is not None and bool(organisers.ids)
    targets: list[tuple[Lang, str | None]] = [(DEFAULT_LANG, None)]
    targets += [(lang, lang) for lang in LANGS]
    try:
        for lang, code in targets:
            tr = catalogs.translator(lang)
            menu = render.commands(tr, organisers=with_feedback)
            await bot.set_my_commands(menu, language_code=code)
            await bot.set_my_description(render.description(tr), language_code=code)
            await bot.set_my_short_description(render.short_description(tr), language_code=code)
    except TelegramError as exc:
        # The menu is a convenience; answering questions must not depend on it.
        _log.warning("could not register the command menu: %s", exc)


# --- running -------------------------------------------------------------------------------


async def serve(application: BotApplication, settings: Settings, stop: asyncio.Event) -> None:
    """Answer updates until *stop* is set: by webhook if `settings.webhook_url`, else polling."""
    async with application:
        await register_profile(application, application.bot_data.services.catalogs)
        await admin.register_admin_menus(application)
        inbox = application.bot_data.inbox
        if inbox is None:
            await _serve_with_updater(application, settings, stop)
            return
        # What the last run left unfinished goes first, before anything new arrives.
        await inbox.recover(application)
        receiving: asyncio.Task[None] | None = None
        server: webhook.WebhookServer | None = None
        if settings.webhook_url is not None:
            server = await webhook.start_webhook(application, inbox, settings)
        else:
            # A webhook left behind by an earlier webhook run would make getUpdates fail.
            await application.bot.delete_webhook()
        await application.start()
        if server is None:
            receiving = asyncio.create_task(inbox.poll(application, stop))
            _log.info("long polling as @%s", application.bot.username)
        # Organisers' edits to the knowledge folder go live while the bot runs.
        watching = admin.start_watching(application, settings)
        # Old questions, votes and language choices are deleted at start and once a day.
        retention = _start_retention(application, settings, stop)
        # A database that was damaged, is deleted or turns read-only is told to the admins.
        checking = asyncio.create_task(admin.watch_storage(application, stop))
        try:
            await stop.wait()
        finally:
            _log.info("stopping")
            await _stop_retention(retention)
            await admin.stop_watching(watching)
            stop.set()
            await checking
            if receiving is not None:
                await receiving
            if server is not None:
                await server.stop()
            await application.stop()


#: How often the retention pass runs while the bot runs.
RETENTION_INTERVAL = 24 * 60 * 60.0


async def _keep_deleting(application: BotApplication, days: int, stop: asyncio.Event) -> None:
    """Delete what is older than the retention period, now and then once a day, until *stop*."""
    while not stop.is_set():
        storage = application.bot_data.services.storage
        try:
            purged = await asyncio.to_thread(
                storage.purge, keep=timedelta(days=days), keep_relays=RELAY_LIFETIME
            )
            if purged.total:
                _log.info(
                    "retention: deleted %d questions, %d votes, %d organiser links, "
                    "%d set-aside updates and %d language choices older than %d days",
                    purged.questions,
                    purged.feedback,
                    purged.relays,
                    purged.inbox,
                    purged.languages,
                    days,
                )
        except (TwinbotError, sqlite3.Error):  # never stop the bot over housekeeping
            _log.exception("retention: could not delete old rows")
        try:
            await asyncio.wait_for(stop.wait(), RETENTION_INTERVAL)
        except TimeoutError:
            continue


def _start_retention(
    application: BotApplication, settings: Settings, stop: asyncio.Event
) -> asyncio.Task[None]:
    return asyncio.create_task(
        _keep_deleting(application, settings.retention_days, stop), name="twinbot-retention"
    )


async def _stop_retention(retention: asyncio.Task[None]) -> None:
    # Set stop ends the loop; cancel covers a serve that is itself being cancelled.
    retention.cancel()
    await asyncio.gather(retention, return_exceptions=True)


async def _serve_with_updater(
    application: BotApplication, settings: Settings, stop: asyncio.Event
) -> None:
    """The local chat: python-telegram-bot's own Updater, no inbox."""
    updater = application.updater
    if updater is None:  # pragma: no cover - build_application creates one without an inbox
        raise RuntimeError("the application has no updater")
    await updater.start_polling(
        poll_interval=0.0,
        allowed_updates=ALLOWED_UPDATES,
        # Failures are retried forever, 1 s to 30 s apart; this logs one line each.
        error_callback=on_polling_error,
    )
    await application.start()
    watching = admin.start_watching(application, settings)
    retention = _start_retention(application, settings, stop)
    try:
        await stop.wait()
    finally:
        await _stop_retention(retention)
        await admin.stop_watching(watching)
        await updater.stop()
        await application.stop()


def run_bot(settings: Settings, services: Services) -> None:
    """`twinbot run`: serve until SIGINT or SIGTERM, then shut down cleanly."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # TWINBOT_SEND_RATE: Telegram's 30 messages a second unless the operator says otherwise.
        delivery = DeliveryPolicy(overall_per_second=settings.send_rate)
        application = build_application(settings, services, delivery=delivery)
        for note in settings.webhook_notes():
            _log.warning("%s", note)
        await serve(application, settings, stop)

    # Start-up failures become one readable line. python-telegram-bot puts the token into
    # InvalidToken's message, so every message is redacted before it can reach the terminal.
    secrets = settings.secret_values()
    try:
        asyncio.run(main())
    except InvalidToken:
        raise ConfigError(
            f"the Bot API at {redact(settings.api_url, secrets)} rejected TWINBOT_TOKEN — "
            "copy the token again from @BotFather (/token), or check --api-url"
        ) from None
    except NetworkError as exc:
        raise TwinbotError(
            f"cannot reach the Bot API at {redact(settings.api_url, secrets)}: "
            f"{redact(str(exc), secrets)} — check the network or --api-url"
        ) from None
    except TelegramError as exc:
        raise TwinbotError(
            f"Telegram refused to start the bot: {redact(str(exc), secrets)}"
        ) from None
    except OSError as exc:
        # e.g. the webhook port is taken
        raise TwinbotError(
            f"cannot listen on {settings.listen}:{settings.port}: {exc.strerror or exc}"
        ) from None


async def chat_locally(settings: Settings, services: Services, endpoint: Endpoint) -> None:
    """`twinbot chat`: the same Application, fed by *endpoint* until it runs out of input."""
    request = LocalRequest(endpoint)
    # One person typing (or piping a file of questions): no flood control, nothing to retry.
    settings = replace(settings, flood_burst=0)
    application = build_application(
        settings, services, request=request, token=LOCAL_TOKEN, delivery=None, durable=False
    )
    # The next line is read only once the previous one is answered: replies stay in order.
    request.wait_for_idle(application.update_queue.join)
    # Always polling: a webhook setting from the environment is for `twinbot run`.
    await serve(application, replace(settings, webhook_url=None), request.finished)

"""The bot's language policy: which language a reply, a menu or an organiser's message is in.

The mechanism is `twinbot.i18n` (catalogs, `negotiate`); the policy lives here: free text is
answered in the language it is written in, else the user's saved /language choice, else
Telegram's `language_code`, else English; menus and commands use the last three. An admin's
own messages (notices, relayed replies) follow their /language choice, else the Telegram
language of their last update, else English.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from twinbot.bot.context import Services
from twinbot.i18n import Translator, negotiate
from twinbot.knowledge import DEFAULT_LANG, Lang


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


async def ui_translator_for(user_id: int, services: Services) -> Translator:
    """The translator for an admin's own messages (see `Organisers.lang_of`); English when the
    bot has no organisers."""
    organisers = services.organisers
    if organisers is None:
        return services.catalogs.translator(DEFAULT_LANG)
    return services.catalogs.translator(await organisers.lang_of(user_id, services.storage))

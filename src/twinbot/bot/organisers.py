"""The organisers the bot knows while it runs: the admin ids, the knowledge reloader, and each
admin's language.

`Organisers` is state, not behaviour: `admin.attach` builds it once and stores it in `Services`
(it survives reloads, which replace only the responder and its load time); the admin commands, the
feedback relay and the language policy read it. It knows no Telegram types.
"""

from __future__ import annotations

import asyncio
from datetime import tzinfo

from twinbot.i18n import negotiate
from twinbot.knowledge import DEFAULT_LANG, Lang
from twinbot.reloader import Reloader
from twinbot.storage import Storage


class Organisers:
    """The admins, the reloader, and what the bot remembers about the admins while it runs."""

    def __init__(self, ids: frozenset[int], reloader: Reloader | None, zone: tzinfo) -> None:
        self.ids = ids
        self.reloader = reloader
        #: Days and times in reports and notices are the server's.
        self.zone = zone
        # The Telegram language of each admin's last update: notices have no update to ask.
        self._languages: dict[int, Lang] = {}
        # Admins whose menu is set; one whose chat did not exist yet is retried when they write.
        self.menus: set[int] = set()

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.ids

    def remember(self, user_id: int, language_code: str | None) -> None:
        lang = negotiate(language_code)
        if lang is not None:
            self._languages[user_id] = lang

    async def lang_of(self, user_id: int, storage: Storage) -> Lang:
        """The admin's /language choice, else their Telegram language, else English."""
        saved = await asyncio.to_thread(storage.language_of, user_id)
        return saved or self._languages.get(user_id, DEFAULT_LANG)

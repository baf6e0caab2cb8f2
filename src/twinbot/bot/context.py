"""The typed context every handler receives: the shared services instead of string keys.

`BotData` is python-telegram-bot's `bot_data`, made a class so `context.bot_data.services` is
checked by mypy. `Services` is frozen and replaced as a whole, so a later reload can swap the
knowledge base between two updates without a handler ever seeing half of it. `BotContext` and
`BotApplication` are the python-telegram-bot types parametrised with them.

This is the package's leaf: it imports no other `twinbot.bot` module at run time (the state
it holds is named for mypy only), so any bot module can import it without loading the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from twinbot.config import DEFAULT_RETENTION_DAYS
from twinbot.i18n import Catalogs
from twinbot.knowledge import KnowledgeBase
from twinbot.responder import Responder
from twinbot.storage import Storage

if TYPE_CHECKING:
    from twinbot.bot.feedback import Conversations
    from twinbot.bot.inbox import Inbox
    from twinbot.bot.organisers import Organisers
    from twinbot.bot.throttle import Throttle


@dataclass(frozen=True, slots=True)
class Services:
    """What handlers work with: the responder (knowledge, catalogs, matcher) and the state."""

    responder: Responder
    storage: Storage
    #: When the knowledge base was loaded (shown by /about).
    loaded_at: datetime
    #: Admins and the knowledge reloader; set by `build_application`, kept across reloads.
    organisers: Organisers | None = None
    #: Days questions and feedback are kept (`TWINBOT_RETENTION_DAYS`), for /privacy.
    retention_days: int = DEFAULT_RETENTION_DAYS

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.responder.knowledge

    @property
    def catalogs(self) -> Catalogs:
        return self.responder.catalogs


class BotData:
    """`context.bot_data`: created empty by python-telegram-bot, filled by `build_application`."""

    __slots__ = ("_conversations", "_services", "inbox", "throttle")

    def __init__(self) -> None:
        self._services: Services | None = None
        #: Flood control per user; None: off. Lives here, not in `Services`, so a reload
        #: that replaces the services keeps every user's count.
        self.throttle: Throttle | None = None
        self._conversations: Conversations | None = None
        #: The durable inbox `twinbot run` feeds the Application from; None in the local chat.
        self.inbox: Inbox | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("bot_data.services is used before build_application set it")
        return self._services

    @property
    def conversations(self) -> Conversations:
        """Pending /feedback prompts and the questions behind recent answers (kept on reload)."""
        if self._conversations is None:
            raise RuntimeError("bot_data.conversations is used before build_application set it")
        return self._conversations

    @conversations.setter
    def conversations(self, conversations: Conversations) -> None:
        self._conversations = conversations

    def attach(self, services: Services) -> None:
        """Install (or replace) the services handlers use from the next update on."""
        self._services = services


BotContext = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
BotApplication = Application[ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]

"""The Telegram bot: the only package that imports python-telegram-bot.

`app` wires the Application and runs it, `handlers` are the thin callbacks, `render` turns
replies into HTML and keyboards, `local` lets the Application run without a network.
"""

from twinbot.bot.app import build_application, chat_locally, make_services, run_bot, serve
from twinbot.bot.context import BotData, Services

__all__ = [
    "BotData",
    "Services",
    "build_application",
    "chat_locally",
    "make_services",
    "run_bot",
    "serve",
]

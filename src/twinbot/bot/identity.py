"""Who the bot is on Telegram: its username, asked with `getMe` (for `twinbot links`).

The one call outside a running Application, so it lives here with the rest of the Telegram
code; failures become one readable line with the token redacted.
"""

from __future__ import annotations

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from twinbot.bot.logs import redact
from twinbot.config import Settings
from twinbot.errors import ConfigError, TwinbotError


async def fetch_username(settings: Settings) -> str:
    """The bot's @username (without the @), from the Bot API at `settings.api_url`."""
    if settings.token is None:
        raise ConfigError("TWINBOT_TOKEN is not set")
    secrets = settings.secret_values()
    bot = Bot(settings.token.reveal(), base_url=settings.api_url)
    try:
        async with bot:
            return bot.username
    except InvalidToken:
        raise ConfigError(
            f"the Bot API at {redact(settings.api_url, secrets)} rejected TWINBOT_TOKEN — "
            "copy the token again from @BotFather, or pass --bot USERNAME"
        ) from None
    except NetworkError as exc:
        raise TwinbotError(
            f"cannot reach the Bot API at {redact(settings.api_url, secrets)} to ask for the "
            f"bot's username: {redact(str(exc), secrets)} — pass --bot USERNAME instead"
        ) from None
    except TelegramError as exc:
        raise TwinbotError(f"getMe failed: {redact(str(exc), secrets)}") from None

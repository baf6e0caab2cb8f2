"""Frozen settings from the environment and command-line flags.

This module owns the contract other tools rely on when they start twinbot: which environment
variables and flags exist, their defaults, and how they are validated. Flags win over the
environment. The bot token and the webhook secret are wrapped in `Secret`, whose `repr` and
`str` never show the value, so a settings object can be logged or printed safely. Nothing here
knows about Telegram.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast
from urllib.parse import urlsplit

from twinbot.errors import ConfigError

#: python-telegram-bot's default: the token is appended, or replaces a `{token}` placeholder.
DEFAULT_API_URL = "https://api.telegram.org/bot"
#: Behind a reverse proxy the webhook listens on loopback only.
DEFAULT_LISTEN = "127.0.0.1"
DEFAULT_PORT = 8080
#: How a running bot notices knowledge edits: file system events (falling back to polling
#: where there are none), polling every `reload_interval` seconds, or only the /reload command.
ReloadSetting = Literal["auto", "poll", "off"]
RELOAD_SETTINGS: tuple[ReloadSetting, ...] = ("auto", "poll", "off")
DEFAULT_RELOAD_INTERVAL = 2.0
#: Telegram's cloud Bot API; any other `api_url` is a self-hosted `telegram-bot-api` server.
CLOUD_API_HOST = "api.telegram.org"
#: The only ports Telegram's cloud delivers webhooks to.
CLOUD_WEBHOOK_PORTS = (443, 80, 88, 8443)
#: Messages per second the bot sends at most overall: Telegram's limit for an ordinary bot.
DEFAULT_SEND_RATE = 30.0
#: Flood control: ten messages at once (a few quick button presses), then one every two seconds.
DEFAULT_FLOOD_BURST = 10
DEFAULT_FLOOD_PER_MINUTE = 30.0
#: Questions, votes and unused language choices are deleted after about half a year: long
#: enough to compare one exchange season with the next, short enough not to hoard.
DEFAULT_RETENTION_DAYS = 180

# BotFather tokens look like "123456789:AA…"; checking the shape catches pasted quotes, spaces
# and swapped variables before the first request fails with an opaque 401/404.
_TOKEN_SHAPE = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,}$")
# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as a webhook secret token.
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True, slots=True)
class Secret:
    """A value that must never reach a log, a traceback or the terminal."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `twinbot run` and `twinbot chat` need to start."""

    token: Secret | None = None
    api_url: str = DEFAULT_API_URL
    #: None means the knowledge base bundled with twinbot.
    knowledge_dir: Path | None = None
    data_dir: Path = field(default_factory=lambda: default_data_dir({}))
    webhook_url: str | None = None
    listen: str = DEFAULT_LISTEN
    port: int = DEFAULT_PORT
    webhook_secret: Secret = field(default_factory=lambda: Secret(secrets.token_urlsafe(32)))
    admins: frozenset[int] = frozenset()
    reload: ReloadSetting = "auto"
    reload_interval: float = DEFAULT_RELOAD_INTERVAL
    verbose: bool = False
    #: Flood control per user: messages at once, then messages per minute (0 burst: off).
    flood_burst: int = DEFAULT_FLOOD_BURST
    flood_per_minute: float = DEFAULT_FLOOD_PER_MINUTE
    #: Days questions and feedback are kept (and language choices of users not seen).
    retention_days: int = DEFAULT_RETENTION_DAYS
    #: Messages per second overall (`TWINBOT_SEND_RATE`); 0: no limit. The per-group limit
    #: (20 a minute) holds either way.
    send_rate: float = DEFAULT_SEND_RATE

    @property
    def cloud_api(self) -> bool:
        """Whether the Bot API is Telegram's cloud (else a self-hosted server)."""
        return is_cloud_api(self.api_url)

    def webhook_notes(self) -> list[str]:
        """What to warn about once at start: a webhook the cloud would refuse, self-hosted."""
        if self.webhook_url is None or self.cloud_api:
            return []
        parts = urlsplit(self.webhook_url)
        if parts.scheme == "https" and _url_port(self.webhook_url) in CLOUD_WEBHOOK_PORTS:
            return []
        return [
            f"webhook URL {self.webhook_url}: plain http or a port other than "
            f"{_ports()} works with the self-hosted Bot API at {self.api_url}, "
            "but Telegram's cloud API would refuse it"
        ]

    @property
    def webhook_path(self) -> str:
        """The URL path the local webhook server listens on: the public URL's path."""
        if self.webhook_url is None:
            return ""
        return urlsplit(self.webhook_url).path.strip("/")

    def secret_values(self) -> tuple[str, ...]:
        """Every secret value, for the log redaction filter."""
        values = [self.webhook_secret.reveal()]
        if self.token is not None:
            values.append(self.token.reveal())
        return tuple(values)


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """`$XDG_DATA_HOME/twinbot`, else `~/.local/share/twinbot` (the XDG default)."""
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "twinbot"
    home = environ.get("HOME", "").strip()
    base = Path(home) if home else Path.home()
    return base / ".local" / "share" / "twinbot"


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    knowledge_dir: Path | None = None,
    data_dir: Path | None = None,
    api_url: str | None = None,
    webhook_url: str | None = None,
    listen: str | None = None,
    port: int | None = None,
    reload: str | None = None,
    reload_interval: float | None = None,
    verbose: bool = False,
    require_token: bool = False,
) -> Settings:
    """Settings from *environ* (default: `os.environ`), overridden by the given flags.

    Raises `ConfigError` with a message naming the variable or flag and how to fix it.
    """
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = _token(get("TWINBOT_TOKEN"), required=require_token)
    knowledge = knowledge_dir or _path(get("TWINBOT_KNOWLEDGE"))
    data = data_dir or _path(get("TWINBOT_DATA_DIR")) or default_data_dir(env)
    api = _api_url(api_url or get("TWINBOT_API_URL") or DEFAULT_API_URL)
    return Settings(
        token=token,
        api_url=api,
        knowledge_dir=knowledge,
        data_dir=data.expanduser(),
        webhook_url=_webhook_url(
            webhook_url or get("TWINBOT_WEBHOOK_URL"), cloud=is_cloud_api(api)
        ),
        listen=listen or get("TWINBOT_LISTEN") or DEFAULT_LISTEN,
        port=_port(port if port is not None else get("TWINBOT_PORT")),
        webhook_secret=_webhook_secret(get("TWINBOT_WEBHOOK_SECRET")),
        admins=parse_admins(get("TWINBOT_ADMINS") or ""),
        reload=_reload(reload or get("TWINBOT_RELOAD") or "auto"),
        reload_interval=_reload_interval(
            reload_interval if reload_interval is not None else get("TWINBOT_RELOAD_INTERVAL")
        ),
        verbose=verbose,
        flood_burst=_flood_burst(get("TWINBOT_FLOOD_BURST")),
        flood_per_minute=_flood_rate(get("TWINBOT_FLOOD_RATE")),
        retention_days=_retention_days(get("TWINBOT_RETENTION_DAYS")),
        send_rate=_send_rate(get("TWINBOT_SEND_RATE")),
    )


def is_cloud_api(api_url: str) -> bool:
    """Whether *api_url* is Telegram's cloud Bot API."""
    return (urlsplit(api_url).hostname or "").lower() == CLOUD_API_HOST


def parse_admins(value: str) -> frozenset[int]:
    """Telegram user ids from `TWINBOT_ADMINS`, e.g. "123, 456"."""
    admins: set[int] = set()
    for part in value.split(","):
        item = part.strip()
        if not item:
            continue
        try:
            admins.add(int(item))
        except ValueError:
            raise ConfigError(
                f"TWINBOT_ADMINS: {item!r} is not a Telegram user id — "
                "use numeric ids separated by commas, e.g. 123456789,987654321"
            ) from None
    return frozenset(admins)


def _token(value: str | None, *, required: bool) -> Secret | None:
    if value is None:
        if required:
            raise ConfigError(
                "TWINBOT_TOKEN is not set — create a bot with @BotFather and export its token "
                "as TWINBOT_TOKEN (or try the bot locally with `twinbot chat`)"
            )
        return None
    if not _TOKEN_SHAPE.match(value):
        # Never echo the value: a near-miss token is still mostly the secret.
        raise ConfigError(
            "TWINBOT_TOKEN does not look like a bot token (expected digits, a colon, then "
            "letters, digits, - and _) — copy it again from @BotFather, without quotes or spaces"
        )
    return Secret(value)


def _flood_burst(value: str | None) -> int:
    if value is None:
        return DEFAULT_FLOOD_BURST
    try:
        burst = int(value)
    except ValueError:
        burst = -1
    if burst < 0:
        raise ConfigError(
            f"TWINBOT_FLOOD_BURST: {value!r} is not a whole number >= 0 — how many messages "
            "a user may send at once before flood control holds them back (0 turns it off)"
        )
    return burst


def _retention_days(value: str | None) -> int:
    if value is None:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(value)
    except ValueError:
        days = 0
    if not 1 <= days <= 36600:
        raise ConfigError(
            f"TWINBOT_RETENTION_DAYS: {value!r} is not a whole number of days from 1 to 36600 — "
            "how long questions, feedback and unused language choices are kept"
        )
    return days


def _flood_rate(value: str | None) -> float:
    if value is None:
        return DEFAULT_FLOOD_PER_MINUTE
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not 0 < rate < float("inf"):
        raise ConfigError(
            f"TWINBOT_FLOOD_RATE: {value!r} is not a positive number — how many messages per "
            "minute a user may send once the burst is used up, e.g. 30"
        )
    return rate


def _reload(value: str) -> ReloadSetting:
    if value.lower() not in RELOAD_SETTINGS:
        raise ConfigError(
            f"--reload / TWINBOT_RELOAD: {value!r} is not one of auto, poll, off — auto watches "
            "the knowledge folder, poll checks it every few seconds, off reloads only on /reload"
        )
    return cast(ReloadSetting, value.lower())


def _reload_interval(value: float | str | None) -> float:
    if value is None:
        return DEFAULT_RELOAD_INTERVAL
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0.1 <= seconds <= 3600:
        raise ConfigError(
            f"--reload-interval / TWINBOT_RELOAD_INTERVAL: {value!r} is not a number of seconds "
            "between 0.1 and 3600"
        )
    return seconds


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def _api_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(
            f"--api-url / TWINBOT_API_URL: {value!r} is not an http(s) URL — "
            f"use e.g. {DEFAULT_API_URL} or http://localhost:8081/bot for a local Bot API server"
        )
    return value


def _webhook_url(value: str | None, *, cloud: bool = True) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if not cloud:
        # A self-hosted Bot API server posts to any http(s) URL, local addresses and any port.
        if parts.scheme not in {"http", "https"} or not parts.netloc or _url_port(value) is None:
            raise ConfigError(
                f"--webhook-url / TWINBOT_WEBHOOK_URL: {value!r} is not an http(s) URL — e.g. "
                "http://127.0.0.1:8443/twinbot for a self-hosted Bot API server"
            )
        return value
    if parts.scheme != "https" or not parts.netloc:
        raise ConfigError(
            f"--webhook-url / TWINBOT_WEBHOOK_URL: {value!r} is not an https URL — "
            "Telegram only delivers webhooks over https, e.g. https://bot.example.org/twinbot "
            "(a self-hosted Bot API server, --api-url, also takes http)"
        )
    port = _url_port(value)
    if port not in CLOUD_WEBHOOK_PORTS:
        shown = "an invalid port" if port is None else f"port {port}"
        raise ConfigError(
            f"--webhook-url / TWINBOT_WEBHOOK_URL: {value!r} uses {shown} — Telegram only "
            f"delivers webhooks to ports {_ports()}; let nginx listen on one of them and "
            "forward to --port (a self-hosted Bot API server, --api-url, takes any port)"
        )
    return value


def _url_port(url: str) -> int | None:
    """The URL's port (the scheme's default if none); None if it is not a valid port."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if port is None:
        return 443 if parts.scheme == "https" else 80
    return port if 0 < port < 65536 else None


def _ports() -> str:
    return ", ".join(map(str, CLOUD_WEBHOOK_PORTS[:-1])) + f" and {CLOUD_WEBHOOK_PORTS[-1]}"


def _send_rate(value: str | None) -> float:
    if value is None:
        return DEFAULT_SEND_RATE
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0 <= rate < float("inf"):
        raise ConfigError(
            f"TWINBOT_SEND_RATE: {value!r} is not a number >= 0 — how many messages per second "
            "the bot sends at most overall (30 is Telegram's limit for an ordinary bot; 0 turns "
            "the limit off)"
        )
    return rate


def _port(value: int | str | None) -> int:
    if value is None:
        return DEFAULT_PORT
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise ConfigError(f"--port / TWINBOT_PORT: {value!r} is not a TCP port (1-65535)")
    return port


def _webhook_secret(value: str | None) -> Secret:
    if value is None:
        # Generated per start: Telegram learns it from setWebhook, so it need not be stable.
        return Secret(secrets.token_urlsafe(32))
    if not _SECRET_SHAPE.match(value):
        raise ConfigError(
            "TWINBOT_WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and - (1-256 characters)"
        )
    return Secret(value)

"""Logging for the bot: concise lines, and no secret in any of them.

httpx logs every request URL at INFO, and a Bot API URL contains the bot token
(`…/bot123:ABC…/getUpdates`). So httpx and httpcore are held at WARNING, and a filter on the
root handler redacts the token, the webhook secret and anything shaped like a bot token from
every message and traceback as a second line of defence. `--verbose` turns on DEBUG for
twinbot's own loggers only.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

REDACTED = "[REDACTED]"
# Anything that looks like a bot token, even one we were not told about — also inside a URL,
# where it follows "/bot" with no word boundary before it, and URL-encoded (":" as "%3A").
_TOKEN_LIKE = re.compile(r"(?<![0-9])[0-9]{5,20}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
# The part of a token after the colon is the secret; the bot id before it is public.
_TOKEN_PARTS = re.compile(r"[0-9]{1,20}:([A-Za-z0-9_-]{20,})")
_QUIET = ("httpx", "httpcore", "hpack", "tornado.access", "apscheduler", "pymorphy3")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """*text* with every given secret and anything shaped like a bot token replaced.

    Secrets are matched regardless of case: python-telegram-bot `capitalize()`s error
    descriptions, so a token Telegram or a proxy echoes back reaches us lower-cased. Each is
    also matched URL-encoded (an error text may quote the request URL), and of a bot token its
    secret part alone.
    """
    for secret in _variants(secrets):
        text = re.sub(re.escape(secret), REDACTED, text, flags=re.IGNORECASE)
    return _TOKEN_LIKE.sub(REDACTED, text)


def _variants(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every form a secret may take in a message, longest first (so none is left half-done)."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        parts = _TOKEN_PARTS.fullmatch(secret)
        for form in (secret, parts.group(1) if parts else ""):
            if form:
                forms.update({form, quote(form, safe=""), quote(quote(form, safe=""), safe="")})
    return tuple(sorted(forms, key=len, reverse=True))


class RedactingFilter(logging.Filter):
    """Replaces secrets in a record's message and traceback before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = _variants(secrets)

    def redact(self, text: str) -> str:
        """*text* with every known secret and token-shaped string replaced."""
        return redact(text, self._secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(
    *,
    verbose: bool = False,
    secrets: Iterable[str] = (),
    quiet: bool = False,
    stream: TextIO | None = None,
) -> None:
    """Set up the root handler; *quiet* (the local chat) shows only warnings and errors."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
    )
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING if quiet else logging.INFO)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    twinbot_level = logging.DEBUG if verbose else (logging.WARNING if quiet else logging.INFO)
    logging.getLogger("twinbot").setLevel(twinbot_level)

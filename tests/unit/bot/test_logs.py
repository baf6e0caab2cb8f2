"""Log redaction: the token and the webhook secret never survive into a log line."""

from __future__ import annotations

import io
import logging

import pytest
from telegram.error import BadRequest

from twinbot.bot.logs import REDACTED, RedactingFilter, redact

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawZ"
SECRET = "hook-secret-4f1c9a7e"


@pytest.mark.parametrize(
    "text",
    [
        f"token {TOKEN}",
        f"POST https://api.telegram.org/bot{TOKEN}/getUpdates",  # no word boundary before it
        f"{TOKEN.lower()} echoed back",
        f"{TOKEN.upper()}",
        # what python-telegram-bot makes of a description that echoes it: capitalize()
        str(BadRequest(f"Bad Request: near bot{TOKEN}/send")),
        f"webhook secret {SECRET} and {SECRET.upper()}",
        "someone else's 987654321:ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ too",
        # URL-encoded, as an error text quoting the request URL has it, in any case
        f"GET /bot{TOKEN.replace(':', '%3A')}/getMe",
        f"GET /bot{TOKEN.replace(':', '%3a').lower()}/getMe",
        f"url=https%3A%2F%2Fapi.telegram.org%2Fbot{TOKEN.replace(':', '%3A')}",
        # the secret part after the colon alone, also in other case
        f"Unauthorized: {TOKEN.split(':')[1]}",
        f"unauthorized: {TOKEN.split(':')[1].lower()}",
    ],
)
def test_secrets_are_redacted_in_any_case_and_any_context(text: str) -> None:
    cleaned = redact(text, [TOKEN, SECRET])
    assert REDACTED in cleaned
    for secret in (TOKEN, SECRET, TOKEN.split(":")[1], "awz"):
        assert secret.lower() not in cleaned.lower()


def test_ordinary_numbers_and_times_are_left_alone() -> None:
    text = "update 123456789 at 10:00:02, 2015-06-27 12345:short"
    assert redact(text, [TOKEN]) == text


def test_the_filter_cleans_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([TOKEN]))
    log = logging.getLogger("twinbot.test.redaction")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("calling %s", f"/bot{TOKEN}/sendMessage")
        try:
            raise BadRequest(f"Bad Request: bot{TOKEN}")
        except BadRequest:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    logged = stream.getvalue()
    assert "Traceback" in logged
    assert TOKEN.split(":")[1].lower() not in logged.lower()
    assert logged.count(REDACTED) == 2

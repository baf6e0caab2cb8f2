"""Webhook mode: the local HTTP server Telegram (or nginx in front of it) posts updates to.

python-telegram-bot's webhook server reads a request's whole body before it checks the secret
and puts the update on a queue in memory before it answers 200. This one (tornado, which
python-telegram-bot's webhooks extra already brings) checks the secret header and the declared
size as soon as the headers are in — a request without the secret gets 403 and its body is
never read — and answers 200 only once the update is committed to the inbox, so Telegram sends
again whatever a crash caught before that.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import tornado.web
from tornado.httpserver import HTTPServer

from twinbot.config import Settings

if TYPE_CHECKING:
    from twinbot.bot.context import BotApplication
    from twinbot.bot.inbox import Inbox

_log = logging.getLogger(__name__)

#: The header Telegram sends the secret token in.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram's updates are a few kilobytes; a message with a long caption and entities stays far
#: below this. Anything larger is refused before it is read.
MAX_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Receiver:
    application: BotApplication
    inbox: Inbox
    secret: str


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """POST <path>: one update, as JSON."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, receiver: _Receiver) -> None:
        self._receiver = receiver
        self._chunks: list[bytes] = []

    def prepare(self) -> None:
        # Runs once the headers are in, before any of the body (stream_request_body).
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._receiver.secret.encode()):
            self._refuse(HTTPStatus.FORBIDDEN)
            return
        length = self.request.headers.get("Content-Length", "")
        if length and (not length.isdigit() or int(length) > MAX_BODY):
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def _refuse(self, status: HTTPStatus) -> None:
        self.set_status(status)
        # Finished before the body was read: tornado closes the connection instead of
        # reading the rest.
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        self._chunks.append(chunk)

    async def post(self) -> None:
        try:
            update: Any = json.loads(b"".join(self._chunks))
        except ValueError:
            self.set_status(HTTPStatus.BAD_REQUEST)
            return
        receiver = self._receiver
        try:
            await receiver.inbox.accept(receiver.application, [update])
        except Exception:
            # Not committed: a 500 makes Telegram send it again.
            _log.exception("could not store a webhook update; Telegram will send it again")
            self.set_status(HTTPStatus.INTERNAL_SERVER_ERROR)
            return
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Tornado's default logs the request, headers included (the secret): one line instead.
        _log.warning("webhook request failed: %s", typ.__name__ if typ else value)


class _App(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: python-telegram-bot's logging setup is ours."""


class WebhookServer:
    """The listening server; `stop` closes it and its connections."""

    def __init__(self, server: HTTPServer) -> None:
        self._server = server

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


async def start_webhook(
    application: BotApplication, inbox: Inbox, settings: Settings
) -> WebhookServer:
    """Listen on `settings.listen:port/<path>`, then register the URL and secret with Telegram.

    Raises OSError when the port cannot be bound, before Telegram is told anything.
    """
    if settings.webhook_url is None:
        raise ValueError("no webhook URL")
    secret = settings.webhook_secret.reveal()
    receiver = _Receiver(application, inbox, secret)
    path = "/" + settings.webhook_path if settings.webhook_path else ""
    app = _App([(rf"{path}/?", _UpdateHandler, {"receiver": receiver})])
    server = HTTPServer(app, max_body_size=MAX_BODY)
    server.listen(settings.port, address=settings.listen)
    try:
        await application.bot.set_webhook(
            url=settings.webhook_url, secret_token=secret, allowed_updates=inbox.allowed_updates
        )
    except BaseException:
        server.stop()
        raise
    _log.info(
        "webhook: listening on %s:%d%s for %s",
        settings.listen,
        settings.port,
        path or "/",
        settings.webhook_url,
    )
    return WebhookServer(server)

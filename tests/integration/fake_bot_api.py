"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

Real HTTP on an ephemeral port, so python-telegram-bot's own HTTPXRequest talks to it exactly as
it would to api.telegram.org (point `base_url` at `server.base_url`). It parses form-encoded
bodies as python-telegram-bot sends them (nested values JSON-encoded inside form fields), JSON
and query strings; records every call; serves `getUpdates` from a queue with long polling; and
can be told to fail the next calls of a method (`fail`) to test error handling.
"""

from __future__ import annotations

import itertools
import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TOKEN = "123456789:TESTtokenTESTtokenTESTtokenTESTtoken"
BOT = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "twinbot",
    "username": "twinbot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
#: How long getUpdates waits for an update at most, whatever `timeout` the bot asks for.
MAX_LONG_POLL = 0.05


@dataclass
class Call:
    """One Bot API request as the server received it."""

    method: str
    params: dict[str, Any]
    token: str
    headers: dict[str, str] = field(default_factory=dict)

    def markup(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard rows of a sendMessage/editMessageText call."""
        markup = self.params.get("reply_markup") or {}
        return list(markup.get("inline_keyboard", []))

    def buttons(self) -> list[dict[str, Any]]:
        """Every inline button, row by row."""
        return [button for row in self.markup() for button in row]


def _decode(value: str) -> Any:
    # python-telegram-bot JSON-encodes nested values (reply_markup, commands, results) inside
    # form fields; scalars stay plain strings ("123", "HTML").
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        loaded = json.loads(body)
        return dict(loaded) if isinstance(loaded, dict) else {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                text = payload.decode() if isinstance(payload, bytes) else ""
                params[name] = _decode(text)
        return params
    return {k: _decode(v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)}


class FakeBotApi:
    """The server; use as a context manager or call start()/stop()."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._updates: queue.Queue[dict[str, Any]] = queue.Queue()
        self._failures: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The value for python-telegram-bot's `base_url`."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/bot"

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # test controls ----------------------------------------------------------------------

    def push(self, **update: Any) -> int:
        """Queue one update (e.g. `message={...}`); returns its update_id."""
        update_id = next(self._update_ids)
        self._updates.put({"update_id": update_id, **update})
        return update_id

    def fail(
        self,
        method: str,
        code: int = 400,
        description: str = "Bad Request",
        times: int = 1,
        **extra: Any,
    ) -> None:
        """Make the next *times* calls of *method* fail with *code* and *description*."""
        with self._lock:
            self._failures.setdefault(method, []).extend([(code, description, extra)] * times)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent(self) -> list[Call]:
        """sendMessage and editMessageText calls, in order."""
        with self._lock:
            return [c for c in self.calls if c.method in {"sendMessage", "editMessageText"}]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # responses --------------------------------------------------------------------------

    def _result(self, call: Call) -> tuple[int, dict[str, Any]]:
        with self._lock:
            failures = self._failures.get(call.method)
            failure = failures.pop(0) if failures else None
        if failure is not None:
            code, description, extra = failure
            body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
            if extra:
                body["parameters"] = extra
            return code, body
        return 200, {"ok": True, "result": self._answer(call)}

    def _answer(self, call: Call) -> Any:
        params = call.params
        if call.method == "getMe":
            return BOT
        if call.method == "getUpdates":
            timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
            offset = int(params.get("offset") or 0)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    update = self._updates.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    return []
                if update["update_id"] >= offset:
                    return [update]
        if call.method in {"sendMessage", "editMessageText"}:
            chat_id = int(params.get("chat_id") or 0)
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT,
                "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            if call.method == "editMessageText" and "inline_message_id" in params:
                return True
            return message
        if call.method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def setup(self) -> None:
                super().setup()
                # Without this, Nagle's algorithm and delayed ACKs add ~40 ms to every call.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                # /bot<token>/<method>
                prefix, _, method = parts.path.rpartition("/")
                token = prefix.removeprefix("/bot")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params = dict(parse_qsl(parts.query))
                params.update(_parse_body(self.headers.get("Content-Type", ""), body))
                call = Call(method, params, token, dict(self.headers.items()))
                if token != api.token:
                    status, payload = (
                        401,
                        {
                            "ok": False,
                            "error_code": 401,
                            "description": "Unauthorized",
                        },
                    )
                else:
                    with api._lock:
                        api.calls.append(call)
                    status, payload = api._result(call)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot gave up on a long poll while shutting down

        return Handler


def iter_texts(calls: list[Call]) -> Iterator[str]:
    for call in calls:
        yield str(call.params.get("text", ""))

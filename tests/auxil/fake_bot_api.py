"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

Real HTTP on an ephemeral port, so python-telegram-bot's own HTTPXRequest talks to it exactly as
it would to api.telegram.org (point `base_url` at `server.base_url`). It parses form-encoded
bodies as python-telegram-bot sends them (nested values JSON-encoded inside form fields), JSON
and query strings, and records every call with the time it arrived.

`getUpdates` behaves like Telegram's: it returns up to `limit` pending updates with an id of at
least `offset`, and forgets the ones below `offset` — an update stays pending until a later
call confirms it, so a bot that stops before confirming gets it again after a restart.

Faults are injected per method (`inject`, or the shortcuts `fail`, `drop`, `delay`, `hold`),
optionally only for calls matching a predicate: an error response (429 with `retry_after`,
5xx, 409 Conflict…), a connection closed without a response, a slow response (for read
timeouts), a response held until the test releases it, or a success whose result is whatever
the test says (`Answer`).

`enforce_rate(n)` makes it refuse messages as Telegram's flood control does: beyond `n`
messages a second overall (a bucket of `n` that refills at `n` a second), a message gets
429 "Too Many Requests: retry after 1" and is recorded in `refused`.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
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
#: The calls Telegram's overall flood limit counts: each one puts a message into a chat.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "sendPhoto",
        "sendDocument",
        "copyMessage",
        "forwardMessage",
    }
)


@dataclass
class Call:
    """One Bot API request as the server received it."""

    method: str
    params: dict[str, Any]
    token: str
    headers: dict[str, str] = field(default_factory=dict)
    #: `time.monotonic()` when the request arrived.
    at: float = field(default_factory=time.monotonic)
    #: What the server answered (e.g. the sent message, with its message_id); None on a fault.
    result: Any = None

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


# --- faults ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fail:
    """An error response, e.g. `Fail(429, "Too Many Requests", {"retry_after": 1})`."""

    code: int = 400
    description: str = "Bad Request"
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Drop:
    """Close the connection after reading the request, without any response."""


@dataclass(frozen=True)
class Delay:
    """Answer normally, but only after *seconds* (longer than the client waits: a timeout)."""

    seconds: float


@dataclass(frozen=True)
class Hold:
    """Answer normally once *release* is set (or after *limit* seconds, as a safety net)."""

    release: threading.Event
    limit: float = 30.0


@dataclass(frozen=True)
class Answer:
    """Answer 200 with this `result`, whatever the call (e.g. one no client can parse)."""

    result: Any


Fault = Fail | Drop | Delay | Hold | Answer


@dataclass
class _Injected:
    fault: Fault
    times: int
    when: Callable[[Call], bool] | None


class FakeBotApi:
    """The server; use as a context manager or call start()/stop()."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        #: When each update was pushed (`time.monotonic()`), by update_id.
        self.pushed_at: dict[int, float] = {}
        #: Called (on a server thread) with every successful call after it was answered.
        self.on_call: Callable[[Call], None] | None = None
        self._pending: list[dict[str, Any]] = []
        self._new_update = threading.Condition()
        self._faults: dict[str, list[_Injected]] = {}
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        #: Messages refused by `enforce_rate`'s flood control.
        self.refused: list[Call] = []
        self._rate: float | None = None
        self._tokens = 0.0
        self._filled_at = 0.0
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
        with self._new_update:
            update_id = next(self._update_ids)
            self._pending.append({"update_id": update_id, **update})
            self.pushed_at[update_id] = time.monotonic()
            self._new_update.notify_all()
        return update_id

    def pending(self) -> list[int]:
        """The ids of updates not yet confirmed by a getUpdates offset."""
        with self._new_update:
            return [u["update_id"] for u in self._pending]

    def inject(
        self,
        method: str,
        fault: Fault,
        times: int = 1,
        when: Callable[[Call], bool] | None = None,
    ) -> None:
        """Let the next *times* calls of *method* (matching *when*) meet *fault*."""
        with self._lock:
            self._faults.setdefault(method, []).append(_Injected(fault, times, when))

    def fail(
        self,
        method: str,
        code: int = 400,
        description: str = "Bad Request",
        times: int = 1,
        **parameters: Any,
    ) -> None:
        """Make the next *times* calls of *method* fail with *code* and *description*."""
        self.inject(method, Fail(code, description, parameters), times)

    def drop(self, method: str, times: int = 1) -> None:
        """Close the connection of the next *times* calls of *method* without a response."""
        self.inject(method, Drop(), times)

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next *times* calls of *method* only after *seconds*."""
        self.inject(method, Delay(seconds), times)

    def hold(
        self, method: str, when: Callable[[Call], bool] | None = None, times: int = 1
    ) -> threading.Event:
        """Hold the answers to the next matching calls of *method* until the event is set."""
        release = threading.Event()
        self.inject(method, Hold(release), times, when)
        return release

    def enforce_rate(self, per_second: float) -> None:
        """Refuse messages beyond *per_second* overall with a 429, as Telegram does."""
        with self._lock:
            self._rate = per_second
            self._tokens = per_second
            self._filled_at = time.monotonic()

    def _over_rate(self, call: Call) -> bool:
        """Whether flood control refuses *call* (taking a token from the bucket if not)."""
        with self._lock:
            if self._rate is None or call.method not in MESSAGE_METHODS:
                return False
            now = time.monotonic()
            self._tokens = min(self._rate, self._tokens + (now - self._filled_at) * self._rate)
            self._filled_at = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return False
            self.refused.append(call)
            return True

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

    def _fault(self, call: Call) -> Fault | None:
        with self._lock:
            for injected in self._faults.get(call.method, []):
                if injected.times > 0 and (injected.when is None or injected.when(call)):
                    injected.times -= 1
                    return injected.fault
        return None

    def _result(self, call: Call, fault: Fault | None) -> tuple[int, dict[str, Any]]:
        if fault is None and self._over_rate(call):
            fault = Fail(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if isinstance(fault, Fail):
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.code,
                "description": fault.description,
            }
            if fault.parameters:
                body["parameters"] = fault.parameters
            return fault.code, body
        if isinstance(fault, Answer):
            return 200, {"ok": True, "result": fault.result}
        if isinstance(fault, Delay):
            time.sleep(fault.seconds)
        elif isinstance(fault, Hold):
            fault.release.wait(fault.limit)
        call.result = self._answer(call)
        return 200, {"ok": True, "result": call.result}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._new_update:
            # Telegram forgets the updates an offset confirms, and only those.
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            while not self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._new_update.wait(left)
            return [dict(u) for u in self._pending[:limit]]

    def _answer(self, call: Call) -> Any:
        params = call.params
        if call.method == "getMe":
            return BOT
        if call.method == "getUpdates":
            return self._get_updates(params)
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
                    fault = api._fault(call)
                    if isinstance(fault, Drop):
                        self.close_connection = True
                        return
                    status, payload = api._result(call, fault)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the bot gave up on a long poll while shutting down
                if status == 200 and api.on_call is not None:
                    api.on_call(call)

        return Handler


def iter_texts(calls: list[Call]) -> Iterator[str]:
    for call in calls:
        yield str(call.params.get("text", ""))

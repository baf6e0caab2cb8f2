"""Bot API calls served in process instead of over HTTP: the seam behind `twinbot chat`.

`LocalRequest` is a python-telegram-bot request class. Where `HTTPXRequest` would POST to
api.telegram.org, it hands the method name and its parameters — plain JSON values, exactly what
would go over the wire — to an `Endpoint`, and returns the endpoint's result as the Bot API would.
The endpoint (the terminal in `twinbot.console`) therefore speaks the Bot API's JSON and needs no
Telegram types, and the Application above it is the same one `twinbot run` uses.

Before serving `getUpdates` the request waits until every update fetched so far has been fully
handled, so a terminal reads the next line only after the previous one has been answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from telegram.request import BaseRequest, RequestData

_log = logging.getLogger(__name__)


class Endpoint(Protocol):
    """Something that answers Bot API methods with JSON values."""

    async def call(self, method: str, params: Mapping[str, object]) -> object:
        """The `result` of Bot API *method* called with *params*.

        `getUpdates` raises `EOFError` when the input has ended for good.
        """
        ...


class LocalRequest(BaseRequest):
    """A request class that never opens a socket."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._idle: Callable[[], Awaitable[None]] | None = None
        self.finished = asyncio.Event()

    def wait_for_idle(self, idle: Callable[[], Awaitable[None]]) -> None:
        """Await *idle* (e.g. `update_queue.join`) before each `getUpdates`."""
        self._idle = idle

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: Mapping[str, object] = request_data.parameters if request_data else {}
        _log.debug("local Bot API call %s", api_method)
        if api_method == "getUpdates":
            result = await self._get_updates(params)
        else:
            result = await self._endpoint.call(api_method, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    async def _get_updates(self, params: Mapping[str, object]) -> object:
        if self.finished.is_set():
            return []
        if self._idle is not None:
            await self._idle()
        try:
            return await self._endpoint.call("getUpdates", params)
        except EOFError:  # the endpoint's way to say no update will ever come again
            self.finished.set()
            return []

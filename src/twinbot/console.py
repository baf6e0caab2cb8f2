"""`twinbot chat`: a private Telegram chat with the bot, in the terminal.

The real Application (handlers, catalogs, state) runs unchanged; only its transport differs.
`Terminal` answers the Bot API methods the bot calls, in the Bot API's own JSON: `getUpdates`
turns each typed line into an update (a message, a `/command`, or — when the line is the number
of a button under the last message — a button press), and `sendMessage`, `editMessageText`,
`editMessageReplyMarkup`, `answerCallbackQuery` and `answerInlineQuery` are printed: Telegram
HTML as readable text, buttons as numbered `[1] label` lines. `getMe` and the start-up calls
are answered locally, so no token is needed and nothing leaves the machine. Piped input is
answered line by line and the chat ends at EOF, after the last reply. This module owns the
terminal side only; it imports no Telegram types (the transport seam is `twinbot.bot.local`).
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TextIO

from twinbot.config import Settings
from twinbot.i18n import Catalogs, negotiate
from twinbot.knowledge import DEFAULT_LANG, KnowledgeBase, Lang
from twinbot.responder import Responder
from twinbot.terminal import terminal_text

#: The fake bot and user; the ids are fixed so saved language choices persist between chats.
BOT_USER: dict[str, Any] = {
    "id": 1,
    "is_bot": True,
    "first_name": "twinbot",
    "username": "twinbot_local_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
USER_ID = 1000
PROMPT = "you> "


def locale_language() -> Lang:
    """The language of the terminal's locale (LC_ALL, LC_MESSAGES, LANG), else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return negotiate(value.split(".")[0].split("@")[0]) or DEFAULT_LANG
    return DEFAULT_LANG


class _LineReader:
    """Lines from a stream, read on a daemon thread so Ctrl-C never waits for Enter."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._queue: asyncio.Queue[str | None] | None = None

    async def readline(self) -> str | None:
        """The next line without its newline, or None at EOF."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            loop = asyncio.get_running_loop()
            queue = self._queue

            def pump() -> None:
                for line in iter(self._stream.readline, ""):
                    loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
                loop.call_soon_threadsafe(queue.put_nowait, None)

            threading.Thread(target=pump, name="twinbot-stdin", daemon=True).start()
        return await self._queue.get()


class Terminal:
    """The Bot API, as far as twinbot uses it, answered by a person at a terminal."""

    def __init__(
        self,
        stdin: TextIO,
        stdout: TextIO,
        *,
        language_code: str,
        interactive: bool = False,
        color: bool = False,
    ) -> None:
        self._lines = _LineReader(stdin)
        self._out = stdout
        self._interactive = interactive
        self._color = color
        self._user: dict[str, Any] = {
            "id": USER_ID,
            "is_bot": False,
            "first_name": _first_name(),
            "language_code": language_code,
        }
        self._chat: dict[str, Any] = {
            "id": USER_ID,
            "type": "private",
            "first_name": self._user["first_name"],
        }
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._messages: dict[int, dict[str, Any]] = {}
        #: The buttons under the last message, as the Bot API describes them.
        self._buttons: list[dict[str, Any]] = []
        self._button_message: int | None = None

    # The Bot API --------------------------------------------------------------------------

    async def call(self, method: str, params: Mapping[str, object]) -> object:
        """The result of one Bot API method."""
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return await self._get_updates()
        if method == "sendMessage":
            return self._show(params, self._message(params))
        if method == "editMessageText":
            message_id = params.get("message_id")
            edited = self._messages.get(message_id) if isinstance(message_id, int) else None
            if edited is None:
                edited = self._message(params)
            edited["text"] = params.get("text", "")
            return self._show(params, edited)
        if method == "editMessageReplyMarkup":
            # After a vote: the buttons that stay under the answer are the ones to press.
            message_id = params.get("message_id")
            rated = self._messages.get(message_id) if isinstance(message_id, int) else None
            if rated is None:
                return True
            self._buttons = []
            markup = params.get("reply_markup")
            rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
            lines = []
            for row in rows:
                for pressed in row:
                    self._buttons.append(pressed)
                    lines.append(f"  [{len(self._buttons)}] {pressed.get('text', '')}")
            self._button_message = rated["message_id"] if self._buttons else None
            rated["reply_markup"] = markup
            if lines:
                self._write("\n".join(lines) + "\n\n")
            return rated
        if method == "answerCallbackQuery":
            if params.get("text"):
                self._write(f"({params['text']})\n")
            return True
        if method == "answerInlineQuery":
            self._show_inline(params.get("results"))
            return True
        # setMyCommands, setMyDescription, deleteWebhook, sendChatAction…: nothing to show.
        return True

    async def _get_updates(self) -> list[dict[str, Any]]:
        while True:
            if self._interactive:
                self._write(PROMPT)
            line = await self._lines.readline()
            if line is None:
                if self._interactive:
                    self._write("\n")
                raise EOFError
            line = line.strip()
            if not line:
                continue
            if not self._interactive:
                self._write(f"> {line}\n")
            update = self._update_for(line)
            if update is not None:
                return [update]

    # Lines -> updates ---------------------------------------------------------------------

    def _update_for(self, line: str) -> dict[str, Any] | None:
        update: dict[str, Any] = {"update_id": next(self._update_ids)}
        if line.isdigit() and 1 <= int(line) <= len(self._buttons):
            pressed = self._buttons[int(line) - 1]
            if "url" in pressed:
                self._write(f"(opens {pressed['url']})\n\n")
                return None
            shown = self._messages.get(self._button_message or 0)
            update["callback_query"] = {
                "id": str(update["update_id"]),
                "from": self._user,
                "chat_instance": "twinbot-local",
                "data": pressed.get("callback_data", ""),
                **({"message": shown} if shown else {}),
            }
            return update
        username = f"@{BOT_USER['username']}"
        if line.lower().startswith(username.lower()):
            update["inline_query"] = {
                "id": str(update["update_id"]),
                "from": self._user,
                "query": line[len(username) :].strip(),
                "offset": "",
                "chat_type": "private",
            }
            return update
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat,
            "from": self._user,
            "text": line,
        }
        if line.startswith("/"):
            command = line.split()[0]
            message["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        update["message"] = message
        return update

    def _message(self, params: Mapping[str, object]) -> dict[str, Any]:
        message_id = next(self._message_ids)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat,
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        self._messages[message_id] = message
        return message

    # Output -------------------------------------------------------------------------------

    def _show(self, params: Mapping[str, object], message: dict[str, Any]) -> dict[str, Any]:
        text = terminal_text(str(params.get("text", "")), color=self._color)
        lines = [text.rstrip()]
        self._buttons = []
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        for row in rows:
            for pressed in row:
                self._buttons.append(pressed)
                lines.append(f"  [{len(self._buttons)}] {pressed.get('text', '')}")
        self._button_message = message["message_id"] if self._buttons else None
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        self._write("\n".join(lines) + "\n\n")
        return message

    def _show_inline(self, results: object) -> None:
        if not isinstance(results, list) or not results:
            self._write("(no inline results)\n\n")
            return
        lines = ["Inline results (what `@bot …` offers in any chat):"]
        for number, result in enumerate(results, 1):
            if isinstance(result, dict):
                lines.append(
                    f"  {number}. {result.get('title', '')} — {result.get('description', '')}"
                )
        self._write("\n".join(lines) + "\n\n")

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()


def _first_name() -> str:
    try:
        name = getpass.getuser()
    except Exception:  # no user name in containers without a passwd entry
        return "there"
    return name[:1].upper() + name[1:] if name else "there"


def run_chat(
    settings: Settings,
    knowledge: KnowledgeBase,
    *,
    stdin: TextIO,
    stdout: TextIO,
    lang: Lang | None = None,
    catalogs: Catalogs | None = None,
    admin: bool = False,
    responder: Responder | None = None,
) -> int:
    """Chat with the bot on *stdin*/*stdout* until EOF; returns the exit code.

    *responder*: one already built over *knowledge* (from the index cache), else one is
    built here.

    With *admin*, the person at the terminal is an admin (/reload, /unanswered, /stats, and
    the notices about reloads after file changes).
    """
    from twinbot.bot.app import chat_locally, make_services

    if admin:
        settings = replace(settings, admins=settings.admins | {USER_ID})
    interactive = stdin.isatty()
    if responder is None:
        from twinbot.assembly import build_responder, configured_encoder

        responder = build_responder(knowledge, catalogs or Catalogs.load(), configured_encoder())
    services = make_services(settings, responder)
    terminal = Terminal(
        stdin,
        stdout,
        language_code=lang or locale_language(),
        interactive=interactive,
        color=interactive and stdout.isatty() and "NO_COLOR" not in os.environ,
    )
    if interactive:
        stdout.write(
            "twinbot local chat — type a question or a /command; type a number to press that "
            "button; Ctrl-D to quit.\n\n"
        )
    try:
        asyncio.run(chat_locally(settings, services, terminal))
    finally:
        services.storage.close()
    return 0

"""Telegram HTML as text for a terminal: shared by `twinbot chat` and `twinbot ask`.

Small on purpose: `twinbot ask` imports it and must start fast.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import ClassVar


class _TerminalText(HTMLParser):
    """Telegram HTML to terminal text: tags dropped (or bold/italic in colour), links shown."""

    _STYLES: ClassVar[dict[str, str]] = {
        "b": "1",
        "strong": "1",
        "i": "3",
        "em": "3",
        "u": "4",
        "ins": "4",
        "code": "2",
    }

    def __init__(self, color: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._color = color
        self._parts: list[str] = []
        self._links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._links.append((dict(attrs).get("href") or "", len(self._parts)))
        elif self._color and tag in self._STYLES:
            self._parts.append(f"\033[{self._STYLES[tag]}m")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            href, start = self._links.pop()
            if href and "".join(self._parts[start:]).strip() != href:
                self._parts.append(f" ({href})")
        elif self._color and tag in self._STYLES:
            self._parts.append("\033[0m")

    def handle_data(self, data: str) -> None:
        self._parts.append(data)

    def text(self) -> str:
        return "".join(self._parts)


def terminal_text(telegram_html: str, *, color: bool = False) -> str:
    """*telegram_html* as it should read in a terminal."""
    parser = _TerminalText(color)
    try:
        parser.feed(telegram_html)
        parser.close()
    except Exception:  # malformed markup: show it rather than nothing
        return html.unescape(telegram_html)
    return parser.text()

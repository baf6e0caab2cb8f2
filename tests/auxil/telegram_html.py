"""A strict checker for the Telegram HTML the bot sends: known tags only, balanced, no bare `<`.

Telegram rejects a whole message ("can't parse entities") when one tag is unknown, unclosed or
misnested, so the tests check every text the bot sends with this.
"""

from __future__ import annotations

from html.parser import HTMLParser

#: The tags Telegram's HTML parse mode understands (https://core.telegram.org/bots/api).
TELEGRAM_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"unknown tag <{tag}>")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declaration")


def html_problems(text: str) -> list[str]:
    """Why Telegram would reject *text* in HTML parse mode; [] when it would accept it."""
    checker = _Checker()
    # A "<" that starts no tag is an error for Telegram, but html.parser keeps it as text.
    for position, char in enumerate(text):
        following = text[position + 1 : position + 2]
        if char == "<" and not (following.isalpha() or following == "/"):
            checker.problems.append(f"bare '<' at {position}")
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.problems.append(f"unclosed {checker.stack}")
    return checker.problems


def assert_telegram_html(text: str) -> None:
    problems = html_problems(text)
    assert problems == [], f"{problems} in {text[:200]!r}"

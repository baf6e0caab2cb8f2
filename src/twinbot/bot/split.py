"""Telegram HTML too long for one message, split into parts Telegram accepts.

Telegram takes at most 4096 characters per message *after entity parsing*: tags do not count,
`&amp;` counts as one character. The unit is the UTF-16 code unit — the unit Telegram measures
entity offsets in — so an emoji outside the Basic Multilingual Plane counts two. That is also
the safe choice: UTF-16 never counts fewer units than there are code points, so a part that
fits by this measure fits however the server counts.

`split_html` cuts only between characters of the text, never inside a tag or an entity, and
prefers, in this order: a paragraph break, a line break, the end of a sentence, a space, and
only then any character boundary (never inside a `<tg-emoji>` or before a combining mark).
Elements open at a cut are closed at the end of one part and reopened, with the same
attributes, at the start of the next, so every part is balanced HTML on its own and the parts'
texts joined are exactly the original text. Input is assumed to be valid Telegram HTML (what
`twinbot check` lets into the knowledge base); a stray `<` or `&` is treated as a character.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

#: Telegram's limit on one message, in UTF-16 code units after entity parsing.
MESSAGE_LIMIT = 4096

# A start or end tag; attribute values may be quoted and then contain anything but the quote.
_TAG = r"<(?P<end>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)(?:\s(?:[^<>\"']|\"[^\"]*\"|'[^']*')*)?>"
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_TOKEN = re.compile(rf"(?P<tag>{_TAG})|(?P<entity>{_ENTITY})|(?P<char>.)", re.DOTALL)
# Elements whose content must stay in one piece: a custom emoji is one picture.
_ATOMIC = frozenset({"tg-emoji"})
_SENTENCE_END = frozenset(".!?…")
_CLOSING = frozenset("\"'»”’)]")
# Characters that belong to the character before them: no cut right before one.
_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f"})

# Boundary ranks: the higher, the better a place to cut.
_PARAGRAPH, _LINE, _SENTENCE, _WORD, _ANY = 4, 3, 2, 1, 0


def utf16_len(text: str) -> int:
    """The length of *text* in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    #: The text this token stands for ("" for tags).
    text: str = ""
    #: For tags: the lower-case element name, and whether it is an end tag.
    name: str = ""
    end: bool = False

    @property
    def is_tag(self) -> bool:
        return bool(self.name)


def _tokens(markup: str) -> list[_Token]:
    tokens = []
    for found in _TOKEN.finditer(markup):
        raw = found.group(0)
        if found.group("tag"):
            tokens.append(_Token(raw, name=found.group("name").lower(), end=bool(found["end"])))
        elif found.group("entity"):
            tokens.append(_Token(raw, html.unescape(raw)))
        else:
            tokens.append(_Token(raw, raw))
    return tokens


def text_content(markup: str) -> str:
    """What Telegram shows of *markup*: the text without tags, entities decoded."""
    return "".join(token.text for token in _tokens(markup))


@dataclass(frozen=True, slots=True)
class _Cut:
    #: Cut before this token.
    index: int
    #: Text length (UTF-16) before the cut.
    offset: int
    rank: int


def _rank(previous: str, current: str, following: str) -> int:
    """How good a cut after *current* is; *previous* is the text before it."""
    if following and (unicodedata.combining(following[0]) or following[0] in _JOINERS):
        return -1
    if current == "\n" and following != "\n":
        return _PARAGRAPH if previous.endswith("\n") else _LINE
    if current.isspace() and following and not following.isspace():
        tail = previous.rstrip()
        while tail and tail[-1] in _CLOSING:
            tail = tail[:-1]
        return _SENTENCE if tail and tail[-1] in _SENTENCE_END else _WORD
    return _ANY


def _cuts(tokens: list[_Token]) -> list[_Cut]:
    """Every place the text may be cut, in order; end tags stay with the text they close."""
    texts = [(i, t.text) for i, t in enumerate(tokens) if not t.is_tag]
    cuts: list[_Cut] = []
    atomic_depth = [0] * len(tokens)
    depth = 0
    for i, token in enumerate(tokens):
        if token.is_tag and token.name in _ATOMIC:
            depth = max(0, depth - 1) if token.end else depth + 1
        atomic_depth[i] = depth
    offset = 0
    seen: list[str] = []
    for position, (i, text) in enumerate(texts):
        offset += utf16_len(text)
        following = texts[position + 1][1] if position + 1 < len(texts) else ""
        if not following:
            break  # after the last character there is nothing to cut off
        rank = _rank("".join(seen[-3:]), text, following)
        seen.append(text)
        index = i + 1
        while index < len(tokens) and tokens[index].is_tag and tokens[index].end:
            index += 1
        if atomic_depth[index - 1]:
            continue
        cuts.append(_Cut(index, offset, rank))
    return cuts


def _choose(cuts: list[_Cut], start: int, limit: int) -> _Cut | None:
    """The best cut that leaves at most *limit* units after *start*."""
    window = [c for c in cuts if start < c.offset <= start + limit]
    if not window:
        return None
    # A good boundary in the second half beats a better one that leaves a tiny part.
    late = [c for c in window if c.offset - start >= limit // 2 and c.rank >= 0]
    pool = late or [c for c in window if c.rank >= 0] or window
    best = max(c.rank for c in pool)
    return [c for c in pool if c.rank == best][-1]


def _open_after(tokens: list[_Token], stop: int, stack: list[_Token]) -> list[_Token]:
    """The open-element stack after tokens[:stop], given the stack before them."""
    for token in tokens[:stop]:
        if not token.is_tag:
            continue
        if not token.end:
            stack = [*stack, token]
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth].name == token.name:
                stack = stack[:depth]
                break
    return stack


def split_html(markup: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """*markup* as one or more balanced parts of at most *limit* characters each.

    Returns `[markup]` unchanged when it fits.
    """
    if limit < 2:
        raise ValueError("limit must leave room for at least one character of any kind")
    tokens = _tokens(markup)
    total = sum(utf16_len(t.text) for t in tokens)
    if total <= limit:
        return [markup]
    cuts = _cuts(tokens)
    parts: list[str] = []
    start_index, start_offset = 0, 0
    stack: list[_Token] = []
    while total - start_offset > limit:
        cut = _choose(cuts, start_offset, limit)
        if cut is None:  # one indivisible piece longer than the limit: send it as it is
            break
        end_stack = _open_after(tokens[start_index:], cut.index - start_index, stack)
        body = "".join(t.raw for t in tokens[start_index : cut.index])
        closing = "".join(f"</{t.name}>" for t in reversed(end_stack))
        parts.append("".join(t.raw for t in stack) + body + closing)
        start_index, start_offset, stack = cut.index, cut.offset, end_stack
    parts.append("".join(t.raw for t in stack) + "".join(t.raw for t in tokens[start_index:]))
    return parts


def truncate_html(markup: str, limit: int = MESSAGE_LIMIT) -> str:
    """*markup* cut at a good boundary to fit one message, with "…" where it was cut."""
    if utf16_len(text_content(markup)) <= limit:
        return markup
    return split_html(markup, limit - 1)[0] + "…"

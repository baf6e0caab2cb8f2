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
from bisect import bisect_right
from dataclasses import dataclass

#: Telegram's limit on one message, in UTF-16 code units after entity parsing.
MESSAGE_LIMIT = 4096

# A start or end tag; attribute values may be quoted and then contain anything but the quote.
_TAG = r"<(?P<end>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)(?:\s(?:[^<>\"']|\"[^\"]*\"|'[^']*')*)?>"
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_TOKEN = re.compile(rf"(?P<tag>{_TAG})|(?P<entity>{_ENTITY})|(?P<run>[^<&]+)|.", re.DOTALL)
# Elements whose content must stay in one piece: a custom emoji is one picture.
_ATOMIC = frozenset({"tg-emoji"})
_SENTENCE_END = frozenset(".!?…")
_CLOSING = frozenset("\"'»”’)]")
# Characters that belong to the character before them: no cut right before one.
_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f"})

# Boundary ranks: the higher, the better a place to cut.
_PARAGRAPH, _LINE, _SENTENCE, _WORD, _ANY, _POOR = 4, 3, 2, 1, 0, -1


def utf16_len(text: str) -> int:
    """The length of *text* in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(slots=True)
class _Tokens:
    """*markup* as a flat list: one item per tag, entity or character of text."""

    raw: list[str]
    #: What each item shows: "" for tags, the decoded character(s) otherwise.
    text: list[str]
    #: For the tags: their index -> (lower-case name, is an end tag).
    tags: dict[int, tuple[str, bool]]


def _tokens(markup: str) -> _Tokens:
    raw: list[str] = []
    text: list[str] = []
    tags: dict[int, tuple[str, bool]] = {}
    for found in _TOKEN.finditer(markup):
        kind, value = found.lastgroup, found.group(0)
        if kind == "run":
            raw.extend(value)
            text.extend(value)
            continue
        if kind == "tag":
            tags[len(raw)] = (found.group("name").lower(), bool(found.group("end")))
            text.append("")
        else:  # an entity, or a stray "<" or "&"
            text.append(html.unescape(value) if kind == "entity" else value)
        raw.append(value)
    return _Tokens(raw, text, tags)


def text_content(markup: str) -> str:
    """What Telegram shows of *markup*: the text without tags, entities decoded."""
    return "".join(_tokens(markup).text)


@dataclass(slots=True)
class _Cuts:
    """Every place the text may be cut, in order (parallel lists)."""

    #: Cut before this token …
    index: list[int]
    #: … after this many UTF-16 units of text …
    offset: list[int]
    #: … and this is how good a place it is.
    rank: list[int]


def _units(text: str) -> int:
    if len(text) == 1:
        return 2 if text > "\uffff" else 1
    return utf16_len(text)


def _rank(text: list[str], characters: list[int], position: int) -> int:
    """How good a cut after the character at *position* (of the text's characters) is."""
    current = text[characters[position]]
    following = text[characters[position + 1]]
    if unicodedata.combining(following[0]) or following[0] in _JOINERS:
        return _POOR
    if current == "\n" and following != "\n":
        before = text[characters[position - 1]] if position else ""
        return _PARAGRAPH if before == "\n" else _LINE
    if current.isspace() and not following.isspace():
        tail = "".join(text[i] for i in characters[max(0, position - 4) : position]).rstrip()
        while tail and tail[-1] in _CLOSING:
            tail = tail[:-1]
        return _SENTENCE if tail and tail[-1] in _SENTENCE_END else _WORD
    return _ANY


def _cuts(tokens: _Tokens) -> _Cuts:
    """Every place the text may be cut; end tags stay with the text they close."""
    raw, text, tags = tokens.raw, tokens.text, tokens.tags
    # Where an atomic element is open, nothing may be cut.
    inside = [False] * len(raw)
    depth = 0
    for index in range(len(raw)):
        tag = tags.get(index)
        if tag is not None and tag[0] in _ATOMIC:
            depth = max(0, depth - 1) if tag[1] else depth + 1
        inside[index] = depth > 0
    characters = [i for i in range(len(raw)) if i not in tags and text[i]]
    cuts = _Cuts([], [], [])
    offset = 0
    for position in range(len(characters) - 1):
        offset += _units(text[characters[position]])
        index = characters[position] + 1
        while index in tags and tags[index][1]:  # end tags stay with the text before the cut
            index += 1
        if inside[index - 1]:
            continue
        cuts.index.append(index)
        cuts.offset.append(offset)
        cuts.rank.append(_rank(text, characters, position))
    return cuts


def _choose(cuts: _Cuts, start: int, limit: int) -> int | None:
    """The best cut (its number) that leaves at most *limit* units after *start*."""
    lo = bisect_right(cuts.offset, start)
    hi = bisect_right(cuts.offset, start + limit)
    if lo == hi:
        return None
    window = range(lo, hi)
    # A good boundary in the second half beats a better one that leaves a tiny part.
    late = [c for c in window if cuts.offset[c] - start >= limit // 2 and cuts.rank[c] > _POOR]
    pool = late or [c for c in window if cuts.rank[c] > _POOR] or list(window)
    best = max(cuts.rank[c] for c in pool)
    return [c for c in pool if cuts.rank[c] == best][-1]


def _open_after(tokens: _Tokens, start: int, stop: int, stack: list[int]) -> list[int]:
    """The open elements (indexes of their start tags) after tokens[start:stop]."""
    for index in range(start, stop):
        tag = tokens.tags.get(index)
        if tag is None:
            continue
        name, end = tag
        if not end:
            stack = [*stack, index]
            continue
        for depth in range(len(stack) - 1, -1, -1):
            if tokens.tags[stack[depth]][0] == name:
                stack = stack[:depth]
                break
    return stack


def split_html(markup: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """*markup* as one or more balanced parts of at most *limit* characters each.

    Returns `[markup]` unchanged when it fits.
    """
    if limit < 2:
        raise ValueError("limit must leave room for at least one character of any kind")
    if utf16_len(markup) <= limit:
        return [markup]  # the text without tags and entities can only be shorter
    tokens = _tokens(markup)
    total = utf16_len("".join(tokens.text))
    if total <= limit:
        return [markup]
    cuts = _cuts(tokens)
    raw = tokens.raw
    parts: list[str] = []
    start_index, start_offset = 0, 0
    stack: list[int] = []
    while total - start_offset > limit:
        cut = _choose(cuts, start_offset, limit)
        if cut is None:  # one indivisible piece longer than the limit: send it as it is
            break
        index = cuts.index[cut]
        end_stack = _open_after(tokens, start_index, index, stack)
        reopen = "".join(raw[i] for i in stack)
        close = "".join(f"</{tokens.tags[i][0]}>" for i in reversed(end_stack))
        parts.append(reopen + "".join(raw[start_index:index]) + close)
        start_index, start_offset, stack = index, cuts.offset[cut], end_stack
    parts.append("".join(raw[i] for i in stack) + "".join(raw[start_index:]))
    return parts


def truncate_html(markup: str, limit: int = MESSAGE_LIMIT) -> str:
    """*markup* cut at a good boundary to fit one message, with "…" where it was cut."""
    if utf16_len(markup) <= limit or utf16_len(text_content(markup)) <= limit:
        return markup
    return split_html(markup, limit - 1)[0] + "…"

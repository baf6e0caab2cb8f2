"""Splitting long Telegram HTML: parts fit, join back to the same text, and stay balanced."""

from __future__ import annotations

import html

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from auxil.telegram_html import assert_telegram_html
from twinbot.bot.split import MESSAGE_LIMIT, split_html, text_content, truncate_html, utf16_len

# --- generated Telegram HTML -------------------------------------------------------------------

_ELEMENTS = [
    ("<b>", "</b>"),
    ("<i>", "</i>"),
    ("<u>", "</u>"),
    ("<s>", "</s>"),
    ("<code>", "</code>"),
    ("<tg-spoiler>", "</tg-spoiler>"),
    ('<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">', "</a>"),
    ("<a href='https://example.org/x>y'>", "</a>"),
    ('<pre><code class="language-python">', "</code></pre>"),
    ("<blockquote expandable>", "</blockquote>"),
]
_TEXT = st.text(
    # sentence ends, paragraphs, quotes, markup characters, Cyrillic, an emoji outside the BMP
    # (two UTF-16 units), a combining accent, a zero-width space, a ZWJ, a skin-tone modifier
    alphabet=st.sampled_from(
        [*"ab xy.!?\n\n—«»\"'&<>Пр", "😀", "\u0301", "\u200b", "\u200d", "🏽"]
    ),
    max_size=40,
)


@st.composite
def telegram_html(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """Markup and the text Telegram shows for it."""
    pieces = draw(st.lists(st.integers(0, 2 if depth < 3 else 0), min_size=1, max_size=4))
    markup, text = [], []
    for kind in pieces:
        if kind == 0:
            plain = draw(_TEXT)
            markup.append(html.escape(plain, quote=False))
            text.append(plain)
        elif kind == 1:
            emoji = '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
            markup.append(emoji)
            text.append("👍")
        else:
            start, end = draw(st.sampled_from(_ELEMENTS))
            inner_markup, inner_text = draw(telegram_html(depth + 1))
            markup.append(start + inner_markup + end)
            text.append(inner_text)
    return "".join(markup), "".join(text)


# --- properties --------------------------------------------------------------------------------


# No deadline: a slow moment on a busy machine is not a failure of the splitter.
@settings(max_examples=200, deadline=None)
@given(st.lists(telegram_html(), min_size=1, max_size=5), st.integers(2, 120))
@example([("<b>a</b>" * 3, "aaa")], 2)
def test_parts_fit_join_back_and_are_balanced(documents: list[tuple[str, str]], limit: int) -> None:
    markup = "".join(m for m, _ in documents)
    text = "".join(t for _, t in documents)
    assert text_content(markup) == text
    parts = split_html(markup, limit)
    assert "".join(text_content(part) for part in parts) == text
    for part in parts:
        assert utf16_len(text_content(part)) <= limit, part
        assert_telegram_html(part)
    if utf16_len(text) <= limit:
        assert parts == [markup]
    else:
        assert all(text_content(part) for part in parts)


@settings(deadline=None)
@given(st.text(max_size=300), st.integers(2, 50))
def test_arbitrary_text_never_raises_and_keeps_every_character(text: str, limit: int) -> None:
    parts = split_html(text, limit)
    assert "".join(text_content(p) for p in parts) == text_content(text)


@settings(deadline=None)
@given(telegram_html(), st.integers(3, 60))
def test_truncation_fits_and_stays_balanced(document: tuple[str, str], limit: int) -> None:
    markup, text = document
    cut = truncate_html(markup, limit)
    assert utf16_len(text_content(cut)) <= limit
    assert_telegram_html(cut)
    if utf16_len(text) <= limit:
        assert cut == markup
    else:
        assert cut.endswith("…")
        assert text.startswith(text_content(cut)[:-1])


# --- where it cuts -----------------------------------------------------------------------------


def test_short_messages_are_left_alone() -> None:
    markup = "<b>" + "x" * (MESSAGE_LIMIT - 1) + "&amp;</b>"
    assert split_html(markup) == [markup]


def test_counts_utf16_units_after_entity_parsing() -> None:
    assert utf16_len("😀") == 2
    assert utf16_len("ё") == 1
    # 2048 emoji are 4096 units: one message; one more character is two.
    assert len(split_html("😀" * 2048)) == 1
    assert len(split_html("😀" * 2048 + "a")) == 2
    # Tags and entities are free: this is 4096 characters of text.
    assert len(split_html("<b>" + "&lt;" * 4096 + "</b>")) == 1


@pytest.mark.parametrize(
    ("markup", "limit", "expected"),
    [
        # a paragraph break beats a line break, a sentence end beats a space
        ("One two.\nThree\n\nFour five six.", 20, ["One two.\nThree\n\n", "Four five six."]),
        ("One two three. Four five six", 20, ["One two three. ", "Four five six"]),
        ("Eins zwei drei vier fünf", 16, ["Eins zwei drei ", "vier fünf"]),
        ("«Да, конечно!» Нет, конечно нет", 18, ["«Да, конечно!» ", "Нет, конечно нет"]),
        # …unless the better boundary would leave a part less than half full
        ("One. Two three four five", 12, ["One. Two ", "three four ", "five"]),
        # no boundary at all: a hard cut, but never before a combining accent
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("abce\u0301fgh", 4, ["abc", "e\u0301fg", "h"]),
    ],
)
def test_prefers_paragraphs_then_lines_sentences_and_words(
    markup: str, limit: int, expected: list[str]
) -> None:
    assert split_html(markup, limit) == expected


def test_open_elements_are_closed_and_reopened_with_their_attributes() -> None:
    markup = '<b>Bold <a href="https://x.org/?q=1&amp;r=2">a link. With more</a> text</b>'
    parts = split_html(markup, 20)
    assert parts == [
        '<b>Bold <a href="https://x.org/?q=1&amp;r=2">a link. </a></b>',
        '<b><a href="https://x.org/?q=1&amp;r=2">With more</a> text</b>',
    ]


def test_never_cuts_inside_a_tag_an_entity_or_a_custom_emoji() -> None:
    markup = "ab&amp;&#128512;" + '<tg-emoji emoji-id="1">🎉🎉</tg-emoji>' + "cd"
    parts = split_html(markup, 4)
    assert parts == ["ab&amp;", "&#128512;", '<tg-emoji emoji-id="1">🎉🎉</tg-emoji>', "cd"]


def test_end_tags_stay_with_the_text_they_close() -> None:
    parts = split_html("<i>First sentence.</i> <b>Second one here.</b>", 20)
    assert parts == ["<i>First sentence.</i> ", "<b>Second one here.</b>"]


def test_a_long_answer_splits_into_few_full_parts() -> None:
    paragraph = "<b>Karlsruhe</b> und Krasnodar sind seit 1992 Partnerstädte. " * 30
    markup = "\n\n".join([paragraph] * 5)
    parts = split_html(markup)
    assert len(parts) == 3
    assert all(utf16_len(text_content(p)) > MESSAGE_LIMIT // 2 for p in parts[:-1])
    assert all(text_content(p).endswith("\n\n") for p in parts[:-1])


def test_truncate_marks_the_cut() -> None:
    cut = truncate_html("<b>" + "word " * 2000 + "</b>")
    assert cut.endswith("</b>…")
    assert utf16_len(text_content(cut)) <= MESSAGE_LIMIT

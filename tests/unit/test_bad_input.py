"""Bad input for the matcher, the responder and `twinbot ask`: anything a busy conference chat
can produce is answered, in valid Telegram HTML, without an exception.

`test_matching_needs_bounded_memory_for_any_message` guards against a long unknown word
costing memory and time quadratic in its length (typo repair, transliteration and compound
splitting now skip words longer than any real word).
"""

from __future__ import annotations

import io
import json
import tracemalloc
from functools import cache

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from auxil.telegram_html import assert_telegram_html
from twinbot.assembly import build_responder
from twinbot.bot.split import text_content
from twinbot.calibration import Outcome
from twinbot.cli import _plain_reply, main
from twinbot.i18n import Catalogs
from twinbot.knowledge import LANGS, KnowledgeBase
from twinbot.paths import bundled_knowledge_dir
from twinbot.responder import Responder
from twinbot.textnorm import MAX_MATCH_CHARS
from twinbot.validate import load_valid_knowledge

#: Messages the issue names, and a few more of the same kind.
NASTY = [
    "",
    " ",
    "\t\n \u3000",
    "a" * 10_000,
    "Städtepartnerschaft " * 600,
    "\x00\x01\x07\x1b[31mred\x1b[0m\x7f",
    "\u200b\u200c\u200d\ufeff",
    "\u202eKarlsruhe\u202c \u2066Moskau\u2069 \u200fиврит\u200e",
    "e\u0301" * 50 + "Z\u0351\u0352\u0357\u0358" * 30,
    "😀🎉👍🏽👨‍👩‍👧‍👦🇩🇪🇷🇺",
    "Когда Konferenz in Karlsruhe? When?",
    "<b>bold</b> </a> <script>alert(1)</script> & &amp; &lt; &#0; &#x110000;",
    "*bold* _italic_ `code` ```pre``` ~strike~ ||spoiler|| [link](http://x)",
    "/start@otherbot",
    "/",
    "//",
    "/start " + "x" * 300,
    "@twinbot_test_bot",
    "\ud7ff\ue000\uffff\U0010ffff",
    "ﬁ ﬀ Ⅻ ① ｔｅｓｔ",  # compatibility forms NFKC folds
    "1969 1992 2015 27.06.2015",
    "?" * 500,
    "Ё" * 600,
]

# Any text Telegram could deliver: every code point but surrogates, long and short.
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
LETTERS = "abcdefghijklmnopqrstuvwxyzäöüßабвгдеёжзийклмнопрстуфхцчшщъыьэюя"


@cache
def shipped() -> KnowledgeBase:
    return load_valid_knowledge(bundled_knowledge_dir())


@cache
def responder() -> Responder:
    return build_responder(shipped(), Catalogs.load(), None)


# --- the matcher and the responder ---------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.sampled_from(NASTY), ANY_TEXT), st.sampled_from([None, *LANGS]))
def test_any_text_gets_a_reply_in_valid_html(text: str, hint: str | None) -> None:
    reply, match = responder().explain(text, hint)  # type: ignore[arg-type]
    assert reply.lang in LANGS
    assert reply.text.strip()
    assert_telegram_html(reply.text)
    assert all(0 <= c.score <= 100 for c in match.candidates)
    if reply.outcome is Outcome.ANSWER:
        assert reply.entry_id is not None
    # what `ask` prints, in both forms
    json.dumps(reply.to_json(), ensure_ascii=False)
    assert _plain_reply(reply, match)
    # the user's own text never comes back unescaped
    if "<" in text and len(text.strip()) > 3:
        assert text.strip() not in reply.text


@settings(max_examples=60, deadline=None)
@given(ANY_TEXT)
def test_matching_is_deterministic_and_cut_to_the_limit(text: str) -> None:
    matcher = responder()
    first = matcher.understand(text)
    assert matcher.understand(text) == first
    # Whatever follows the first MAX_MATCH_CHARS characters changes nothing.
    long = text + " " + "Konferenz Karlsruhe Jugendaustausch " * 40
    if len(text) >= MAX_MATCH_CHARS:
        assert matcher.understand(long) == matcher.understand(text)


# A long unknown "word" (no spaces, letters the knowledge base has) is the expensive case.
LONG_WORDS = st.text(st.sampled_from(LETTERS), min_size=200, max_size=MAX_MATCH_CHARS)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LONG_WORDS)
@example("сеадицзухпцхшзз" * 34)
def test_matching_needs_bounded_memory_for_any_message(word: str) -> None:
    # Memory, not time: an allocation peak is the same on a quiet and a busy machine. Real
    # questions of the full 500 characters peak at about 0.1 MB.
    matcher = responder()
    matcher.understand(word)  # warm every cache first
    tracemalloc.start()
    try:
        matcher.understand(word)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000, f"{peak / 1e6:.0f} MB to match a {len(word)}-letter word"


def test_real_questions_need_little_memory() -> None:
    """The baseline for the bound above: the longest shipped questions, joined to 500 chars."""
    questions = [q for e in shipped() for qs in e.questions.values() for q in qs]
    long_text = " ".join(questions)[:MAX_MATCH_CHARS]
    matcher = responder()
    matcher.understand(long_text)
    tracemalloc.start()
    try:
        matcher.understand(long_text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000


# --- twinbot ask ---------------------------------------------------------------------------------


def test_ask_answers_every_line_of_a_nasty_batch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [n.replace("\n", " ").replace("\r", " ") for n in NASTY]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["ask", "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(lines)
    for line in out:
        record = json.loads(line)
        assert record["lang"] in LANGS
        assert_telegram_html(record["answer"])
        assert text_content(record["answer"]).strip()


@pytest.mark.parametrize(
    "question",
    ["", "<b>", "/start@otherbot", "\u202e\u200b", "😀" * 100],
    ids=["empty", "tag", "other-bot", "bidi", "emoji"],
)
def test_ask_single_nasty_question(capsys: pytest.CaptureFixture[str], question: str) -> None:
    assert main(["ask", "--explain", question]) == 0
    out = capsys.readouterr().out
    assert "-- outcome:" in out

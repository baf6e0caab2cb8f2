"""`twinbot links`: deep links and QR codes for posters, with captured stdio; the username
from --bot or from the fake Bot API's getMe; and the links open what they say in the bot."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auxil.bot_harness import message, only, running_bot
from auxil.fake_bot_api import BOT, TOKEN, FakeBotApi
from twinbot.cli import main
from twinbot.paths import bundled_knowledge_dir
from twinbot.validate import load_valid_knowledge

SHIPPED = load_valid_knowledge(bundled_knowledge_dir())


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWINBOT_TOKEN", "TWINBOT_API_URL", "TWINBOT_KNOWLEDGE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["links", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_lists_one_link_per_entry_and_topic_with_its_questions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--bot", "@TwinBot")
    assert code == 0
    assert out.startswith(
        "https://t.me/TwinBot?start=conference-when-where  (conference-when-where)\n"
        "  en: When and where was the conference?\n"
        "  de: Wann und wo war die Konferenz?\n"
        "  ru: Когда и где проходила конференция?\n"
    )
    assert "https://t.me/TwinBot?start=topic-workshops  (topic workshops)\n  en: " in out
    # Small talk gets no poster.
    assert "start=greeting" not in out and "topic-bot" not in out


def test_csv_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--bot", "twinbot_bot", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    browsable = SHIPPED.browsable_entries
    assert len(rows) == len(browsable) + len(SHIPPED.browsable_topics)
    assert rows[0]["url"] == f"https://t.me/twinbot_bot?start={browsable[0].id}"
    assert rows[-1]["kind"] == "topic"
    _, out, _ = run(capsys, "--bot", "twinbot_bot", "--format", "json")
    links = json.loads(out)
    assert links[0]["payload"] == browsable[0].id
    assert set(links[0]["text"]) == {"en", "de", "ru"}


def test_qr_codes_as_png_and_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--bot", "twinbot_bot", "--qr", str(tmp_path / "qr"))
    assert code == 0
    count = len(SHIPPED.browsable_entries) + len(SHIPPED.browsable_topics)
    assert f"wrote {2 * count} QR code files" in err
    png = (tmp_path / "qr" / "conference-when-where.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = (tmp_path / "qr" / "topic-workshops.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg


def test_without_bot_or_token_it_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 1
    assert out == ""
    assert "pass --bot USERNAME" in err and "TWINBOT_TOKEN" in err
    code, _, err = run(capsys, "--bot", "no spaces")
    assert code == 2
    assert "not a Telegram username" in err


def test_the_username_comes_from_get_me_when_a_token_is_set(
    capsys: pytest.CaptureFixture[str], api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWINBOT_TOKEN", TOKEN)
    monkeypatch.setenv("TWINBOT_API_URL", api.base_url)
    code, out, _ = run(capsys, "--format", "json")
    assert code == 0
    assert json.loads(out)[0]["url"].startswith(f"https://t.me/{BOT['username']}?start=")
    assert [c.method for c in api.calls] == ["getMe"]


async def test_every_link_opens_what_it_says(api: FakeBotApi, tmp_path: Path) -> None:
    from twinbot.links import deep_links

    links, skipped = deep_links(SHIPPED, "twinbot_bot")
    assert skipped == []
    picked = [links[0], links[-1]]  # an entry and a topic; all share one code path
    async with running_bot(api, SHIPPED, tmp_path) as bot:
        for link in picked:
            calls = await bot.process(message=message(f"/start {link.payload.upper()}", lang="de"))
            text = only(calls, "sendMessage").params["text"]
            entry = SHIPPED.entry(link.id)
            if link.kind == "entry" and entry is not None:
                assert text == entry.answer["de"]
            else:
                assert text.startswith(f"<b>{link.texts['de']}</b>")


def test_links_that_cannot_work_are_named_not_printed() -> None:
    from twinbot.knowledge import Entry, KnowledgeBase, Topic
    from twinbot.links import deep_links

    clash = Entry("topic-a", "a", {"en": ("Q?",)}, {"en": "A"})
    long_id = "x" * 60
    knowledge = KnowledgeBase(
        (Topic("a", {"en": "A"}, ("topic-a",)), Topic(long_id, {"en": "L"}, ())), (clash,)
    )
    links, skipped = deep_links(knowledge, "twinbot_bot")
    assert [link.payload for link in links] == ["topic-a"]
    assert links[0].kind == "entry"
    assert len(skipped) == 2
    assert skipped[0].startswith('topic "a": its link "topic-a" would open the entry')
    assert "longer than the 64 characters" in skipped[1]

"""Organisers against the real Application and a fake Bot API: admin-only commands, the admin
menu, hot reload on real file edits (valid, broken, fixed) while the bot keeps answering, and
the question log's reports across restarts."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auxil.bot_harness import GROUP, callback, message, only, running_bot, wait_until
from auxil.fake_bot_api import Call, FakeBotApi
from auxil.knowledge_folder import (
    BROKEN,
    BROKEN_LINE,
    DATES_QUESTION,
    PARKING_ANSWER,
    PARKING_QUESTION,
    add_parking,
    write_folder,
)
from auxil.sample_knowledge import sample_knowledge
from twinbot import reloader as reloader_module
from twinbot.cli import main
from twinbot.validate import load_valid_knowledge

ADMIN, OTHER = 42, 43
ADMINS = frozenset({ADMIN, 44})
KB = sample_knowledge()


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "knowledge")


def texts(calls: list[Call]) -> list[str]:
    return [str(c.params.get("text", "")) for c in calls if c.method == "sendMessage"]


def sent_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [
        str(c.params["text"])
        for c in api.calls_to("sendMessage")
        if c.params.get("chat_id") == str(chat_id)
    ]


def notices(api: FakeBotApi, chat_id: int) -> list[str]:
    """The reload notices an admin received."""
    return [t for t in sent_to(api, chat_id) if t[:1] in {"✅", "❌"}]


def watching(folder: Path, **changes: Any) -> dict[str, Any]:
    """Settings for a bot serving *folder* and watching it."""
    return {
        "knowledge_dir": folder,
        "reload": "auto",
        "reload_interval": 0.2,
        "admins": ADMINS,
        **changes,
    }


async def ask(bot: Any, text: str, lang: str = "en", user_id: int = OTHER) -> str:
    calls = await bot.process(message=message(text, lang=lang, user_id=user_id))
    return str(only(calls, "sendMessage").params["text"])


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/reload", "/unanswered", "/stats", "/stats 30"])
async def test_others_get_the_unknown_command_reply(
    api: FakeBotApi, tmp_path: Path, command: str
) -> None:
    async with running_bot(api, KB, tmp_path, admins=ADMINS) as bot:
        unknown = await bot.process(message=message("/nonsense", lang="de", user_id=OTHER))
        admin_only = await bot.process(message=message(command, lang="de", user_id=OTHER))
        in_group = await bot.process(message=message(command, chat=GROUP, user_id=ADMIN))
    # The same reply as for any unknown command, naming the command that was sent.
    assert texts(admin_only) == [texts(unknown)[0].replace("/nonsense", command.split()[0])]
    assert texts(unknown)[0].startswith("Den Befehl /nonsense kenne ich nicht.")
    assert "So funktioniert twinbot" in texts(unknown)[0]
    assert in_group == []  # not even admins: a group would see the report


async def test_without_admins_nobody_is_one(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path) as bot:
        calls = await bot.process(message=message("/stats", user_id=ADMIN))
    assert "How to use twinbot" in texts(calls)[0]
    scoped = [c for c in api.calls_to("setMyCommands") if c.params.get("scope")]
    assert scoped == []


async def test_admin_menu_is_set_per_admin_and_language(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path, admins=ADMINS):
        pass
    everyone: dict[str | None, list[str]] = {}
    scoped: dict[tuple[int, str | None], list[dict[str, str]]] = {}
    for call in api.calls_to("setMyCommands"):
        names = call.params["commands"]
        scope = call.params.get("scope")
        if scope is None:
            everyone[call.params.get("language_code")] = [c["command"] for c in names]
        else:
            assert scope["type"] == "chat"
            scoped[(int(scope["chat_id"]), call.params.get("language_code"))] = names
    assert set(scoped) == {(a, code) for a in ADMINS for code in (None, "en", "de", "ru")}
    assert all("reload" not in names for names in everyone.values())
    german = {c["command"]: c["description"] for c in scoped[(ADMIN, "de")]}
    assert list(german)[-3:] == ["reload", "unanswered", "stats"]
    assert german["topics"] == "Alle Themen ansehen"
    assert german["reload"] == "Wissensbasis neu laden"


async def test_a_failed_admin_menu_is_retried_when_the_admin_writes(
    api: FakeBotApi, tmp_path: Path
) -> None:
    api.fail("setMyCommands", 400, "Bad Request: chat not found", times=2)
    async with running_bot(api, KB, tmp_path, admins=frozenset({ADMIN})) as bot:
        api.clear()
        await bot.process(message=message("/help", user_id=ADMIN))
        await wait_until(lambda: len(api.calls_to("setMyCommands")) == 4)
    scopes = [c.params["scope"] for c in api.calls_to("setMyCommands")]
    assert scopes == [{"type": "chat", "chat_id": ADMIN}] * 4


# --- hot reload ------------------------------------------------------------------------------


async def test_file_edits_go_live_and_a_broken_edit_changes_nothing(
    api: FakeBotApi, folder: Path, tmp_path: Path
) -> None:
    knowledge = load_valid_knowledge(folder)
    async with running_bot(api, knowledge, tmp_path / "data", **watching(folder)) as bot:
        await bot.process(message=message("/help", lang="de", user_id=ADMIN))
        assert PARKING_ANSWER not in await ask(bot, PARKING_QUESTION)

        # A valid edit: every admin hears of it, and the next question gets the new answer.
        add_parking(folder)
        await wait_until(lambda: len(notices(api, 44)) == 1, 10)
        assert notices(api, 44)[0].startswith("✅ Knowledge base reloaded from <code>")
        assert notices(api, ADMIN)[0].startswith("✅ Wissensbasis neu geladen aus <code>")
        assert "3 Antworten, 2 Themen." in notices(api, ADMIN)[0]
        assert await ask(bot, PARKING_QUESTION) == PARKING_ANSWER

        # A broken edit: the admins get file:line, the bot keeps the last good version.
        add_parking(folder, BROKEN)
        await wait_until(lambda: len(notices(api, 44)) == 2, 10)
        notice = notices(api, 44)[1]
        assert notice.startswith("❌ The knowledge base in <code>")
        assert f"<pre>{BROKEN_LINE} entry" in notice
        assert html.escape("unsupported tag <p>") in notice
        assert str(folder) + "/conference.yaml" not in notice  # relative to the folder
        assert "nicht neu geladen: 1 Fehler" in notices(api, ADMIN)[1]
        assert await ask(bot, PARKING_QUESTION) == PARKING_ANSWER
        assert (await ask(bot, DATES_QUESTION)).startswith("The conference takes place")

        # Fixed: back to normal.
        add_parking(folder)
        await wait_until(lambda: len(notices(api, 44)) == 3, 10)
        assert notices(api, 44)[2].startswith("✅")
        assert await ask(bot, PARKING_QUESTION) == PARKING_ANSWER
    assert sent_to(api, OTHER) and all("Knowledge base" not in t for t in sent_to(api, OTHER))


async def test_reload_command_answers_the_admin(
    api: FakeBotApi, folder: Path, tmp_path: Path
) -> None:
    knowledge = load_valid_knowledge(folder)
    settings = watching(folder, reload="off")
    async with running_bot(api, knowledge, tmp_path / "data", **settings) as bot:
        add_parking(folder, BROKEN)
        await bot.process(message=message("/reload", lang="ru", user_id=ADMIN))
        await wait_until(lambda: len(sent_to(api, ADMIN)) == 1)
        failed = sent_to(api, ADMIN)[0]
        assert "не загружена заново: 1 ошибка" in failed
        assert BROKEN_LINE in failed
        assert PARKING_ANSWER not in await ask(bot, PARKING_QUESTION)

        add_parking(folder)
        await bot.process(message=message("/reload", lang="en", user_id=ADMIN))
        await wait_until(lambda: len(sent_to(api, ADMIN)) == 2)
        assert "3 answers, 2 topics." in sent_to(api, ADMIN)[1]
        assert await ask(bot, PARKING_QUESTION) == PARKING_ANSWER
        assert sent_to(api, 44) == []  # /reload answers only the one who asked


async def test_questions_are_answered_while_a_reload_builds(
    api: FakeBotApi, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_check = reloader_module.check_knowledge

    def slow_check(directory: Path, *, strict: bool = False) -> Any:
        time.sleep(1.0)  # in the worker thread: a large knowledge base
        return real_check(directory, strict=strict)

    monkeypatch.setattr(reloader_module, "check_knowledge", slow_check)
    knowledge = load_valid_knowledge(folder)
    settings = watching(folder, reload="off")
    async with running_bot(api, knowledge, tmp_path / "data", **settings) as bot:
        add_parking(folder)
        started = time.monotonic()
        await bot.process(message=message("/reload", user_id=ADMIN))
        asked = [api.push(message=message(DATES_QUESTION, user_id=100 + n)) for n in range(5)]
        asked.append(api.push(message=message(PARKING_QUESTION, user_id=200)))
        await wait_until(lambda: all(u in bot.done for u in asked))
        answered_within = time.monotonic() - started
        assert sent_to(api, ADMIN) == []  # the reload is still building
        await wait_until(lambda: len(sent_to(api, ADMIN)) == 1, 10)
        after = await ask(bot, PARKING_QUESTION)
    assert answered_within < 0.9
    assert all(sent_to(api, 100 + n)[0].startswith("The conference takes") for n in range(5))
    # Asked before the swap: answered from the old knowledge base.
    assert PARKING_ANSWER not in sent_to(api, 200)[0]
    assert after == PARKING_ANSWER


# --- reports ---------------------------------------------------------------------------------


async def test_unanswered_and_stats_survive_a_restart(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path, admins=ADMINS) as bot:
        for text, lang in [
            ("Wo kann ich parken?", "de"),
            ("wo kann ich PARKEN", "de"),
            ("где парковка", "ru"),
            (DATES_QUESTION, "en"),
        ]:
            await ask(bot, text, lang=lang)
    async with running_bot(api, KB, tmp_path, admins=ADMINS) as bot:
        unanswered = texts(
            await bot.process(message=message("/unanswered", lang="de", user_id=ADMIN))
        )
        stats = texts(await bot.process(message=message("/stats 1", lang="de", user_id=ADMIN)))
        usage = texts(await bot.process(message=message("/stats lots", lang="en", user_id=ADMIN)))
    [listing] = unanswered
    assert listing.startswith("<b>Die letzten 7 Tage</b>\n3 Fragen ohne Antwort (2 verschiedene)")
    assert (
        "1. <i>wo kann ich PARKEN</i> — 2×\n    de 2 · nicht gefunden: 2 · zuletzt gefragt"
        in listing
    )
    assert "2. <i>где парковка</i> — 1×" in listing
    [overview] = stats
    assert overview.startswith(
        "<b>Heute</b>\n4 Fragen: beantwortet 25\xa0% (1) · Vorschläge 0\xa0% (0) · "
        "nicht gefunden 75\xa0% (3)\nde 2, en 1, ru 1\n\n<b>Pro Tag</b>\n"
    )
    assert overview.endswith(
        "<b>Am häufigsten beantwortet</b>\n"
        "1 — Wann ist die Städtepartnerkonferenz? (<code>conference-dates</code>)"
    )
    assert usage == ["Send /stats for the last 7 days, or /stats 30 for the last 30 days."]

    # The same log, read by `twinbot report` while nothing runs.
    assert main(["report", "--data-dir", str(tmp_path), "--format", "json"]) == 0


async def test_long_reports_are_split(api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(api, KB, tmp_path, admins=ADMINS) as bot:
        for number in range(20):
            await asyncio.to_thread(
                bot.storage.log_question, "en", "not_found", None, f"{number} " + "x" * 900
            )
        calls = await bot.process(message=message("/unanswered", user_id=ADMIN))
    parts = texts(calls)
    assert len(parts) >= 5
    assert all(len(part) <= 4096 for part in parts)
    assert sum(part.count("<i>") for part in parts) == 20


async def test_answers_rated_not_helpful_are_listed_with_the_entry_given(
    api: FakeBotApi, tmp_path: Path
) -> None:
    async with running_bot(api, KB, tmp_path, admins=ADMINS) as bot:
        asked = await bot.process(message=message(DATES_QUESTION, user_id=OTHER))
        answer = only(asked, "sendMessage")
        press = callback("v:en:-conference-dates", user_id=OTHER)
        press["message"]["message_id"] = answer.result["message_id"]
        await bot.process(callback_query=press)
        await ask(bot, "Wo kann ich parken?", lang="de")
        listing = texts(await bot.process(message=message("/unanswered", lang="de", user_id=ADMIN)))
        stats = texts(await bot.process(message=message("/stats", lang="de", user_id=ADMIN)))
    assert "\n\nHilfreich? 👍 0 · 👎 1" in stats[-1]
    [text] = listing
    assert "<b>👎 Als nicht hilfreich bewertete Antworten</b>" in text
    assert (
        "1. Wann ist die Städtepartnerkonferenz? (<code>conference-dates</code>) — 1×\n"
        f"    <i>{DATES_QUESTION}</i>\n    zuletzt bewertet "
    ) in text
    assert text.index("Wo kann ich parken?") < text.index("👎")


async def test_hostile_files_in_the_watched_folder_give_one_notice_and_stop_nothing(
    api: FakeBotApi, folder: Path, tmp_path: Path
) -> None:
    import os

    knowledge = load_valid_knowledge(folder)
    async with running_bot(api, knowledge, tmp_path / "data", **watching(folder)) as bot:
        # A FIFO, a link to /dev/zero and a file with thousands of problems, all at once.
        os.mkfifo(folder / "b.yaml")
        (folder / "a-zero.yaml").symlink_to("/dev/zero")
        entries = "".join(f"  - id: E{n}\n" for n in range(3_000))
        (folder / "p.yaml").write_text("topic: {id: p}\nentries:\n" + entries)
        await wait_until(lambda: len(notices(api, 44)) >= 1, 10)
        await asyncio.sleep(reloader_module.QUIET_SECONDS + 0.5)  # nothing else comes
        assert len(sent_to(api, 44)) == 1
        [notice] = notices(api, 44)
        assert "\nb.yaml:1: not a regular file (a named pipe)" in notice
        assert "<pre>a-zero.yaml:1: a link to a file outside the knowledge folder" in notice
        assert notice.count("p.yaml:") == 18
        assert "twinbot check</code> to see them all." in notice
        # The bot keeps answering from the last good version.
        assert (await ask(bot, DATES_QUESTION)).startswith("The conference takes place")
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 10


async def test_database_faults_are_told_to_the_admins(
    api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twinbot.bot import admin
    from twinbot.storage import DATABASE_NAME

    monkeypatch.setattr(admin, "STORAGE_CHECK_SECONDS", 0.05)
    data = tmp_path / "data"
    data.mkdir()
    (data / DATABASE_NAME).write_bytes(b"garbage " * 100)
    async with running_bot(api, KB, data, admins=ADMINS) as bot:
        await wait_until(lambda: len(sent_to(api, 44)) == 1)
        [moved] = [p for p in data.iterdir() if ".damaged-" in p.name]
        assert sent_to(api, 44)[0] == (
            f"⚠️ The database <code>{data / DATABASE_NAME}</code> was damaged. The bot moved it "
            f"aside to <code>{moved}</code> and started a fresh one: language choices and the "
            "question log so far are only in the old file."
        )
        assert sent_to(api, ADMIN) == sent_to(api, 44)  # every admin, once
        # Fresh and working: questions are answered and logged.
        await bot.process(message=message("/help", user_id=OTHER))

        (data / DATABASE_NAME).unlink()
        await wait_until(lambda: len(sent_to(api, 44)) == 2)
        assert "was deleted while the bot runs" in sent_to(api, 44)[1]
        await asyncio.sleep(0.2)  # told once, not at every look
        assert len(sent_to(api, 44)) == 2
        assert (await ask(bot, DATES_QUESTION)).startswith("The conference takes place")

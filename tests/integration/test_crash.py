"""Persistence under crashes: `kill -9` in the middle of a burst of writes loses nothing that was
committed, and the bot starts again on the same data directory."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auxil.bot_harness import message, only, running_bot
from auxil.processes import start_run, wait_until
from auxil.sample_knowledge import sample_knowledge
from twinbot.storage import DATABASE_NAME, SCHEMA_VERSION, Storage

# Every test starts a process and kills it.
pytestmark = pytest.mark.slow

# Writes as the bot does (from worker threads, through one Storage), and reports each write
# only after the call that commits it has returned.
WRITER = r"""
import sys, threading
from pathlib import Path
from twinbot.storage import Storage

storage = Storage.open(Path(sys.argv[1]))
langs = ("de", "ru", "en")
printing = threading.Lock()

def report(line):
    with printing:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

def choose(start):
    for i in range(start, 10**9, 2):
        storage.set_language(i, langs[i % 3])
        report(f"lang {i} {langs[i % 3]}")

def ask(start):
    for i in range(start, 10**9, 2):
        storage.log_question(langs[i % 3], "not_found", None, f"question {i}")
        report(f"question {i}")

threads = [threading.Thread(target=f, args=(s,)) for f in (choose, ask) for s in (0, 1)]
for t in threads:
    t.start()
"""


REPORT = re.compile(r"lang [0-9]+ (de|ru|en)|question [0-9]+")


@pytest.fixture
def api() -> Iterator[object]:
    from auxil.fake_bot_api import FakeBotApi

    with FakeBotApi() as server:
        yield server


def crash_during_writes(data_dir: Path, reported_at_least: int) -> list[str]:
    """Run the writer, SIGKILL it once it has reported enough, return what it reported."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    reported: list[str] = []
    kinds: set[str] = set()
    for line in writer.stdout:
        reported.append(line.strip())
        kinds.add(line.split(" ", 1)[0])
        # Both writers must have committed something (the question log writes in batches,
        # so on a busy machine its first report can come after many language choices).
        if len(reported) >= reported_at_least and len(kinds) >= 2:
            writer.send_signal(signal.SIGKILL)  # mid-burst: the threads are still writing
            break
    # Read on from the same buffered stream the lines came from (communicate() would read
    # the pipe underneath it and could start in the middle of a line).
    rest = writer.stdout.read()
    assert writer.stderr is not None
    errors = writer.stderr.read()
    writer.wait(timeout=30)
    writer.stdout.close()
    writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL, errors
    # Whole lines already printed when the kill landed were committed too; a line the kill
    # cut short (no newline) proves nothing.
    reported += rest.split("\n")[:-1]
    assert all(REPORT.fullmatch(line) for line in reported), reported
    return reported


@pytest.mark.parametrize("round_size", [50, 400])
def test_sigkill_loses_no_committed_write(tmp_path: Path, round_size: int) -> None:
    reported: list[str] = []
    for _ in range(3):  # crash, recover, crash again on the recovered files
        reported += crash_during_writes(tmp_path, round_size)
        assert (tmp_path / f"{DATABASE_NAME}-wal").exists()  # WAL mode: the log survives
    languages: dict[int, str] = {}
    questions: set[str] = set()
    for line in reported:
        kind, number, *lang = line.split()
        if kind == "lang":
            languages[int(number)] = lang[0]
        else:
            questions.add(f"question {number}")
    assert languages and questions

    with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with Storage.open(tmp_path) as storage:
        assert storage.schema_version == SCHEMA_VERSION
        for user, lang in languages.items():
            # a later round may have written the same user again, always with the same choice
            assert storage.language_of(user) == lang, user
        logged = {q.text for q in storage.questions_between(unanswered_only=True)}
    assert questions <= logged


async def test_the_bot_starts_again_on_a_crashed_data_directory(
    api: object, tmp_path: Path
) -> None:
    reported = crash_during_writes(tmp_path, 200)
    russian = next(int(line.split()[1]) for line in reported if line.endswith(" ru"))
    async with running_bot(api, sample_knowledge(), tmp_path) as bot:  # type: ignore[arg-type]
        greeting = await bot.process(message=message("/start", lang="de", user_id=russian))
        await bot.process(message=message("qwxz vbnm plkj", user_id=russian))
        logged = bot.storage.questions(limit=1)
    assert only(greeting, "sendMessage").params["text"].startswith("Привет")
    assert [q.text for q in logged] == ["qwxz vbnm plkj"]


# --- the inbox: SIGKILL of a running bot loses no question -------------------------------------

QUESTIONS = (
    ("When and where was the conference?", "took place in <b>Karlsruhe"),
    ("What is INTAMT?", "The <b>INTAMT Academy</b> was founded"),
    ("What were the workshops about?", "workshops on five topics"),
)


RUN_FLAGS = ("--reload", "off")


def _start_bot(api: object, data_dir: Path) -> subprocess.Popen[str]:
    from auxil.fake_bot_api import FakeBotApi

    assert isinstance(api, FakeBotApi)
    return start_run(api.base_url, data_dir, *RUN_FLAGS, stdout=subprocess.DEVNULL)


def test_a_bot_killed_mid_burst_answers_every_question_after_the_restart(
    api: object, tmp_path: Path
) -> None:
    from auxil.fake_bot_api import Call, FakeBotApi

    assert isinstance(api, FakeBotApi)
    users = range(700, 720)
    bot = _start_bot(api, tmp_path)
    wait_until(lambda: bool(api.calls_to("getUpdates")), bot, 60, interval=0.02)
    replies = threading.Semaphore(0)

    def on_call(call: Call) -> None:
        if call.method == "sendMessage":
            replies.release()

    api.on_call = on_call
    for round_ in QUESTIONS:  # 20 users send 3 questions each
        for user_id in users:
            api.push(message=message(round_[0], user_id=user_id))
    for _ in range(23):  # after the 23rd reply: SIGKILL, mid-burst
        assert replies.acquire(timeout=60)
    bot.send_signal(signal.SIGKILL)
    bot.wait(timeout=30)
    assert bot.stderr is not None
    bot.stderr.close()
    killed_after = len(api.calls_to("sendMessage"))
    assert killed_after < 60, "the bot answered everything before the kill"

    restarted = _start_bot(api, tmp_path)
    try:

        def answered() -> dict[int, list[str]]:
            by_chat: dict[int, list[str]] = {u: [] for u in users}
            for call in api.calls_to("sendMessage"):
                if "chat_id" in call.params:  # not a request cut short by the kill
                    by_chat[int(call.params["chat_id"])].append(str(call.params["text"]))
            return by_chat

        def everyone_has_all_three() -> bool:
            return all(
                all(any(mark in text for text in texts) for _, mark in QUESTIONS)
                for texts in answered().values()
            )

        wait_until(everyone_has_all_three, restarted, 60, interval=0.02)
        time.sleep(0.3)  # anything still being sent would show up now
    finally:
        restarted.send_signal(signal.SIGTERM)
        _, errors = restarted.communicate(timeout=30)
    assert restarted.returncode == 0, errors
    by_chat = answered()
    for texts in by_chat.values():  # each chat's answers in the order it asked
        marks = [next(m for _, m in QUESTIONS if m in text) for text in texts]
        assert list(dict.fromkeys(marks)) == [m for _, m in QUESTIONS]
    total = sum(len(texts) for texts in by_chat.values())
    print("DUPES", total - 60, "killed_after", killed_after)
    # Only a reply on the wire when the kill landed can go out again. At the default send rate
    # replies leave a thirtieth of a second apart, so that is one at most (issue 12's bar);
    # without a rate limit it is up to the sends in flight at once (docs/running.md).
    assert 60 <= total <= 61, f"{total - 60} answered twice"
    assert api.pending() == []  # the clean stop confirmed everything
    with Storage.open(tmp_path) as storage:
        assert storage.inbox_counts() == {"done": 60}
        assert len(storage.questions(limit=100)) == 60  # one log row per question, none twice

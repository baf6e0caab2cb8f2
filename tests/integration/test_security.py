"""Secrets and access: the token and the webhook secret appear in no log line of a full
`twinbot run --verbose` (faults, floods and a pasted token included), webhook requests without
the secret get 403, knowledge files cannot run code or read other files, and a participant's
question reaches only admins, escaped."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from auxil.bot_harness import callback, inline_query, message, only, running_bot
from auxil.fake_bot_api import TOKEN, FakeBotApi
from auxil.processes import start_run, wait_until
from auxil.sample_knowledge import sample_knowledge
from auxil.telegram_html import assert_telegram_html
from twinbot.bot.split import text_content
from twinbot.cli import main
from twinbot.loader import load_knowledge

SECRET_PART = TOKEN.split(":", 1)[1]
WEBHOOK_SECRET = "hook-SECRET-do-not-log-4f1c9a7e"


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def start_bot(api: FakeBotApi, data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return start_run(api.base_url, data_dir, "--verbose", "--reload", "off", *args, **env)


def wait_for(condition: Callable[[], object], process: subprocess.Popen[str]) -> None:
    wait_until(condition, process, 30)


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    return stdout + stderr


def sent_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in api.calls_to("sendMessage")
        if c.params.get("chat_id") == str(chat_id)
    ]


# --- no secret in any log line -----------------------------------------------------------------


@pytest.mark.slow
def test_a_full_verbose_run_with_faults_and_floods_never_logs_the_token(
    api: FakeBotApi, tmp_path: Path
) -> None:
    # Polling fails twice; one reply is refused with the token in the description (as if
    # echoed by a proxy), one meets a 502 and one a 429: every path that logs an error.
    api.fail("getUpdates", 502, "Bad Gateway")
    api.drop("getUpdates")
    api.fail("sendMessage", 400, f"Bad Request: can't parse entities near bot{TOKEN}/send")
    api.fail("sendMessage", 502, "Bad Gateway")
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    process = start_bot(api, tmp_path)
    wait_for(lambda: api.calls_to("getUpdates"), process)
    api.push(message=message("/start", lang="de", user_id=1))
    api.push(message=message("Wann war die Konferenz?", user_id=2))
    api.push(message=message(f"my token is {TOKEN}", user_id=3))  # a user pastes one
    api.push(callback_query=callback("a:en:no-such-entry", user_id=4))
    api.push(inline_query=inline_query("Konferenz"))
    for _ in range(15):
        api.push(message=message("flood", user_id=5))
    api.push(message=message("/about", user_id=6))
    wait_for(lambda: sent_to(api, 6) and sent_to(api, 5), process)
    logs = stop(process)
    assert "DEBUG twinbot" in logs  # it was verbose
    assert "getUpdates failed" in logs  # the faults were logged …
    assert "[REDACTED]" in logs  # … the echoed token cut out of them
    assert "flood control" in logs
    # python-telegram-bot capitalize()s error descriptions: look for any case of it
    assert SECRET_PART.lower() not in logs.lower()
    assert SECRET_PART[:12].lower() not in logs.lower()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_webhook_requests_need_the_secret_which_is_never_logged(
    api: FakeBotApi, tmp_path: Path
) -> None:
    port = free_port()
    process = start_bot(
        api,
        tmp_path,
        "--webhook-url",
        "https://bot.example.org/twinbot/hook",
        "--port",
        str(port),
        TWINBOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    wait_for(lambda: api.calls_to("setWebhook"), process)
    assert only(api.calls, "setWebhook").params["secret_token"] == WEBHOOK_SECRET
    url = f"http://127.0.0.1:{port}/twinbot/hook"
    update = {"update_id": 900, "message": message("/help", user_id=77)}
    statuses = []
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
        statuses.append(httpx.post(url, json=update, headers=headers, timeout=10).status_code)
    assert statuses == [403, 403]
    assert sent_to(api, 77) == []
    good = httpx.post(
        url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}, timeout=10
    )
    assert good.status_code == 200
    wait_for(lambda: sent_to(api, 77), process)
    logs = stop(process)
    assert WEBHOOK_SECRET.lower() not in logs.lower()
    assert SECRET_PART.lower() not in logs.lower()


# --- knowledge files -----------------------------------------------------------------------------

EVIL = """\
topic:
  id: evil
  title: !!python/object/apply:os.system ["touch {marker}"]
entries:
  - id: evil-one
    questions: {{en: [!!python/name:os.system x, !!python/object/new:os.system [id]]}}
    answer: {{en: !include /etc/passwd, de: !!binary aGVsbG8=}}
"""
LAUGHS = "\n".join(
    [f'l0: &l0 ["{"lol" * 10}"]']
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    + ["topic: {id: laughs, title: {en: *l9}}", "entries: []"]
)


def test_knowledge_files_cannot_run_code_or_read_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    marker = tmp_path / "pwned"
    (folder / "evil.yaml").write_text(EVIL.format(marker=marker), encoding="utf-8")
    (folder / "laughs.yaml").write_text(LAUGHS, encoding="utf-8")  # a billion laughs
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr()
    report = out.out + out.err
    assert not marker.exists()
    assert 'unsupported YAML tag "!!python/object/apply:os.system"' in report
    assert 'unsupported YAML tag "!include"' in report
    assert "root:" not in report  # /etc/passwd was not read
    loaded = load_knowledge(folder)
    assert len(loaded.knowledge.entries) <= 1
    assert all("os.system" not in str(e.answer) for e in loaded.knowledge.entries)


# --- access ----------------------------------------------------------------------------------


async def test_a_participants_question_reaches_only_admins_and_escaped(
    api: FakeBotApi, tmp_path: Path
) -> None:
    question = '<b>Parkplatz</b> & </a> <a href="javascript:alert(1)">?'
    async with running_bot(api, sample_knowledge(), tmp_path, admins=frozenset({1})) as bot:
        await bot.process(message=message(question, lang="de", user_id=2))
        refused = await bot.process(message=message("/unanswered", lang="de", user_id=2))
        report = await bot.process(message=message("/unanswered", lang="de", user_id=1))
    (refusal,) = [str(c.params["text"]) for c in refused if c.method == "sendMessage"]
    assert "Parkplatz" not in refusal
    assert "So funktioniert twinbot" in refusal
    texts = [str(c.params["text"]) for c in report if c.method == "sendMessage"]
    assert any(question in text_content(t) for t in texts), texts  # shown as typed …
    for text in texts:
        assert_telegram_html(text)
        assert question not in text  # … because it was escaped


@pytest.mark.slow
def test_a_webhook_over_http_behind_a_self_hosted_bot_api(api: FakeBotApi, tmp_path: Path) -> None:
    # The fake Bot API is "self-hosted" (http on 127.0.0.1): http webhooks and any port work.
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    process = start_bot(
        api,
        tmp_path,
        "--webhook-url",
        url,
        "--port",
        str(port),
        TWINBOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    wait_for(lambda: api.calls_to("setWebhook"), process)
    set_webhook = only(api.calls, "setWebhook")
    assert (set_webhook.params["url"], set_webhook.params["secret_token"]) == (url, WEBHOOK_SECRET)
    update = {"update_id": 901, "message": message("/help", user_id=78)}
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
        assert httpx.post(url, json=update, headers=headers, timeout=10).status_code == 403

    # A huge body without the secret is refused from its headers alone, none of it read.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(
            b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n" + b"{" * 1000
        )
        assert raw.recv(100).startswith(b"HTTP/1.1 403")
    # With the secret, but more than an update can be: 413, unread.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(
            b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n"
            + f"X-Telegram-Bot-Api-Secret-Token: {WEBHOOK_SECRET}\r\n\r\n".encode()
        )
        assert raw.recv(100).startswith(b"HTTP/1.1 413")
    assert sent_to(api, 78) == []

    good = httpx.post(
        url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}, timeout=10
    )
    assert good.status_code == 200
    wait_for(lambda: sent_to(api, 78), process)
    logs = stop(process)
    assert "How to use twinbot" in sent_to(api, 78)[0]
    assert logs.count("works with the self-hosted Bot API") == 1  # warned once
    assert "getUpdates" not in [c.method for c in api.calls]
    assert WEBHOOK_SECRET.lower() not in logs.lower()

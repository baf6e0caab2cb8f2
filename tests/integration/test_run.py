"""`twinbot run` as a process: polling a (fake) Bot API, verbose logs without the token,
clean exit on SIGTERM and SIGINT."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auxil.fake_bot_api import TOKEN, FakeBotApi
from auxil.processes import clean_env, start_run, twinbot_command, wait_until

# Every test starts `twinbot run` as a process.
pytestmark = pytest.mark.slow

pytest.importorskip("twinbot.validate")


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_run_polls_answers_and_stops_cleanly_without_leaking_the_token(
    api: FakeBotApi, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    process = start_run(api.base_url, tmp_path, "--verbose")
    wait_until(lambda: api.calls_to("getUpdates"), process, 20)
    api.push(
        message={
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 42, "type": "private", "first_name": "Anna"},
            "from": {"id": 42, "is_bot": False, "first_name": "Anna", "language_code": "ru"},
            "text": "/topics",
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        }
    )
    wait_until(lambda: api.calls_to("sendMessage"), process, 20)
    process.send_signal(stop_signal)
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert "тем" in api.calls_to("sendMessage")[0].params["text"]
    assert {c.params.get("language_code") for c in api.calls_to("setMyCommands")} == {
        None,
        "en",
        "de",
        "ru",
    }
    assert "DEBUG twinbot" in stderr  # --verbose
    assert "stopping" in stderr
    assert TOKEN not in stdout + stderr
    assert TOKEN.split(":")[1] not in stdout + stderr
    assert "Traceback" not in stderr
    assert (tmp_path / "twinbot.sqlite3").exists()


def test_run_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    result = subprocess.run(
        [*twinbot_command(), "run", "--data-dir", str(tmp_path)],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "TWINBOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def _run_once(tmp_path: Path, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*twinbot_command(), "run", "--data-dir", str(tmp_path), *args],
        env=clean_env(tmp_path, TWINBOT_TOKEN=token),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_rejected_token_is_one_line_without_the_token(api: FakeBotApi, tmp_path: Path) -> None:
    revoked = "987654321:REVOKEDrevokedREVOKEDrevokedREVOKED"
    result = _run_once(tmp_path, revoked, "--api-url", api.base_url)
    assert result.returncode == 1
    assert "rejected TWINBOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert revoked not in result.stdout + result.stderr
    assert "REVOKEDrevoked" not in result.stdout + result.stderr


def test_an_unreachable_bot_api_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _run_once(tmp_path, TOKEN, "--api-url", f"http://127.0.0.1:{port}/bot")
    assert result.returncode == 1
    assert "cannot reach the Bot API at http://127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr

"""The real `twinbot` command as a child process: this environment's console script (or
`python -m twinbot.cli` where it isn't installed), run with none of the developer's TWINBOT_*
settings but the test session's cache folder, and waited on without hanging a test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from auxil.fake_bot_api import TOKEN


def twinbot_command() -> list[str]:
    """The command that runs `twinbot` from the interpreter running the tests."""
    script = Path(sys.executable).with_name("twinbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "twinbot.cli"]


def clean_env(home: Path, **changes: str) -> dict[str, str]:
    """This process's environment without TWINBOT_* settings (but TWINBOT_CACHE_DIR: the
    session's embedding cache), with HOME at *home*, UTF-8 output and *changes*."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TWINBOT_") or k == "TWINBOT_CACHE_DIR"
    }
    env.update(HOME=str(home), PYTHONIOENCODING="utf-8", **changes)
    return env


def start_run(
    api_url: str,
    data_dir: Path,
    *args: str,
    stdout: int = subprocess.PIPE,
    **env: str,
) -> subprocess.Popen[str]:
    """`twinbot run` against the (fake) Bot API at *api_url* with the fake API's token."""
    return subprocess.Popen(
        [*twinbot_command(), "run", "--api-url", api_url, "--data-dir", str(data_dir), *args],
        env=clean_env(data_dir, TWINBOT_TOKEN=TOKEN, **env),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(
    condition: Callable[[], object],
    process: subprocess.Popen[str],
    timeout: float,
    interval: float = 0.05,
) -> None:
    """Poll *condition* until it holds; fail (with the process's stderr) when the process
    exits first or *timeout* seconds pass (then it is killed)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"twinbot run exited early:\n{process.communicate()[1]}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"timed out:\n{process.communicate()[1]}")
        time.sleep(interval)

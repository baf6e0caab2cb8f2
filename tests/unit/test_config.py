"""Settings from environment and flags: defaults, precedence, validation, secrecy."""

from __future__ import annotations

from pathlib import Path

import pytest

from twinbot.config import DEFAULT_API_URL, Secret, Settings, default_data_dir, load_settings
from twinbot.errors import ConfigError

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_defaults_without_environment() -> None:
    settings = load_settings({"HOME": "/home/anna"})
    assert settings.token is None
    assert settings.api_url == DEFAULT_API_URL
    assert settings.knowledge_dir is None
    assert settings.data_dir == Path("/home/anna/.local/share/twinbot")
    assert settings.webhook_url is None
    assert (settings.listen, settings.port) == ("127.0.0.1", 8080)
    assert settings.admins == frozenset()
    assert not settings.verbose
    assert settings.retention_days == 180


def test_retention_days_are_read() -> None:
    assert load_settings({"HOME": "/h", "TWINBOT_RETENTION_DAYS": "30"}).retention_days == 30


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"XDG_DATA_HOME": "/xdg", "HOME": "/home/a"}, Path("/xdg/twinbot")),
        ({"XDG_DATA_HOME": "relative", "HOME": "/home/a"}, Path("/home/a/.local/share/twinbot")),
        ({"HOME": "/home/a"}, Path("/home/a/.local/share/twinbot")),
    ],
)
def test_default_data_dir_follows_xdg(environ: dict[str, str], expected: Path) -> None:
    assert default_data_dir(environ) == expected


def test_environment_is_read() -> None:
    settings = load_settings(
        {
            "TWINBOT_TOKEN": TOKEN,
            "TWINBOT_API_URL": "http://localhost:8081/bot",
            "TWINBOT_KNOWLEDGE": "/srv/knowledge",
            "TWINBOT_DATA_DIR": "/var/lib/twinbot",
            "TWINBOT_WEBHOOK_URL": "https://bot.example.org/twinbot",
            "TWINBOT_LISTEN": "0.0.0.0",
            "TWINBOT_PORT": "9000",
            "TWINBOT_WEBHOOK_SECRET": "s3cret_-value",
            "TWINBOT_ADMINS": "12, 34,,56 ",
        }
    )
    assert settings.token is not None and settings.token.reveal() == TOKEN
    assert settings.api_url == "http://localhost:8081/bot"
    assert settings.knowledge_dir == Path("/srv/knowledge")
    assert settings.data_dir == Path("/var/lib/twinbot")
    assert settings.webhook_url == "https://bot.example.org/twinbot"
    assert settings.webhook_path == "twinbot"
    assert (settings.listen, settings.port) == ("0.0.0.0", 9000)
    assert settings.webhook_secret.reveal() == "s3cret_-value"
    assert settings.admins == frozenset({12, 34, 56})


def test_flags_win_over_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {"TWINBOT_DATA_DIR": "/env", "TWINBOT_API_URL": "http://env/bot", "TWINBOT_PORT": "1"},
        data_dir=tmp_path,
        api_url="http://flag/bot",
        port=8443,
        knowledge_dir=tmp_path / "k",
        verbose=True,
    )
    assert settings.data_dir == tmp_path
    assert settings.api_url == "http://flag/bot"
    assert settings.port == 8443
    assert settings.knowledge_dir == tmp_path / "k"
    assert settings.verbose


def test_secrets_never_show() -> None:
    settings = load_settings({"TWINBOT_TOKEN": TOKEN, "TWINBOT_WEBHOOK_SECRET": "hush_hush"})
    for text in (
        repr(settings),
        str(settings),
        repr(settings.token),
        str(settings.token),
        f"{settings.token}",
        repr(settings.webhook_secret),
    ):
        assert TOKEN not in text
        assert "hush_hush" not in text
    assert set(settings.secret_values()) == {TOKEN, "hush_hush"}


def test_webhook_secret_is_generated_when_absent() -> None:
    first = load_settings({}).webhook_secret.reveal()
    second = load_settings({}).webhook_secret.reveal()
    assert first != second
    assert len(first) >= 32
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def test_missing_token_is_an_error_only_when_required() -> None:
    assert load_settings({}).token is None
    with pytest.raises(ConfigError, match="TWINBOT_TOKEN is not set"):
        load_settings({}, require_token=True)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TWINBOT_TOKEN": '"123:abc"'}, "does not look like a bot token"),
        ({"TWINBOT_TOKEN": TOKEN + " x"}, "does not look like a bot token"),
        ({"TWINBOT_API_URL": "api.telegram.org"}, "not an http"),
        ({"TWINBOT_WEBHOOK_URL": "http://bot.example.org/"}, "not an https URL"),
        ({"TWINBOT_WEBHOOK_URL": "https://bot.example.org:8080/x"}, "uses port 8080 — Telegram"),
        ({"TWINBOT_WEBHOOK_URL": "https://bot.example.org:99999/x"}, "uses an invalid port"),
        (
            {"TWINBOT_API_URL": "http://localhost:8081/bot", "TWINBOT_WEBHOOK_URL": "ftp://x/y"},
            "not an http\\(s\\) URL",
        ),
        ({"TWINBOT_SEND_RATE": "fast"}, "TWINBOT_SEND_RATE: 'fast' is not a number >= 0"),
        ({"TWINBOT_SEND_RATE": "-1"}, "TWINBOT_SEND_RATE"),
        ({"TWINBOT_SEND_RATE": "inf"}, "TWINBOT_SEND_RATE"),
        ({"TWINBOT_PORT": "http"}, "not a TCP port"),
        ({"TWINBOT_PORT": "70000"}, "not a TCP port"),
        ({"TWINBOT_WEBHOOK_SECRET": "with space"}, "TWINBOT_WEBHOOK_SECRET"),
        ({"TWINBOT_ADMINS": "12,anna"}, "TWINBOT_ADMINS: 'anna'"),
        ({"TWINBOT_RETENTION_DAYS": "0"}, "TWINBOT_RETENTION_DAYS: '0'"),
        ({"TWINBOT_RETENTION_DAYS": "half a year"}, "TWINBOT_RETENTION_DAYS"),
    ],
)
def test_invalid_values_are_explained(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ)


def test_bad_token_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"TWINBOT_TOKEN": "123:short-secret"})
    assert "short-secret" not in str(raised.value)


def test_settings_are_frozen() -> None:
    settings = Settings(token=Secret(TOKEN))
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_reload_settings() -> None:
    assert (load_settings({}).reload, load_settings({}).reload_interval) == ("auto", 2.0)
    env = {"TWINBOT_RELOAD": "POLL", "TWINBOT_RELOAD_INTERVAL": "0.5"}
    assert (load_settings(env).reload, load_settings(env).reload_interval) == ("poll", 0.5)
    flags = load_settings(env, reload="off", reload_interval=10)
    assert (flags.reload, flags.reload_interval) == ("off", 10)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TWINBOT_RELOAD": "sometimes"}, "TWINBOT_RELOAD"),
        ({"TWINBOT_RELOAD_INTERVAL": "0"}, "TWINBOT_RELOAD_INTERVAL"),
        ({"TWINBOT_RELOAD_INTERVAL": "soon"}, "TWINBOT_RELOAD_INTERVAL"),
    ],
)
def test_bad_reload_settings_are_explained(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ)


@pytest.mark.parametrize("port", ["", ":443", ":80", ":88", ":8443"])
def test_cloud_webhooks_take_telegrams_ports(port: str) -> None:
    url = f"https://bot.example.org{port}/hook"
    settings = load_settings({"TWINBOT_WEBHOOK_URL": url})
    assert settings.webhook_url == url and settings.cloud_api
    assert settings.webhook_notes() == []


@pytest.mark.parametrize(
    ("url", "noted"),
    [
        ("http://127.0.0.1:8443/hook", True),
        ("http://bot.local/hook", True),
        ("https://bot.example.org:9000/hook", True),
        ("https://bot.example.org/hook", False),
    ],
)
def test_a_self_hosted_bot_api_takes_http_and_any_port(url: str, noted: bool) -> None:
    env = {"TWINBOT_API_URL": "http://localhost:8081/bot", "TWINBOT_WEBHOOK_URL": url}
    settings = load_settings(env)
    assert settings.webhook_url == url and not settings.cloud_api
    assert bool(settings.webhook_notes()) is noted
    assert settings.webhook_path == "hook"


def test_send_rate() -> None:
    assert load_settings({}).send_rate == 30.0
    assert load_settings({"TWINBOT_SEND_RATE": "0"}).send_rate == 0.0
    assert load_settings({"TWINBOT_SEND_RATE": "100"}).send_rate == 100.0

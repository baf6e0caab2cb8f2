"""`twinbot chat`: the real Application over the terminal, piped and in process."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from auxil.processes import clean_env, twinbot_command
from auxil.sample_knowledge import sample_knowledge
from twinbot.config import Settings
from twinbot.console import Terminal, locale_language, run_chat, terminal_text
from twinbot.storage import Storage

KB = sample_knowledge()


def chat(lines: str, data_dir: Path, lang: str | None = "en") -> str:
    stdout = io.StringIO()
    code = run_chat(
        Settings(data_dir=data_dir),
        KB,
        stdin=io.StringIO(lines),
        stdout=stdout,
        lang=lang,  # type: ignore[arg-type]
    )
    assert code == 0
    return stdout.getvalue()


def test_piped_lines_are_answered_in_order_then_eof_ends_the_chat(tmp_path: Path) -> None:
    out = chat("/start\n/topics\n2\n1\n\n3\n", tmp_path)
    assert out.startswith("> /start\nHi ")
    expected_in_order = [
        "  [1] The conference (2)\n  [2] Youth exchange (2)\n\n> /topics\n",
        "2 topics — pick one:\n  [1] The conference (2)\n  [2] Youth exchange (2)\n\n",
        "> 2\n<Youth exchange>\n2 questions — pick one:\n"
        "  [1] How can I take part in a youth exchange?\n"
        "  [2] Is there a language course for participants?\n"
        "  [3] « Back\n\n",
        # An answer comes as a new message; the topic menu above it stays.
        "> 1\nAsk the partnership association of your town.\n  [1] Helpful? 👍\n  [2] 👎\n\n",
        "> 3\n",  # the blank line was skipped; there is no button 3 now: sent as text
    ]
    position = 0
    for chunk in expected_in_order:
        chunk = chunk.replace("<Youth exchange>", "Youth exchange")
        found = out.find(chunk, position)
        assert found >= 0, f"{chunk!r} not after position {position} in:\n{out}"
        position = found + len(chunk)
    assert out.count("> ") == 5
    assert out.endswith("\n\n")  # the last reply was printed before EOF ended the chat


def test_buttons_commands_and_languages(tmp_path: Path) -> None:
    out = chat(
        "Когда пройдёт конференция городов-партнёров?\n1\n/language\n1\n/help\n",
        tmp_path,
    )
    assert "> Когда пройдёт конференция городов-партнёров?\nКонференция проходит с 27" in out
    # Button 1 under the answer: the related entry, answered in place, in Russian.
    assert "> 1\nВ конгресс-центре (https://example.org/kongress) Карлсруэ." in out
    assert "Choose your language:\n  [1] Deutsch\n  [2] Русский\n  [3] English" in out
    assert "Alles klar, ab jetzt spreche ich Deutsch mit dir." in out
    assert "So funktioniert twinbot" in out
    # Same state as `twinbot run`: the choice is in the data directory.
    with Storage.open(tmp_path) as storage:
        assert storage.language_of(1000) == "de"
        assert [q.outcome for q in storage.questions()] == ["answer"]


def test_inline_queries_and_url_free_terminal(tmp_path: Path) -> None:
    out = chat("@twinbot_local_bot When is the partner cities conference?\n", tmp_path)
    assert "Inline results" in out
    assert "1. When is the partner cities conference? — The conference takes place" in out


def test_language_from_flag(tmp_path: Path) -> None:
    assert chat("/start\n", tmp_path, lang="ru").startswith("> /start\nПривет, ")


def test_empty_input_ends_at_once(tmp_path: Path) -> None:
    assert chat("", tmp_path) == ""


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<b>bold</b> &amp; <i>it</i>", "bold & it"),
        ('<a href="https://x.org">site</a>', "site (https://x.org)"),
        ('<a href="https://x.org">https://x.org</a>', "https://x.org"),
        ("<b>broken", "broken"),
    ],
)
def test_terminal_text(html: str, text: str) -> None:
    assert terminal_text(html) == text


def test_terminal_text_in_colour() -> None:
    assert terminal_text("<b>x</b>", color=True) == "\033[1mx\033[0m"


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LC_ALL": "ru_RU.UTF-8", "LANG": "de_DE"}, "ru"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_locale_language(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], lang: str
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert locale_language() == lang


async def test_terminal_answers_start_up_calls_locally() -> None:
    terminal = Terminal(io.StringIO(""), io.StringIO(), language_code="en")
    me = await terminal.call("getMe", {})
    assert isinstance(me, dict) and me["is_bot"]
    for method in ("setMyCommands", "deleteWebhook", "setMyDescription", "sendChatAction"):
        assert await terminal.call(method, {}) is True
    with pytest.raises(EOFError):
        await terminal.call("getUpdates", {})


# --- the real command, piped ---------------------------------------------------------------


def _twinbot(*args: str, stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*twinbot_command(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(tmp_path, LANG="C.UTF-8"),
        timeout=60,
    )


@pytest.mark.slow
def test_piped_twinbot_chat_with_the_shipped_knowledge(tmp_path: Path) -> None:
    pytest.importorskip("twinbot.validate")
    result = _twinbot("chat", "--lang", "de", stdin="hallo\n/topics\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert out.startswith("> hallo\n")
    assert "\n> /topics\n" in out
    assert "Themen – wähl eins aus:" in out
    assert "  [1] " in out
    # The default data directory is under $HOME, as documented.
    assert (tmp_path / ".local" / "share" / "twinbot" / "twinbot.sqlite3").exists()


@pytest.mark.slow
def test_chat_with_an_invalid_knowledge_base_exits_1_with_file_and_line(tmp_path: Path) -> None:
    pytest.importorskip("twinbot.validate")
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "broken.yaml").write_text("topic:\n  id: x\nentries: [\n", encoding="utf-8")
    result = _twinbot("chat", "--knowledge", str(knowledge), stdin="", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "broken.yaml:" in result.stderr
    assert "Traceback" not in result.stderr


def test_votes_acknowledgements_and_privacy_in_the_terminal(tmp_path: Path) -> None:
    out = chat("When is the partner cities conference?\n4\n4\nok\n/privacy\n/foo\n", tmp_path)
    # The answer's buttons: two related questions, then "Helpful? 👍" and "👎".
    assert "  [3] Helpful? 👍\n  [4] 👎\n\n> 4\n" in out
    # After the vote only the related questions stay; "4" is then plain text again.
    assert "> 4\n(Thanks for telling me. The organisers will see" in out
    assert "\n  [1] Where does the conference take place?\n  [2] How can I" in out
    assert "> ok\n👍 Anything else? Just ask, or send /topics.\n\n" in out
    assert "> /privacy\nWhat twinbot stores\n" in out
    assert "> /foo\nI don't know the command /foo.\n\nHow to use twinbot" in out
    with Storage.open(tmp_path) as storage:
        [vote] = storage.votes_between()
        logged = storage.questions()
    assert (vote.entry_id, vote.helpful, vote.question) == (
        "conference-dates",
        False,
        "When is the partner cities conference?",
    )
    assert [q.text for q in logged] == ["4", None]  # newest first; "ok" is not logged

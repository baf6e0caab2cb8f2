"""What organisers read in Telegram: reload notices and the splitting of long reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from twinbot.bot import admin_render
from twinbot.i18n import Catalogs
from twinbot.reloader import ReloadResult

TR = Catalogs.load()
FOLDER = Path("/srv/knowledge")
LOADED = datetime(2015, 6, 27, 9, 30, tzinfo=UTC)


def broken(count: int) -> ReloadResult:
    lines = tuple(
        f'{FOLDER}/workshops.yaml:{n}: entry "w{n}": "en" answer: unsupported tag <p> & more'
        for n in range(count)
    )
    return ReloadResult(
        ok=False, changed=True, directory=FOLDER, errors=count, lines=(*lines, "totals")
    )


def test_errors_are_escaped_in_pre_relative_and_localized() -> None:
    [text] = admin_render.reload_messages(broken(1), TR.translator("ru"), LOADED, UTC)
    assert text.startswith("❌ База знаний в <code>/srv/knowledge</code> не загружена заново")
    assert "27.06.2015, 09:30" in text
    assert text.endswith(
        '<pre>workshops.yaml:0: entry "w0": "en" answer: unsupported tag &lt;p&gt; &amp; more</pre>'
    )


@pytest.mark.parametrize(("count", "shown"), [(20, 20), (80, 20), (60_000, 20)])
def test_a_long_problem_list_is_one_message_with_a_count_of_the_rest(
    count: int, shown: int
) -> None:
    [text] = admin_render.reload_messages(broken(count), TR.translator("de"), LOADED, UTC)
    assert len(text.encode("utf-16-le")) // 2 <= admin_render.MAX_MESSAGE
    assert text.count("<pre>") == text.count("</pre>") == 1
    lines = re.findall(r"workshops\.yaml:\d+", text)
    assert lines == [f"workshops.yaml:{n}" for n in range(shown)]  # the first ones, in order
    if count > shown:
        more = f"{count - shown:,}".replace(",", ".")
        assert text.endswith(
            f"…und {more} weitere Probleme: <code>twinbot check</code> zeigt alle."
        )


def test_long_lines_leave_out_what_does_not_fit_and_count_it() -> None:
    result = broken(20)
    long = tuple(line + " x" * 400 for line in result.lines[:-1])
    result = ReloadResult(ok=False, changed=True, directory=FOLDER, errors=20, lines=long)
    [text] = admin_render.reload_messages(result, TR.translator("en"), LOADED, UTC)
    assert len(text.encode("utf-16-le")) // 2 <= admin_render.MAX_MESSAGE
    shown = len(re.findall(r"workshops\.yaml:\d+", text))
    assert 0 < shown < 20
    assert text.endswith(
        f"…and {20 - shown} more problems: run <code>twinbot check</code> to see them all."
    )


def test_success_with_warnings() -> None:
    result = ReloadResult(
        ok=True,
        changed=True,
        directory=FOLDER,
        entries=1,
        topics=1,
        warnings=1,
        lines=(f"{FOLDER}/a.yaml:3: warning: x", "0 errors, 1 warning"),
    )
    [text] = admin_render.reload_messages(result, TR.translator("en"), LOADED, UTC)
    assert text.startswith("✅ Knowledge base reloaded from <code>/srv/knowledge</code>: 1 answer")
    assert text.endswith("<pre>a.yaml:3: warning: x</pre>")


def test_unexpected_failure() -> None:
    result = ReloadResult(ok=False, changed=True, directory=FOLDER, failure="OSError: <gone>")
    [text] = admin_render.reload_messages(result, TR.translator("en"), LOADED, UTC)
    assert "failed: OSError: &lt;gone&gt;." in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("de", "zuletzt bewertet 27.06.15, 09:30"), ("ru", "последняя оценка 27.06.2015, 09:30")],
)
def test_report_dates_follow_the_admins_language(lang: str, expected: str) -> None:
    from twinbot import report
    from twinbot.storage import Vote

    period = report.Period.last_days(7, LOADED, UTC)
    votes = [Vote(LOADED, "de", "conference-dates", False, "Wann?")]
    listing = report.unanswered([], period, votes=votes)
    [text] = admin_render.unanswered_messages(listing, TR.translator(lang), UTC)  # type: ignore[arg-type]
    assert expected in text
    assert "6/27/15" not in text

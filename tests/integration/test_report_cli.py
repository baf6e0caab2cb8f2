"""`twinbot report`: the question log as text, CSV and JSON, with captured stdio."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from twinbot.cli import main
from twinbot.storage import Storage

NOW = datetime.now(UTC)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    with Storage.open(tmp_path) as storage:
        for when, outcome, text in [
            (NOW - timedelta(days=30), "not_found", "old question"),
            (NOW - timedelta(days=2), "not_found", "Wo kann ich parken?"),
            (NOW - timedelta(hours=1), "suggestions", "wo kann ich parken"),
            (NOW, "answer", "When is the conference?"),
        ]:
            suggested = "conference-venue" if outcome == "suggestions" else None
            entry = "conference-dates" if outcome == "answer" else None
            storage.log_question("de", outcome, entry, text, suggested=suggested, now=when)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_report_of_the_last_week(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, "--data-dir", str(data_dir))
    assert code == 0
    assert out.splitlines()[0] == "Unanswered questions in the last 7 days: 2 (1 different)"
    assert "2x  wo kann ich parken" in out
    assert "old question" not in out


def test_all_and_limit(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    _, out, _ = run(capsys, "--data-dir", str(data_dir), "--all", "--limit", "1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["normalized"], r["count"]) for r in rows] == [("wo kann ich parken", "2")]
    since = (NOW - timedelta(days=40)).date().isoformat()
    _, out, _ = run(capsys, "--data-dir", str(data_dir), "--since", since, "--format", "json")
    assert [q["question"] for q in json.loads(out)["questions"]] == [
        "wo kann ich parken",
        "old question",
    ]


def test_stats_formats(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    _, out, _ = run(
        capsys, "--data-dir", str(data_dir), "--stats", "--days", "3", "--format", "json"
    )
    stats = json.loads(out)
    assert stats["total"] == 3
    assert stats["outcomes"]["answer"] == {"count": 1, "share": 0.3333}
    assert stats["top_entries"] == [{"entry": "conference-dates", "count": 1}]
    _, out, _ = run(capsys, "--data-dir", str(data_dir), "--stats", "--format", "csv")
    assert out.splitlines()[0] == "day,lang,outcome,entry,count"
    _, out, _ = run(capsys, "--data-dir", str(data_dir), "--stats")
    assert out.startswith("Questions in the last 7 days: 3 — answered 1 (33%)")


def test_missing_log_and_bad_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "nothing"))
    assert code == 1
    assert "no question log in" in err
    assert not (tmp_path / "nothing").exists()  # a report never creates a database
    for bad in (["--days", "0"], ["--since", "27.06.2015"], ["--days", "2", "--all"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["report", "--data-dir", str(tmp_path), *bad])
        assert exit_info.value.code == 2
    capsys.readouterr()


# --- answers rated "not helpful" and small talk ----------------------------------------------


@pytest.fixture
def rated_dir(data_dir: Path) -> Path:
    with Storage.open(data_dir) as storage:
        storage.record_vote("a", "de", "conference-dates", False, "Wann ist das?", now=NOW)
        storage.record_vote("b", "ru", "conference-dates", False, None, now=NOW)
        storage.record_vote("c", "en", "conference-dates", True, None, now=NOW)
        storage.log_question("en", "answer", "greeting", "Hi!", now=NOW)
    return data_dir


def test_not_helpful_answers_in_text_csv_and_json(
    capsys: pytest.CaptureFixture[str], rated_dir: Path
) -> None:
    _, text, _ = run(capsys, "--data-dir", str(rated_dir))
    assert "Answers rated not helpful in the last 7 days:" in text
    assert "  1. 2x  conference-dates  (de 1, ru 1)" in text
    assert "     asked: Wann ist das?" in text
    _, out, _ = run(capsys, "--data-dir", str(rated_dir), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["entry_given"] for r in rows] == ["", "conference-dates"]
    assert rows[1]["question"] == "Wann ist das?"
    assert rows[1]["not_helpful"] == "2"
    _, out, _ = run(capsys, "--data-dir", str(rated_dir), "--format", "json")
    [rated] = json.loads(out)["not_helpful"]
    assert rated["entry"] == "conference-dates"
    assert rated["questions"] == ["Wann ist das?"]


def test_stats_count_small_talk_apart(capsys: pytest.CaptureFixture[str], rated_dir: Path) -> None:
    _, out, _ = run(capsys, "--data-dir", str(rated_dir), "--stats", "--format", "json")
    stats = json.loads(out)
    assert stats["smalltalk"] == 1
    assert [e["entry"] for e in stats["top_entries"]] == ["conference-dates"]
    assert stats["votes"] == {"helpful": 1, "not_helpful": 2}
    _, text, _ = run(capsys, "--data-dir", str(rated_dir), "--stats")
    assert "\nSmall talk (greetings, thanks) answered: 1\n" in text
    assert text.endswith("Helpful? 👍 1  👎 2\n")


@pytest.mark.parametrize("damage", ["garbage", "pages"])
def test_a_damaged_log_is_a_clear_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], data_dir: Path, damage: str
) -> None:
    path = data_dir / "twinbot.sqlite3"
    with Storage.open(data_dir) as storage:  # enough rows for pages beyond the header
        for n in range(3000):
            storage.log_question("en", "not_found", None, f"question {n} " + "x" * 200)
    if damage == "garbage":
        path.write_bytes(b"garbage " * 1000)
    else:
        with path.open("r+b") as f:
            f.seek(path.stat().st_size // 2)
            f.write(b"\xa5" * 8192)
    code, out, err = run(capsys, "--data-dir", str(data_dir), "--all")
    assert (code, out) == (1, "")
    assert err.startswith(f"twinbot: the database {path} is damaged (")
    assert "restore a backup" in err and "Traceback" not in err

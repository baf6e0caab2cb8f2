"""State faults: a damaged database is moved aside and replaced, reads of one raise a clear
error, and a database deleted or made read-only under the bot is noticed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from twinbot.storage import DATABASE_NAME, DamagedDatabase, Storage

WHEN = datetime(2015, 6, 27, 9, 30, 5, tzinfo=UTC)


def filled(data_dir: Path, questions: int = 3000) -> Path:
    with Storage.open(data_dir) as storage:
        for n in range(questions):
            storage.log_question("en", "not_found", None, f"question number {n} " + "x" * 200)
    return data_dir / DATABASE_NAME


def damage_pages(path: Path) -> None:
    """Overwrite the middle of the file: the header is fine, some pages are garbage."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 2)
        f.write(b"\xa5" * 8192)


def test_garbage_instead_of_a_database_is_moved_aside_and_a_fresh_one_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / DATABASE_NAME).write_bytes(b"not a database at all " * 100)
    with Storage.open_or_recover(tmp_path, now=WHEN) as storage:
        storage.log_question("de", "not_found", None, "neu")
        assert [q.text for q in storage.questions()] == ["neu"]
        aside = tmp_path / f"{DATABASE_NAME}.damaged-20150627T093005Z"
        assert storage.recovered_from == aside
    assert aside.read_bytes() == b"not a database at all " * 100  # kept as it was
    [line] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert line.getMessage().startswith(f"THE DATABASE {tmp_path / DATABASE_NAME} IS DAMAGED")


def test_damaged_pages_are_found_at_start(tmp_path: Path) -> None:
    path = filled(tmp_path)
    damage_pages(path)
    with Storage.open_or_recover(tmp_path, now=WHEN) as storage:
        assert storage.recovered_from is not None
        assert storage.questions() == []
    assert sorted(p.name for p in tmp_path.iterdir() if "damaged" in p.name) == [
        f"{DATABASE_NAME}.damaged-20150627T093005Z"
    ]


def test_a_healthy_database_is_left_alone(tmp_path: Path) -> None:
    filled(tmp_path, questions=5)
    with Storage.open_or_recover(tmp_path) as storage:
        assert storage.recovered_from is None
        assert len(storage.questions()) == 5


def test_reading_damaged_pages_is_a_clear_error(tmp_path: Path) -> None:
    path = filled(tmp_path)
    damage_pages(path)
    with Storage.open(tmp_path) as storage, pytest.raises(DamagedDatabase) as raised:
        storage.questions_between()
    assert "is damaged" in str(raised.value) and "restore a backup" in str(raised.value)


def test_a_deleted_or_read_only_database_is_noticed(tmp_path: Path) -> None:
    with Storage.open(tmp_path) as storage:
        assert storage.health() is None
        path = tmp_path / DATABASE_NAME
        path.chmod(0o444)
        assert storage.health() == "read-only"
        path.chmod(0o644)
        assert storage.health() is None
        path.unlink()
        assert storage.health() == "deleted"
        path.write_bytes(b"")  # a new file at the same path is not the one being written
        assert storage.health() == "deleted"


def test_a_directory_that_cannot_hold_a_database_is_not_moved_aside(tmp_path: Path) -> None:
    (tmp_path / DATABASE_NAME).mkdir()
    with pytest.raises(Exception, match="cannot open the database"):
        Storage.open_or_recover(tmp_path)
    assert (tmp_path / DATABASE_NAME).is_dir()
    assert not [p for p in tmp_path.iterdir() if "damaged" in p.name]

"""SQLite state: language choices, the question log, schema versioning, privacy."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from twinbot.errors import TwinbotError
from twinbot.storage import DATABASE_NAME, SCHEMA_VERSION, Purged, Storage


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(tmp_path) as opened:
        yield opened


def test_creates_the_database_in_wal_mode(tmp_path: Path) -> None:
    with Storage.open(tmp_path / "new" / "dir") as storage:
        assert storage.path == tmp_path / "new" / "dir" / DATABASE_NAME
        assert storage.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(tmp_path / "new" / "dir" / DATABASE_NAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_language_choice_round_trip_and_persistence(tmp_path: Path) -> None:
    with Storage.open(tmp_path) as storage:
        assert storage.language_of(42) is None
        storage.set_language(42, "ru")
        assert storage.language_of(42) == "ru"
        storage.set_language(42, "de")
        assert storage.language_of(42) == "de"
    with Storage.open(tmp_path) as reopened:
        assert reopened.language_of(42) == "de"
        assert reopened.language_of(43) is None


def test_rejects_unknown_languages(storage: Storage) -> None:
    with pytest.raises(ValueError):
        storage.set_language(1, "fr")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "entry_id", "kept"),
    [
        ("answer", "conference-dates", None),
        ("suggestions", "conference-venue", "wo ist das"),
        ("not_found", None, "wo ist das"),
    ],
)
def test_question_text_is_kept_only_when_unanswered(
    storage: Storage, outcome: str, entry_id: str | None, kept: str | None
) -> None:
    when = datetime(2015, 6, 27, 10, 0, tzinfo=UTC)
    storage.log_question("de", outcome, entry_id, "  wo ist das ", now=when)
    [logged] = storage.questions()
    assert (logged.lang, logged.outcome, logged.entry_id, logged.text) == (
        "de",
        outcome,
        entry_id,
        kept,
    )
    assert logged.ts == when


def test_question_log_has_no_user_columns(storage: Storage) -> None:
    db = sqlite3.connect(storage.path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(questions)")]
    db.close()
    assert columns == ["id", "ts", "lang", "outcome", "entry_id", "text", "suggested"]


def test_the_first_suggestion_is_kept_only_for_suggestions(storage: Storage) -> None:
    storage.log_question("de", "suggestions", None, "konferenz wo", suggested="conference-venue")
    storage.log_question("de", "not_found", None, "parken", suggested="conference-venue")
    assert [q.suggested for q in storage.questions()] == [None, "conference-venue"]


def test_questions_between_filters_by_time_and_outcome(storage: Storage) -> None:
    day = datetime(2015, 6, 27, tzinfo=UTC)
    for hour, outcome in [(8, "answer"), (9, "not_found"), (10, "suggestions"), (11, "answer")]:
        storage.log_question("en", outcome, None, f"q{hour}", now=day.replace(hour=hour))
    since, until = day.replace(hour=9), day.replace(hour=11)
    assert [q.text for q in storage.questions_between(since, until)] == ["q9", "q10"]
    assert [q.text for q in storage.questions_between(unanswered_only=True)] == ["q9", "q10"]
    assert len(storage.questions_between(since)) == 3


def test_a_version_1_log_is_migrated_and_kept(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DATABASE_NAME)
    db.executescript(
        """
        CREATE TABLE user_languages (user_id INTEGER PRIMARY KEY, lang TEXT NOT NULL);
        CREATE TABLE questions (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, lang TEXT NOT NULL,
            outcome TEXT NOT NULL, entry_id TEXT, text TEXT);
        INSERT INTO user_languages VALUES (42, 'ru');
        INSERT INTO questions (ts, lang, outcome, entry_id, text)
            VALUES ('2015-06-27T10:00:00+00:00', 'de', 'not_found', NULL, 'wo parken');
        PRAGMA user_version = 1;
        """
    )
    db.close()
    with Storage.open(tmp_path) as storage:
        assert storage.schema_version == SCHEMA_VERSION == 4
        assert storage.language_of(42) == "ru"
        [old] = storage.questions()
        assert (old.text, old.suggested) == ("wo parken", None)
        storage.log_question("de", "suggestions", None, "wo", suggested="conference-venue")
        assert storage.questions()[0].suggested == "conference-venue"


def test_a_version_3_database_with_an_inbox_is_upgraded_to_4(tmp_path: Path) -> None:
    from twinbot.storage import _MIGRATIONS

    # Version 3 exactly as the first three migrations leave it (main's inbox, no feedback).
    db = sqlite3.connect(tmp_path / DATABASE_NAME)
    for version, script in enumerate(_MIGRATIONS[:3], start=1):
        db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    db.executescript(
        """
        INSERT INTO user_languages VALUES (42, 'ru');
        INSERT INTO questions (ts, lang, outcome, entry_id, text, suggested)
            VALUES ('2015-06-27T10:00:00+00:00', 'de', 'not_found', NULL, 'wo parken', NULL);
        INSERT INTO inbox (update_id, received, body)
            VALUES (7, '2015-06-27T10:00:00+00:00', '{"update_id": 7}');
        """
    )
    db.close()
    with Storage.open(tmp_path) as storage:
        assert storage.schema_version == SCHEMA_VERSION == 4
        assert storage.language_of(42) == "ru"
        assert [q.text for q in storage.questions()] == ["wo parken"]
        # The update the version-3 bot left unfinished is still there to be answered.
        assert storage.inbox_unfinished(3) == ([(7, '{"update_id": 7}')], [])
        # A choice made before version 4 counts as seen at the upgrade, so it is not purged.
        [seen] = storage._db.execute("SELECT seen FROM user_languages").fetchone()
        assert datetime.fromisoformat(seen) > datetime.now(UTC) - timedelta(minutes=5)
        soon = datetime(2015, 7, 1, tzinfo=UTC)
        assert storage.purge(
            keep=timedelta(days=180), keep_relays=timedelta(days=30), now=soon
        ) == (Purged())
        # The new tables work.
        voter = storage.voter_key(42, 42, 1)
        assert storage.record_vote(voter, "ru", "conference-dates", True)
        storage.add_relay(100, 5, 42, "ru")
        assert storage.relay_of(100, 5, max_age=timedelta(days=30)) == (42, "ru")
    with Storage.open(tmp_path) as again:  # and opening it again changes nothing
        assert again.schema_version == 4
        assert [v.entry_id for v in again.votes_between()] == ["conference-dates"]


def test_long_questions_are_cut_and_unknown_outcomes_refused(storage: Storage) -> None:
    storage.log_question("en", "not_found", None, "x" * 5000)
    assert len(storage.questions()[0].text or "") == 1000
    with pytest.raises(ValueError):
        storage.log_question("en", "maybe", None, "?")


def test_questions_newest_first_with_limit(storage: Storage) -> None:
    for number in range(5):
        storage.log_question("en", "not_found", None, f"q{number}")
    assert [q.text for q in storage.questions(limit=2)] == ["q4", "q3"]


def test_concurrent_writers(storage: Storage) -> None:
    def work(offset: int) -> None:
        for number in range(50):
            storage.log_question("ru", "not_found", None, f"{offset}-{number}")
            storage.set_language(offset, "ru")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(storage.questions(limit=1000)) == 200


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DATABASE_NAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(TwinbotError, match="newer than this twinbot"):
        Storage.open(tmp_path)


def test_unwritable_location_is_explained(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(TwinbotError, match="TWINBOT_DATA_DIR"):
        Storage.open(blocker / "data")


def test_a_cached_language_is_known_without_the_database(tmp_path: Path) -> None:
    with Storage.open(tmp_path) as storage:
        assert storage.cached_language(7) == (False, None)
        assert storage.language_of(7) is None
        assert storage.cached_language(7) == (True, None)  # "no choice" is remembered too
        storage.set_language(7, "ru")
        assert storage.cached_language(7) == (True, "ru")


def test_queued_questions_are_read_back_at_once_and_written_in_batches(tmp_path: Path) -> None:
    with Storage.open(tmp_path) as storage:
        threads = [
            threading.Thread(
                target=lambda n=n: [
                    storage.queue_question("de", "not_found", None, f"q{n}-{i}") for i in range(50)
                ]
            )
            for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # this process reads its own writes: nothing queued is missing
        texts = {q.text for q in storage.questions(limit=1000)}
        assert texts == {f"q{n}-{i}" for n in range(4) for i in range(50)}
        storage.queue_question("en", "answer", "conference-dates", "kept out of the log")
        (latest,) = storage.questions(limit=1)
        assert (latest.outcome, latest.entry_id, latest.text) == (
            "answer",
            "conference-dates",
            None,
        )
        with pytest.raises(ValueError):
            storage.queue_question("en", "maybe", None, "x")


def test_close_writes_what_is_still_queued(tmp_path: Path) -> None:
    storage = Storage.open(tmp_path)
    for i in range(200):
        storage.queue_question("ru", "suggestions", None, f"q{i}", suggested="conference-dates")
    storage.close()
    with pytest.raises(TwinbotError):
        storage.queue_question("ru", "not_found", None, "too late")
    with Storage.open(tmp_path) as reopened:
        logged = reopened.questions(limit=1000)
    assert len(logged) == 200
    assert {q.suggested for q in logged} == {"conference-dates"}


# --- feedback, relays and retention ---------------------------------------------------------


def test_one_vote_per_voter_and_message_without_user_ids(storage: Storage) -> None:
    user = 987654321  # long enough not to turn up in a hex digest by chance ("42" does, 1 in 5)
    key = storage.voter_key(user, user, 7)
    assert key == storage.voter_key(user, user, 7)
    assert key != storage.voter_key(user, user, 8)
    assert str(user) not in key
    assert storage.record_vote(key, "de", "conference-dates", False, "wann ist das?")
    assert not storage.record_vote(key, "de", "conference-dates", True)
    assert storage.record_vote(storage.voter_key(43, 43, 9), "en", "conference-dates", True, "x")
    votes = storage.votes_between()
    assert [(v.entry_id, v.helpful, v.question) for v in votes] == [
        ("conference-dates", False, "wann ist das?"),
        ("conference-dates", True, None),  # a 👍 keeps no question text
    ]
    columns = {row[1] for row in storage._db.execute("PRAGMA table_info(feedback)")}
    assert not columns & {"user_id", "chat_id"}


def test_the_voter_salt_differs_between_databases(tmp_path: Path) -> None:
    with Storage.open(tmp_path / "a") as one, Storage.open(tmp_path / "b") as two:
        assert one.voter_key(1, 1, 1) != two.voter_key(1, 1, 1)


def test_relays_expire(storage: Storage) -> None:
    start = datetime(2015, 6, 27, tzinfo=UTC)
    storage.add_relay(100, 5, 42, "ru", now=start)
    month = timedelta(days=30)
    assert storage.relay_of(100, 5, max_age=month, now=start + timedelta(days=29)) == (42, "ru")
    assert storage.relay_of(100, 5, max_age=month, now=start + timedelta(days=31)) is None
    assert storage.relay_of(100, 6, max_age=month, now=start) is None


def test_purge_deletes_old_rows_and_users_not_seen(storage: Storage) -> None:
    start = datetime(2015, 1, 1, tzinfo=UTC)
    storage.log_question("en", "not_found", None, "old", now=start)
    storage.log_question("en", "not_found", None, "new", now=start + timedelta(days=200))
    storage.record_vote("v1", "en", "e", False, "old", now=start)
    storage.add_relay(1, 1, 42, "en", now=start)
    storage.set_language(42, "ru")
    storage.seen(42, now=start)  # same day as set_language: skipped in memory, so force it
    storage._db.execute(
        "UPDATE user_languages SET seen = ? WHERE user_id = 42", (start.isoformat(),)
    )
    storage.set_language(43, "de")
    storage.inbox_add([(1, '{"update_id": 1}'), (2, '{"update_id": 2}'), (3, "{}")])
    storage.inbox_set_aside(1)
    storage.inbox_set_aside(3)
    storage._db.execute(
        "UPDATE inbox SET received = ? WHERE update_id IN (1, 2)", (start.isoformat(),)
    )
    purged = storage.purge(
        keep=timedelta(days=180), keep_relays=timedelta(days=30), now=start + timedelta(days=200)
    )
    assert (purged.questions, purged.feedback, purged.relays, purged.languages) == (1, 1, 1, 1)
    # An old set-aside update goes (it keeps the sender's data); an unfinished one stays.
    assert purged.inbox == 1
    assert storage.inbox_counts() == {"new": 1, "set_aside": 1}
    assert [q.text for q in storage.questions()] == ["new"]
    assert storage.language_of(42) is None
    assert storage.language_of(43) == "de"


def test_done_inbox_rows_lose_their_body_at_once_and_go_after_a_day(tmp_path: Path) -> None:
    from twinbot.storage import DATABASE_NAME, INBOX_KEEP, handling_update

    with Storage.open(tmp_path) as storage:
        assert storage.inbox_add([(1, '{"update_id": 1}'), (2, '{"update_id": 2}')]) == [1, 2]
        assert storage.inbox_add([(2, '{"update_id": 2}'), (3, "{}")]) == [3]  # 2 is known
        with handling_update():
            storage.queue_question("en", "not_found", None, "asked in update 1")
            assert storage.questions() == []  # waits for the update's own commit
            storage.finish_update(1)
        assert [q.text for q in storage.questions()] == ["asked in update 1"]
        with sqlite3.connect(tmp_path / DATABASE_NAME) as db:
            assert db.execute("SELECT update_id, state, body FROM inbox").fetchall() == [
                (1, "done", None),
                (2, "new", '{"update_id": 2}'),
                (3, "new", "{}"),
            ]
            old = (datetime.now(UTC) - INBOX_KEEP - timedelta(minutes=1)).isoformat()
            db.execute("UPDATE inbox SET finished = ? WHERE update_id = 1", (old,))
        storage._pruned_at = datetime.min.replace(tzinfo=UTC)  # prune at the next add
        storage.inbox_add([(4, "{}")])
        assert storage.inbox_counts() == {"new": 3}

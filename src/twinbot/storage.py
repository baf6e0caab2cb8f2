"""The bot's state in SQLite: language choices, the question log, votes, relays, the inbox.

One database file, `twinbot.sqlite3` in the data directory, in WAL mode so a backup
(`sqlite3 twinbot.sqlite3 ".backup copy.sqlite3"`) or a report can read while the bot writes.
`synchronous=NORMAL`: in WAL mode a commit survives a crash of the bot process, and only a
power loss or OS crash can drop the last few commits — an acceptable loss for language
preferences and a question log, bought with one fsync per checkpoint instead of per message.

Privacy by construction: a Telegram user id is kept only in `user_languages` (it is the key of
the choice); the question log never stores user ids or names, and keeps the question's text only
when the bot could not answer it, so organisers can fill the gap. Votes are keyed by a salted
hash, never an id; a relay (a user's /feedback message copied to the admins) keeps the user's
chat for a month so a reply finds its way back. The inbox holds an update as Telegram sent it
only until it is answered (or, set aside, for organisers to look at, until retention deletes
it). `purge` deletes what is older than the retention period.

The schema version lives in `PRAGMA user_version`; `_MIGRATIONS[n]` brings version n to n+1.
Calls are short synchronous statements behind a lock; async callers run them with
`asyncio.to_thread` so the event loop never waits on the disk — except the busiest one: the
bot logs each question with `queue_question`, which returns at once, and one background thread
commits the queued questions in batches (a thread hop per question cost a busy bot more CPU
than answering it). Reads of the log and `close` wait for that queue first, so a process always
reads its own writes; a crash can lose only the questions queued in its last moments, never a
committed row. Nothing here knows Telegram.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from twinbot.errors import TwinbotError
from twinbot.knowledge import Lang, is_lang

_log = logging.getLogger(__name__)

#: How long the question writer lets questions gather before it writes them.
_GATHER_SECONDS = 0.05

DATABASE_NAME = "twinbot.sqlite3"
#: The outcomes a question can have (the matcher's `Outcome` values).
OUTCOMES = ("answer", "suggestions", "not_found")
#: Longer questions are cut; nobody asks a useful question in more than this.
MAX_LOGGED_TEXT = 1000
#: Done inbox rows are kept this long (Telegram keeps an unconfirmed update for 24 hours), so
#: an update delivered twice is answered once; then they are pruned.
INBOX_KEEP = timedelta(days=1)
#: How often pruning runs at most.
_PRUNE_EVERY = timedelta(minutes=10)

_MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1
    """
    CREATE TABLE user_languages (
        user_id INTEGER PRIMARY KEY,
        lang    TEXT NOT NULL CHECK (lang IN ('en', 'de', 'ru'))
    );
    CREATE TABLE questions (
        id       INTEGER PRIMARY KEY,
        ts       TEXT NOT NULL,
        lang     TEXT NOT NULL CHECK (lang IN ('en', 'de', 'ru')),
        outcome  TEXT NOT NULL CHECK (outcome IN ('answer', 'suggestions', 'not_found')),
        entry_id TEXT,
        text     TEXT CHECK (text IS NULL OR outcome != 'answer')
    );
    CREATE INDEX questions_ts ON questions (ts);
    CREATE INDEX questions_outcome ON questions (outcome, ts);
    """,
    # 1 -> 2: the entry a "did you mean" reply offered first, so the unanswered report can say
    # what participants were probably after. Old rows keep NULL.
    """
    ALTER TABLE questions ADD COLUMN suggested TEXT;
    """,
    # 2 -> 3: the inbox. Every update is committed here before Telegram is told it arrived, and
    # marked done in the transaction that logs its question. `body` (the update's JSON, with
    # the user's id, name and text) is cleared once the update is done; the row stays a day so
    # an update Telegram delivers again is recognised, then it is pruned.
    """
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        received  TEXT NOT NULL,
        state     TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'done', 'set_aside')),
        tries     INTEGER NOT NULL DEFAULT 0,
        body      TEXT,
        finished  TEXT
    );
    CREATE INDEX inbox_state ON inbox (state, update_id);
    """,
    # 3 -> 4: "Helpful?" votes (no user ids: a salted hash per voter and answer message stops
    # double votes), the links between a user's message to the organisers and the copies the
    # admins got (so a reply finds its way back; they expire), and when a user with a saved
    # language was last seen (for retention).
    """
    CREATE TABLE secrets (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE feedback (
        id       INTEGER PRIMARY KEY,
        ts       TEXT NOT NULL,
        lang     TEXT NOT NULL CHECK (lang IN ('en', 'de', 'ru')),
        entry_id TEXT NOT NULL,
        helpful  INTEGER NOT NULL CHECK (helpful IN (0, 1)),
        voter    TEXT NOT NULL UNIQUE,
        question TEXT CHECK (question IS NULL OR helpful = 0)
    );
    CREATE INDEX feedback_ts ON feedback (ts);
    CREATE TABLE relays (
        admin_chat    INTEGER NOT NULL,
        admin_message INTEGER NOT NULL,
        user_chat     INTEGER NOT NULL,
        lang          TEXT NOT NULL CHECK (lang IN ('en', 'de', 'ru')),
        ts            TEXT NOT NULL,
        PRIMARY KEY (admin_chat, admin_message)
    );
    CREATE INDEX relays_ts ON relays (ts);
    ALTER TABLE user_languages ADD COLUMN seen TEXT;
    -- Choices made before this version count as seen now: retention starts from here.
    UPDATE user_languages SET seen = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now');
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


@dataclass(frozen=True, slots=True)
class Vote:
    """One "Helpful?" answer: the entry it was about, and the question when it was 👎."""

    ts: datetime
    lang: Lang
    entry_id: str
    helpful: bool
    question: str | None = None


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows one retention pass deleted."""

    questions: int = 0
    feedback: int = 0
    relays: int = 0
    languages: int = 0
    #: Set-aside inbox updates (they keep the sender's id, name and text).
    inbox: int = 0

    @property
    def total(self) -> int:
        return self.questions + self.feedback + self.relays + self.languages + self.inbox


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One row of the question log."""

    id: int
    ts: datetime
    lang: Lang
    outcome: str
    entry_id: str | None
    text: str | None
    #: For "did you mean" replies: the entry offered first.
    suggested: str | None = None


class DamagedDatabase(TwinbotError):
    """The database file is not an SQLite database, or SQLite found it damaged."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"the database {path} is damaged ({reason}) — the bot moves it aside and starts a "
            "fresh one at its next start; to keep the old data, restore a backup "
            "(docs/running.md, section 6)"
        )
        self.path = path
        self.reason = reason


def _file_identity(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_mode)


class Storage:
    """The SQLite database in one data directory; safe to share between threads."""

    def __init__(self, path: Path, *, check: bool = False) -> None:
        """Open (or create) the database at *path*; *check* runs SQLite's `quick_check` first.

        Raises `DamagedDatabase` when the file is not a database or is damaged, `TwinbotError`
        when it cannot be opened at all.
        """
        self.path = path
        self._lock = threading.Lock()
        self._languages: dict[int, Lang | None] = {}
        # The day each user was last noted as seen by this process, and cached secrets.
        self._seen: dict[int, date] = {}
        self._secrets: dict[str, str] = {}
        # Questions waiting for the background writer, and how many it is writing right now.
        self._queue_changed = threading.Condition()
        self._queued: list[_QuestionRow] = []
        self._pruned_at = datetime.min.replace(tzinfo=UTC)
        self._writing = 0
        self._readers = 0
        self._closing = False
        self._writer: threading.Thread | None = None
        #: Where a damaged database was moved by `open_or_recover`, else None.
        self.recovered_from: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise TwinbotError(
                f"cannot open the database {path}: {exc} — check that the data directory "
                "exists and is writable (--data-dir / TWINBOT_DATA_DIR)"
            ) from exc
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            if check:
                verdict = str(self._db.execute("PRAGMA quick_check").fetchone()[0])
                if verdict != "ok":
                    raise sqlite3.DatabaseError(verdict)
            self._migrate()
        except sqlite3.OperationalError as exc:  # locked, read-only, out of disk space…
            self._db.close()
            raise TwinbotError(
                f"cannot open the database {path}: {exc} — check that the data directory "
                "exists and is writable (--data-dir / TWINBOT_DATA_DIR)"
            ) from exc
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
            self._db.close()
            raise DamagedDatabase(path, str(exc)) from exc
        self._identity = _file_identity(path)

    @classmethod
    def open(cls, data_dir: Path) -> Storage:
        """The database in *data_dir*, created on first use."""
        return cls(data_dir / DATABASE_NAME)

    @classmethod
    def open_or_recover(cls, data_dir: Path, *, now: datetime | None = None) -> Storage:
        """Like `open`, for the bot: a damaged database is moved aside and a fresh one started.

        The damaged file (and its -wal and -shm) is kept next to it as
        `twinbot.sqlite3.damaged-<UTC time>` for an operator to rescue what they can; the
        new storage's `recovered_from` says where, so the bot can tell the admins.
        """
        path = data_dir / DATABASE_NAME
        try:
            return cls(path, check=True)
        except DamagedDatabase as exc:
            stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
            aside = path.with_name(f"{path.name}.damaged-{stamp}")
            for suffix in ("", "-wal", "-shm"):
                source = path.with_name(path.name + suffix)
                if source.exists():
                    source.rename(aside.with_name(aside.name + suffix))
            _log.error(
                "THE DATABASE %s IS DAMAGED (%s): moved aside to %s; started a fresh one — "
                "language choices and the question log so far are only in the old file",
                path,
                exc.reason,
                aside,
            )
            storage = cls(path)
            storage.recovered_from = aside
            return storage

    def health(self) -> str | None:
        """None while the database file is the one opened and writable; else what is wrong.

        "deleted" (gone, or replaced by another file: SQLite would go on writing into the
        unlinked one) or "read-only" (no write permission, or SQLite refuses to write).
        """
        identity = _file_identity(self.path)
        if identity is None or self._identity is None or identity[:2] != self._identity[:2]:
            return "deleted"
        if not identity[2] & stat.S_IWUSR or not os.access(self.path, os.W_OK):
            return "read-only"
        return None

    def close(self) -> None:
        """Write the queued questions, then close the connection (SQLite checkpoints the WAL)."""
        with self._queue_changed:
            self._closing = True
            self._queue_changed.notify_all()
        if self._writer is not None:
            self._writer.join()
        with self._lock:
            self._db.close()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The `PRAGMA user_version` of the open database."""
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def language_of(self, user_id: int) -> Lang | None:
        """The language *user_id* chose with /language, or None (cached after the first read)."""
        if user_id in self._languages:
            return self._languages[user_id]
        with self._lock:
            row = self._db.execute(
                "SELECT lang FROM user_languages WHERE user_id = ?", (user_id,)
            ).fetchone()
        lang = row[0] if row is not None and is_lang(row[0]) else None
        self._languages[user_id] = lang
        return lang

    def cached_language(self, user_id: int) -> tuple[bool, Lang | None]:
        """(True, choice) when *user_id*'s choice is in memory, else (False, None).

        Lets async callers skip the worker-thread hop `language_of` needs on a miss.
        """
        if user_id in self._languages:
            return True, self._languages[user_id]
        return False, None

    def set_language(self, user_id: int, lang: Lang) -> None:
        """Remember *lang* as *user_id*'s choice."""
        if not is_lang(lang):
            raise ValueError(f"unknown language {lang!r}")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO user_languages (user_id, lang, seen) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, seen = excluded.seen",
                (user_id, lang, _timestamp(datetime.now(UTC))),
            )
        self._languages[user_id] = lang
        self._seen[user_id] = datetime.now(UTC).date()

    def seen_due(self, user_id: int) -> bool:
        """True when `seen` would write: a user with a saved choice, not yet noted today."""
        return (
            self._languages.get(user_id) is not None
            and self._seen.get(user_id) != datetime.now(UTC).date()
        )

    def seen(self, user_id: int, now: datetime | None = None) -> None:
        """Note that *user_id* wrote today, so retention keeps their language choice.

        Writes at most once per user and day (and only for users with a saved choice).
        """
        now = now or datetime.now(UTC)
        if self._seen.get(user_id) == now.date():
            return
        self._seen[user_id] = now.date()
        with self._transaction() as db:
            db.execute(
                "UPDATE user_languages SET seen = ? WHERE user_id = ?", (_timestamp(now), user_id)
            )

    # -- feedback

    def voter_key(self, user_id: int, chat_id: int, message_id: int) -> str:
        """A salted hash standing for one user's vote on one answer message.

        The salt is random per database and never leaves it, so the key cannot be turned
        back into a user id without the database, and it changes with every answer message.
        """
        salt = self._secret("voter-salt")
        data = f"{user_id}:{chat_id}:{message_id}".encode()
        return hmac.new(salt.encode(), data, hashlib.sha256).hexdigest()

    def record_vote(
        self,
        voter: str,
        lang: Lang,
        entry_id: str,
        helpful: bool,
        question: str | None = None,
        *,
        now: datetime | None = None,
    ) -> bool:
        """Store one vote; False (and nothing stored) when *voter* already voted."""
        text = None if helpful or not question else question.strip()[:MAX_LOGGED_TEXT]
        when = _timestamp(now or datetime.now(UTC))
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO feedback (ts, lang, entry_id, helpful, voter, question) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (voter) DO NOTHING",
                (when, lang, entry_id, int(helpful), voter, text),
            )
            return cursor.rowcount == 1

    def votes_between(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[Vote]:
        """The votes from *since* (inclusive) to *until* (exclusive), oldest first."""
        clauses, values = _period_clauses(since, until)
        with self._lock, self._reading():
            rows = self._db.execute(
                f"SELECT ts, lang, entry_id, helpful, question FROM feedback {clauses} "
                "ORDER BY ts, id",
                values,
            ).fetchall()
        return [
            Vote(datetime.fromisoformat(ts), lang, entry, bool(helpful), question)
            for ts, lang, entry, helpful, question in rows
            if is_lang(lang)
        ]

    # -- messages to the organisers

    def add_relay(
        self,
        admin_chat: int,
        admin_message: int,
        user_chat: int,
        lang: Lang,
        *,
        now: datetime | None = None,
    ) -> None:
        """Remember that the admin's copy *admin_message* came from *user_chat*."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO relays (admin_chat, admin_message, user_chat, lang, ts) "
                "VALUES (?, ?, ?, ?, ?)",
                (admin_chat, admin_message, user_chat, lang, _timestamp(now or datetime.now(UTC))),
            )

    def relay_of(
        self,
        admin_chat: int,
        admin_message: int,
        *,
        max_age: timedelta,
        now: datetime | None = None,
    ) -> tuple[int, Lang] | None:
        """The user chat and language behind an admin's copy, unless older than *max_age*."""
        oldest = _timestamp((now or datetime.now(UTC)) - max_age)
        with self._lock, self._reading():
            row = self._db.execute(
                "SELECT user_chat, lang FROM relays "
                "WHERE admin_chat = ? AND admin_message = ? AND ts >= ?",
                (admin_chat, admin_message, oldest),
            ).fetchone()
        if row is None or not is_lang(row[1]):
            return None
        return int(row[0]), row[1]

    # -- retention

    def purge(
        self, *, keep: timedelta, keep_relays: timedelta, now: datetime | None = None
    ) -> Purged:
        """Delete questions, votes and set-aside inbox updates older than *keep*, relays older
        than *keep_relays*, and the language choices of users not seen for *keep*."""
        now = now or datetime.now(UTC)
        cutoff = _timestamp(now - keep)
        relay_cutoff = _timestamp(now - keep_relays)
        self._wait_for_queue()
        with self._transaction() as db:
            questions = db.execute("DELETE FROM questions WHERE ts < ?", (cutoff,)).rowcount
            feedback = db.execute("DELETE FROM feedback WHERE ts < ?", (cutoff,)).rowcount
            relays = db.execute("DELETE FROM relays WHERE ts < ?", (relay_cutoff,)).rowcount
            # Done rows are pruned after a day anyway; unfinished ones are still to be answered.
            inbox = db.execute(
                "DELETE FROM inbox WHERE state = 'set_aside' AND received < ?", (cutoff,)
            ).rowcount
            gone = [
                int(row[0])
                for row in db.execute(
                    "SELECT user_id FROM user_languages WHERE seen IS NULL OR seen < ?", (cutoff,)
                )
            ]
            db.executemany("DELETE FROM user_languages WHERE user_id = ?", [(u,) for u in gone])
        for user_id in gone:
            self._languages.pop(user_id, None)
            self._seen.pop(user_id, None)
        return Purged(questions, feedback, relays, len(gone), inbox)

    def _secret(self, name: str) -> str:
        cached = self._secrets.get(name)
        if cached is not None:
            return cached
        with self._transaction() as db:
            db.execute(
                "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_hex(32)),
            )
            value = str(
                db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0]
            )
        self._secrets[name] = value
        return value

    def log_question(
        self,
        lang: Lang,
        outcome: str,
        entry_id: str | None,
        text: str,
        *,
        suggested: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Record one question; its *text* is kept only when it was not answered.

        *suggested* is the entry a "did you mean" reply offered first (ignored otherwise).
        """
        row = _question_row(lang, outcome, entry_id, text, suggested, now or datetime.now(UTC))
        with self._transaction() as db:
            db.execute(_INSERT_QUESTION, row)

    def queue_question(
        self,
        lang: Lang,
        outcome: str,
        entry_id: str | None,
        text: str,
        *,
        suggested: str | None = None,
    ) -> None:
        """Like `log_question`, but returns at once: a background thread commits it soon.

        Reads of the log and `close` wait until every queued question is written.
        """
        row = _question_row(lang, outcome, entry_id, text, suggested, datetime.now(UTC))
        unit = _CURRENT_UPDATE.get()
        if unit is not None:
            unit.append(row)  # committed with the update's "done", by `finish_update`
            return
        with self._queue_changed:
            if self._closing:
                raise TwinbotError(f"{self.path} is closed; the question was not logged")
            self._queued.append(row)
            if len(self._queued) == 1:  # the writer sleeps only on an empty queue
                self._queue_changed.notify_all()
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_queued, name="twinbot-question-log", daemon=True
                )
                self._writer.start()

    def _write_queued(self) -> None:
        """The background writer: every question queued so far in one transaction, repeat."""
        while True:
            with self._queue_changed:
                self._queue_changed.wait_for(lambda: bool(self._queued) or self._closing)
                if not self._queued:
                    return  # closing, and nothing left to write
                # Let a busy bot's questions gather: one wake-up and one transaction for many.
                # A reader or close() cuts the wait short.
                self._queue_changed.wait_for(
                    lambda: self._readers > 0 or self._closing, timeout=_GATHER_SECONDS
                )
                batch, self._queued = self._queued, []
                self._writing = len(batch)
            try:
                with self._transaction() as db:
                    db.executemany(_INSERT_QUESTION, batch)
            except sqlite3.Error:
                # The bot keeps answering; the log misses these questions, and says so.
                _log.exception("could not log %d questions in %s", len(batch), self.path)
            finally:
                with self._queue_changed:
                    self._writing = 0
                    self._queue_changed.notify_all()

    def _wait_for_queue(self) -> None:
        with self._queue_changed:
            self._readers += 1
            self._queue_changed.notify_all()
            try:
                self._queue_changed.wait_for(lambda: not self._queued and not self._writing)
            finally:
                self._readers -= 1

    def questions(self, *, limit: int = 100) -> list[LoggedQuestion]:
        """The most recent questions, newest first."""
        self._wait_for_queue()
        with self._lock, self._reading():
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM questions ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_logged(row) for row in rows if is_lang(row[2])]

    def questions_between(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        unanswered_only: bool = False,
    ) -> list[LoggedQuestion]:
        """The questions asked from *since* (inclusive) to *until* (exclusive), oldest first."""
        where, values = _period_clauses(
            since, until, ["outcome != 'answer'"] if unanswered_only else []
        )
        self._wait_for_queue()
        with self._lock, self._reading():
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM questions {where} ORDER BY ts, id", values
            ).fetchall()
        return [_logged(row) for row in rows if is_lang(row[2])]

    # --- the inbox ------------------------------------------------------------------------------

    def inbox_add(self, updates: Iterable[tuple[int, str]]) -> list[int]:
        """Commit (update_id, JSON body) pairs; returns the ids that were not there before.

        An id already in the inbox (Telegram delivered it again, or a webhook retried) is left
        alone: it is answered once. Old done rows are pruned now and then.
        """
        now = datetime.now(UTC)
        received = _timestamp(now)
        added: list[int] = []
        with self._transaction() as db:
            for update_id, body in updates:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO inbox (update_id, received, body) VALUES (?, ?, ?)",
                    (update_id, received, body),
                )
                if cursor.rowcount:
                    added.append(update_id)
            if now - self._pruned_at > _PRUNE_EVERY:
                self._pruned_at = now
                db.execute(
                    "DELETE FROM inbox WHERE state = 'done' AND finished < ?",
                    (_timestamp(now - INBOX_KEEP),),
                )
        return added

    def inbox_unfinished(self, max_tries: int) -> tuple[list[tuple[int, str]], list[int]]:
        """Start-up: the updates the last run left unfinished, oldest first, to answer again.

        Each counts as one more try; one tried *max_tries* times already (it crashed the bot
        each time, say) is set aside instead and returned in the second list.
        """
        with self._transaction() as db:
            db.execute("UPDATE inbox SET tries = tries + 1 WHERE state = 'new'")
            aside = [
                int(row[0])
                for row in db.execute(
                    "SELECT update_id FROM inbox WHERE state = 'new' AND tries > ? "
                    "ORDER BY update_id",
                    (max_tries,),
                )
            ]
            db.execute(
                "UPDATE inbox SET state = 'set_aside' WHERE state = 'new' AND tries > ?",
                (max_tries,),
            )
            rows = db.execute(
                "SELECT update_id, body FROM inbox WHERE state = 'new' ORDER BY update_id"
            ).fetchall()
        return [(int(i), str(b)) for i, b in rows], aside

    def inbox_set_aside(self, update_id: int) -> None:
        """Keep an update that cannot be handled for the organisers, out of the way."""
        with self._transaction() as db:
            db.execute(
                "UPDATE inbox SET state = 'set_aside', tries = tries + 1 WHERE update_id = ?",
                (update_id,),
            )

    def inbox_counts(self) -> dict[str, int]:
        """How many inbox rows are in each state (for tests and the operator)."""
        self._wait_for_queue()
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM inbox GROUP BY state").fetchall()
        return {str(state): int(count) for state, count in rows}

    def finish_update(self, update_id: int) -> None:
        """Mark *update_id* done, with the questions logged while handling it, in one commit.

        Called inside `handling_update()`, on the event loop, right after the update's reply
        went out: a WAL commit with synchronous=NORMAL does not wait for the disk, and the
        thread hop of `queue_question` would only widen the window in which a crash sends the
        reply twice.
        """
        questions = tuple(_CURRENT_UPDATE.get() or ())
        with self._transaction() as db:
            db.executemany(_INSERT_QUESTION, questions)
            db.execute(
                "UPDATE inbox SET state = 'done', body = NULL, finished = ? "
                "WHERE update_id = ? AND state = 'new'",
                (_timestamp(datetime.now(UTC)), update_id),
            )

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A damaged page met while reading is a `DamagedDatabase`, not a bare sqlite3 error."""
        try:
            yield
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            raise DamagedDatabase(self.path, str(exc)) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise TwinbotError(
                f"{self.path} has schema version {version}, newer than this twinbot "
                f"understands ({SCHEMA_VERSION}) — upgrade twinbot or use another data directory"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            script = _MIGRATIONS[target - 1]
            # executescript commits first; the version bump is part of the same script.
            self._db.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {target};\nCOMMIT;"
            )


@contextmanager
def handling_update() -> Iterator[None]:
    """Questions logged inside this block wait for `Storage.finish_update`, not the queue.

    The bot wraps the handling of each inbox update in it, so the update's question-log row and
    its "done" are one transaction: after a crash either both are there or neither.
    """
    token = _CURRENT_UPDATE.set([])
    try:
        yield
    finally:
        _CURRENT_UPDATE.reset(token)


_COLUMNS = "id, ts, lang, outcome, entry_id, text, suggested"
_INSERT_QUESTION = (
    "INSERT INTO questions (ts, lang, outcome, entry_id, text, suggested) VALUES (?, ?, ?, ?, ?, ?)"
)
_QuestionRow = tuple[str, Lang, str, str | None, str | None, str | None]
#: The questions logged while the current task handles an inbox update (None: not one).
_CURRENT_UPDATE: contextvars.ContextVar[list[_QuestionRow] | None] = contextvars.ContextVar(
    "twinbot_current_update", default=None
)


def _question_row(
    lang: Lang,
    outcome: str,
    entry_id: str | None,
    text: str,
    suggested: str | None,
    now: datetime,
) -> _QuestionRow:
    """The row for one question: its text only when it was not answered."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    kept = None if outcome == "answer" else text.strip()[:MAX_LOGGED_TEXT]
    offered = suggested if outcome == "suggestions" else None
    return (_timestamp(now), lang, outcome, entry_id, kept, offered)


def _period_clauses(
    since: datetime | None, until: datetime | None, extra: list[str] | None = None
) -> tuple[str, list[str]]:
    """A WHERE clause (or "") for `ts` in [since, until), plus its values."""
    clauses = list(extra or [])
    values: list[str] = []
    if since is not None:
        clauses.append("ts >= ?")
        values.append(_timestamp(since))
    if until is not None:
        clauses.append("ts < ?")
        values.append(_timestamp(until))
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), values


def _timestamp(when: datetime) -> str:
    # Always UTC with a fixed-width offset, so text comparison in SQL orders by time.
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _logged(row: Sequence[Any]) -> LoggedQuestion:
    id_, ts, lang, outcome, entry_id, text, suggested = row
    return LoggedQuestion(id_, datetime.fromisoformat(ts), lang, outcome, entry_id, text, suggested)
